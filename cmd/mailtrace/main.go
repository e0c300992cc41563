// Command mailtrace shows SMTP, POP3 and IMAP sessions in packet captures.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mailtrace/mailtrace/analyzer/explain"
)

// main alone ends the process. SIGINT or SIGTERM cancels the run's
// context with the signal as its cause; the run stops taking input,
// finishes or spools what it promised to keep, and returns; then main
// says so in one line and exits 130 (SIGINT) or 143 (SIGTERM), as shells
// do for a process a signal ended. A second signal ends it at once.
func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		cancel(interrupted{<-sigs})
		os.Exit(signalCode(<-sigs))
	}()
	stop, err := startProfile(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mailtrace:", err)
		os.Exit(1)
	}
	err = newRootCmd(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if errors.Is(err, errCaptureEnded) {
		os.Exit(0) // live: a signal is how a capture ends, as with tcpdump
	}
	var intr interrupted
	if errors.As(context.Cause(ctx), &intr) {
		fmt.Fprintln(os.Stderr, explain.Say("ui.interrupted", explain.FromEnv(os.Getenv)))
		os.Exit(signalCode(intr.sig))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err, langOf(os.Args[1:], os.Getenv)))
		os.Exit(exitCode(err))
	}
}

// errCaptureEnded is what live returns when a signal ended the capture
// and everything captured was analyzed and written: its normal end.
var errCaptureEnded = errors.New("the capture ended")

// interrupted is the cause of a run's end by a signal.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted by " + i.sig.String() }

// signalCode is the exit status of a process a signal ended: 128 + its
// number (130 for SIGINT, 143 for SIGTERM).
func signalCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}
