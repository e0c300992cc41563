//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestSignalsEndTheRun: SIGINT and SIGTERM end a read whose input is
// still coming (a pipe that stays open) with 130 and 143, and one line on
// standard error. The signal is sent once the kernel says the process has
// read a megabyte (/proc/PID/io), long after main set its handlers:
// nothing is left to timing.
func TestSignalsEndTheRun(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mailtrace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	one, err := os.ReadFile("../../samples/pop3.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	// pcapng sections one after another are one capture: a megabyte and
	// more, far past what the runtime reads as it starts (some 10 KB).
	sample := bytes.Repeat(one, (1<<20)/len(one)+1)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "read", "--jsonl", "-")
			stdin, _ := cmd.StdinPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			// The pipe stays open: the input is still coming.
			go stdin.Write(sample)
			for readBytes(t, cmd.Process.Pid) < 1<<20 {
				runtime.Gosched()
			}
			cmd.Process.Signal(tc.sig)
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Fatalf("ended with %v, want exit status %d; stderr: %q", err, tc.code, stderr.String())
			}
			if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "interrupted") {
				t.Errorf("stderr %q, want one line that says it was interrupted", stderr.String())
			}
		})
	}
}

// readBytes is what process pid has read so far (rchar, /proc/PID/io).
func readBytes(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return 0
}
