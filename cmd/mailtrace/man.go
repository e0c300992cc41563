package main

import (
	"fmt"
	"os"
	"regexp"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// newManCmd writes the manual pages, one per command, made from the
// commands themselves (make man; a package installs them).
func newManCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the manual pages (mailtrace.1, mailtrace-read.1, ...) into DIR",
		Args:   cobra.ExactArgs(1),
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			header := &doc.GenManHeader{Title: "MAILTRACE", Section: "1", Source: "mailtrace", Manual: "mailtrace manual"}
			root.DisableAutoGenTag = true
			machineFree(root)
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				return fmt.Errorf("man: %v", err)
			}
			return nil
		},
	}
}

// machineFree says in words the defaults a flag takes from the machine
// it runs on (its name, its memory, the user's cache, the environment):
// a manual page is read on another.
func machineFree(c *cobra.Command) {
	// What a flag's help says of this machine: " (here 256 MiB)".
	here := regexp.MustCompile(` \(here [^)]*\)`)
	words := map[string]string{"sensor": "the host name", "spool": "$XDG_CACHE_HOME/mailtrace/clickhouse-spool",
		"clickhouse": "$MAILTRACE_CLICKHOUSE"}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if w, ok := words[f.Name]; ok {
			f.DefValue = w
		}
		f.Usage = here.ReplaceAllString(f.Usage, "")
	})
	for _, sub := range c.Commands() {
		machineFree(sub)
	}
}
