package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartProfile: MAILTRACE_CPUPROFILE gets a profile written to it by
// the time stop returns (make pgo merges them); a file that cannot be
// made is an error that names the variable; without it nothing is made.
func TestStartProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.prof")
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == profileEnv {
				return v
			}
			return ""
		}
	}
	stop, err := startProfile(env(path))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Fatalf("no gzip-compressed profile at %s: %v, %d bytes", path, err, len(data))
	}
	if _, err := startProfile(env(filepath.Join(dir, "missing", "cpu.prof"))); err == nil || !strings.Contains(err.Error(), profileEnv) {
		t.Errorf("an impossible path: got %v", err)
	}
	stop, err = startProfile(env(""))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("without %s: %d files in %s, want the one from before", profileEnv, len(entries), dir)
	}
}
