package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestManPages: make man writes a page for every command a user can run,
// naming each of its flags, and the main page gives the exit status.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := runCLI(t, nil, "man", dir); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		page, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("no page for %q: %v", c.CommandPath(), err)
			return
		}
		c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && !strings.Contains(string(page), "--"+f.Name+`\fP`) {
				t.Errorf("%s does not name --%s", name, f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(nil, nil, nil))
	main, _ := os.ReadFile(filepath.Join(dir, "mailtrace.1"))
	if !strings.Contains(string(main), "Exit status") || !strings.Contains(string(main), "143") {
		t.Errorf("mailtrace.1 gives no exit status")
	}
}
