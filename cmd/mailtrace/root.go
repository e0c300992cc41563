package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "mailtrace",
		Short:         "See SMTP, POP3 and IMAP sessions in packet captures",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newReadCmd(stdin, stdout, stderr), newLiveCmd(stdout, stderr), newInterfacesCmd(stdout))
	return root
}

// parsePorts reads "--port smtp=1025" values.
func parsePorts(specs []string) (map[uint16]session.Protocol, error) {
	out := map[uint16]session.Protocol{}
	for _, spec := range specs {
		name, num, ok := strings.Cut(spec, "=")
		port, err := strconv.ParseUint(num, 10, 16)
		if !ok || err != nil || port == 0 {
			return nil, fmt.Errorf("--port %q: want PROTO=PORT, for example smtp=1025", spec)
		}
		proto, err := parseProto(name)
		if err != nil {
			return nil, fmt.Errorf("--port %q: %v", spec, err)
		}
		out[uint16(port)] = proto
	}
	return out, nil
}

func parseProto(name string) (session.Protocol, error) {
	switch p := session.Protocol(strings.ToLower(strings.TrimSpace(name))); p {
	case session.SMTP, session.POP3, session.IMAP:
		return p, nil
	}
	return "", fmt.Errorf("unknown protocol %q (want smtp, pop3 or imap)", name)
}
