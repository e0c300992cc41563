package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/spf13/cobra"
)

// usageError is a mistake on the command line (exit status 2). One made
// by usage says itself in the run's language (errorLine).
type usageError struct {
	err  error
	key  string // its catalog key, when it has one
	args []any
}

func (e usageError) Error() string { return e.err.Error() }

func (e usageError) Unwrap() error { return e.err }

// usage is the usage error of catalog key, with args, said in English
// here and in the run's language by errorLine.
func usage(key string, args ...any) usageError {
	return usageError{err: fmt.Errorf(explain.Say(key, explain.English), args...), key: key, args: args}
}

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || unknownCommand(err) {
		return 2
	}
	return 1
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Version: version(),
		Use:     "mailtrace",
		Short:   "See SMTP, POP3 and IMAP sessions in packet captures",
		Long: `See SMTP, POP3 and IMAP sessions in packet captures: mailtrace reads
pcap and pcapng files (read, report) or sniffs an interface (live),
reassembles the TCP streams on mail ports, pairs each command with its
reply, and shows the sessions as timelines, ladders, statistics, JSON, or
one HTML page.

Exit status: 0 done (and live ended by a signal); 1 an error (a file
that cannot be read, an output that cannot be written, rows neither
stored nor spooled); 2 a mistake on the command line; 130 and 143 ended by
SIGINT or SIGTERM, after writing what was read.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err: err} })
	root.AddCommand(forUsers(newReadCmd(stdin, stdout, stderr)), forUsers(newReportCmd(stdin, stdout, stderr)), forUsers(newLiveCmd(stdout, stderr)),
		newInterfacesCmd(stdout), newClickHouseCmd(stdout, stderr))
	root.AddCommand(newManCmd(root))
	return root
}

// setPorts applies "--port smtp=1025" values to the protocol table; its
// errors are usage errors.
func setPorts(table *proto.Table, specs []string) error {
	for _, spec := range specs {
		name, num, ok := strings.Cut(spec, "=")
		port, err := strconv.ParseUint(num, 10, 16)
		if !ok || err != nil || port == 0 {
			return usage("ui.usage.port", spec)
		}
		if err := table.SetPort(name, uint16(port)); err != nil {
			return usage("ui.usage.portproto", spec, name, protoNames())
		}
	}
	return nil
}

// protoNames lists the protocols mailtrace knows, for help texts.
func protoNames() string {
	var names []string
	for _, n := range analyzer.Protocols().Names() {
		names = append(names, string(n))
	}
	return strings.Join(names, ",")
}

// buildCommit is the commit `make build` stamps in (-ldflags -X), where
// the Go tool's own record is off (-buildvcs=false).
var buildCommit string

// version is the module's version and the commit it was built from, as
// the Go tool or the Makefile record them in the binary.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	var rev, when, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	switch {
	case rev != "":
		v += fmt.Sprintf(" (commit %.12s, %s%s)", rev, when, dirty)
	case buildCommit != "":
		v += " (commit " + buildCommit + ")"
	}
	return v + ", " + info.GoVersion
}
