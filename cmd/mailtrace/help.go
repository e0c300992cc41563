package main

import (
	"fmt"
	"io"
	"net"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailtrace/mailtrace/analyzer/where"
)

// flagGroups sorts the flags of read, report and live by purpose, in the
// order --help lists them; a flag in none is listed last, under "Other".
func flagGroups() []flagGroup {
	return []flagGroup{
		{"Input", []string{"file", "interface", "filter", "all-ports", "port", "tls-keylog", "duration", "count", "write", "ring-size", "one-trace"}},
		{"Views (one at a time; the timeline when none)", []string{"follow", "ladder", "summary", "stats", "compare", "journey", "json", "jsonl", "diagrams"}},
		{"Which sessions, and what of them", []string{"session", "proto", "where", "explain", "full", "extract", "domain"}},
		{"Text", []string{"lang", "width", "color", "quiet"}},
		{"Secrets", []string{"redact", "keep-secrets"}},
		{"Output and the store", []string{"output", "clickhouse", "clickhouse-wait", "database", "sensor", "spool"}},
		{"Bounds", []string{"max-open", "max-line", "max-header", "max-body", "max-follow", "max-buffered", "max-buffered-conn", "max-exchanges", "max-anomalies", "max-messages"}},
	}
}

type flagGroup struct {
	title string
	flags []string
}

// exitStatus is said at the end of every command's help.
const exitStatus = `Exit status: 0 done; 1 an error; 2 a mistake on the command line;
130 or 143 ended by SIGINT or SIGTERM (live: 0, its normal end).`

// groupedHelp makes cmd's help list its flags by purpose, then say the
// exit status.
func groupedHelp(cmd *cobra.Command) {
	cmd.SetUsageFunc(func(c *cobra.Command) error {
		writeUsage(c.OutOrStderr(), c)
		return nil
	})
}

func writeUsage(w io.Writer, c *cobra.Command) {
	fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
	}
	seen := map[string]bool{}
	flags := c.NonInheritedFlags()
	for _, g := range flagGroups() {
		set := pflag.NewFlagSet(g.title, pflag.ContinueOnError)
		set.SortFlags = false
		for _, name := range g.flags {
			if f := flags.Lookup(name); f != nil && !f.Hidden {
				set.AddFlag(f)
				seen[name] = true
			}
		}
		if set.HasFlags() {
			fmt.Fprintf(w, "\n%s:\n%s", g.title, set.FlagUsagesWrapped(100))
		}
	}
	other := pflag.NewFlagSet("other", pflag.ContinueOnError)
	flags.VisitAll(func(f *pflag.Flag) {
		if !seen[f.Name] && !f.Hidden {
			other.AddFlag(f)
		}
	})
	if other.HasFlags() {
		fmt.Fprintf(w, "\nOther:\n%s", other.FlagUsagesWrapped(100))
	}
	fmt.Fprintf(w, "\n%s\n", exitStatus)
}

// completions offer what a flag takes: interface names, languages,
// colours, protocols, ports to name, --where's fields.
func completions(cmd *cobra.Command) {
	fixed := func(name string, values ...string) {
		if cmd.Flags().Lookup(name) != nil {
			cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	fixed("lang", "en\tEnglish", "es\tespañol")
	fixed("color", "auto", "always", "never")
	fixed("proto", "smtp", "pop3", "imap", "lmtp")
	if cmd.Flags().Lookup("port") != nil {
		cmd.RegisterFlagCompletionFunc("port", cobra.FixedCompletions([]string{"smtp=", "pop3=", "imap=", "lmtp="},
			cobra.ShellCompDirectiveNoSpace|cobra.ShellCompDirectiveNoFileComp))
	}
	if cmd.Flags().Lookup("where") != nil {
		// The fields, each with what it means: "protocol=" then a value.
		var fields []string
		for _, f := range where.Fields() {
			fields = append(fields, f.Name+"=\t"+f.Doc)
		}
		cmd.RegisterFlagCompletionFunc("where", cobra.FixedCompletions(fields,
			cobra.ShellCompDirectiveNoSpace|cobra.ShellCompDirectiveNoFileComp))
	}
	if cmd.Flags().Lookup("extract") != nil {
		cmd.RegisterFlagCompletionFunc("extract", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		})
	}
	if cmd.Flags().Lookup("interface") != nil {
		cmd.RegisterFlagCompletionFunc("interface", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			ifs, err := net.Interfaces()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, i := range ifs {
				names = append(names, i.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		})
	}
}

// forUsers gives cmd its grouped help and its completions.
func forUsers(cmd *cobra.Command) *cobra.Command {
	groupedHelp(cmd)
	completions(cmd)
	return cmd
}
