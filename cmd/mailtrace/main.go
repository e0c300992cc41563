// Command mailtrace shows SMTP, POP3 and IMAP sessions in packet captures.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mailtrace/mailtrace/analyzer/render"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "mailtrace: %s\n", render.Escape(err.Error()))
		stop()
		os.Exit(exitCode(err))
	}
}
