// Command mailtrace shows SMTP, POP3 and IMAP sessions in packet captures.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/mailtrace/mailtrace/analyzer/render"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOGC") == "" {
		// Between sessions the views hold little: collecting at three
		// times the live heap instead of twice costs some MiB and saves
		// a fifth of the time of the views that write every byte
		// (docs/performance.md). GOGC, when set, decides.
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// ... and no more than this in all, while what is live fits.
		debug.SetMemoryLimit(48 << 20)
	}
	if err := newRootCmd(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "mailtrace: %s\n", render.Escape(err.Error()))
		stop()
		os.Exit(exitCode(err))
	}
}
