package main

import (
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// flagLine is a flag's own line in help: "  -r, --file FILE   ..." or
// "      --full   ...".
var flagLine = regexp.MustCompile(`(?m)^ +(?:-\w, )?--([\w-]+)`)

// TestHelpByPurpose: read, report and live list each of their flags once,
// under a heading that says what it is for, and end with the exit status.
func TestHelpByPurpose(t *testing.T) {
	for _, name := range []string{"read", "report", "live"} {
		out, _, err := runCLI(t, nil, name, "--help")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\nInput:\n", "\nBounds:\n", "\nExit status: 0 done"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s --help has no %q", name, strings.TrimSpace(want))
			}
		}
		cmd, _, _ := newRootCmd(nil, nil, nil).Find([]string{name})
		listed := map[string]int{}
		for _, m := range flagLine.FindAllStringSubmatch(out, -1) {
			listed[m[1]]++
		}
		cmd.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if listed[f.Name] != 1 {
				t.Errorf("%s --help lists --%s %d times", name, f.Name, listed[f.Name])
			}
		})
	}
}

// TestCompletions: the shell completes what flags take: interface
// names, languages, protocols, --where's fields.
func TestCompletions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "read", "--lang", ""}, "es\tespañol"},
		{[]string{"__complete", "report", "--proto", ""}, "lmtp"},
		{[]string{"__complete", "read", "--color", ""}, "never"},
		{[]string{"__complete", "live", "--port", ""}, "smtp="},
		{[]string{"__complete", "read", "--where", ""}, "subject=\t"},
	} {
		out, _, err := runCLI(t, nil, c.args...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v %q, want %q", c.args, err, out, c.want)
		}
	}
	ifs, _ := net.Interfaces()
	if len(ifs) == 0 {
		t.Skip("no interface here")
	}
	out, _, _ := runCLI(t, nil, "__complete", "live", "-i", "")
	if !strings.Contains(out, ifs[0].Name+"\n") {
		t.Errorf("live -i completes %q, want %s among them", out, ifs[0].Name)
	}
}
