//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// TestSignalsEndTheRun: SIGINT and SIGTERM end a read whose input is
// still coming (a pipe that stays open) with 130 and 143, and one line on
// standard error. The signal is sent once the kernel says the process has
// read a megabyte (/proc/PID/io), long after main set its handlers:
// nothing is left to timing.
func TestSignalsEndTheRun(t *testing.T) {
	bin := mailtraceBinary(t)
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

// interruptAt runs cmd with input on its standard input, the pipe left
// open (the input is still coming), and sends sig once the kernel says
// cmd has read at bytes; before, when not nil, runs just before the
// signal. It returns cmd's exit status and what it said on standard error.
func interruptAt(t *testing.T, cmd *exec.Cmd, input []byte, at int64, sig syscall.Signal, before func()) (int, string) {
	t.Helper()
	stdin, _ := cmd.StdinPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go stdin.Write(input)
	for readBytes(t, cmd.Process.Pid) < at {
		time.Sleep(time.Millisecond) // a poll of the kernel's count, not a guess at timing
	}
	if before != nil {
		before()
	}
	cmd.Process.Signal(sig)
	cmd.Wait()
	stdin.Close()
	return cmd.ProcessState.ExitCode(), stderr.String()
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

// TestSignalLoop: fifty runs of read, each interrupted at another point
// of its input (SIGINT and SIGTERM in turn, sent once the kernel says
// the process has read that far), its rows bound for a ClickHouse that is
// not there. Each ends with 130 or 143 and says it was interrupted; its
// JSONL file is whole lines; and every session it wrote there has its row
// in the spool, whose files add up to what it says it left: nothing is
// lost on the way out, wherever the signal falls.
func TestSignalLoop(t *testing.T) {
	dir := t.TempDir()
	bin := mailtraceBinary(t)
	input := manySessions(t, 1000)
	for i := range 50 {
		sig, code := syscall.Signal(syscall.SIGINT), 130
		if i%2 == 1 {
			sig, code = syscall.SIGTERM, 143
		}
		at := int64(i+1) * int64(len(input)) / 51 // from the start of the input to its end
		spool, out := filepath.Join(dir, fmt.Sprintf("spool-%d", i)), filepath.Join(dir, fmt.Sprintf("out-%d.jsonl", i))
		cmd := exec.Command(bin, "read", "-q", "--jsonl", "-o", out, "--clickhouse", "http://127.0.0.1:1/", "--spool", spool, "-")
		exit, said := interruptAt(t, cmd, input, at, sig, nil)
		if exit != code {
			t.Fatalf("run %d (%v at %d bytes): exit status %d, want %d; stderr %q", i, sig, at, exit, code, said)
		}
		if !strings.Contains(said, "interrupted") {
			t.Errorf("run %d: stderr %q says nothing of the interruption", i, said)
		}
		written, _ := os.ReadFile(out)
		sessions := 0
		for _, l := range strings.Split(string(written), "\n") {
			if l == "" {
				continue
			}
			if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
				t.Fatalf("run %d: a line of the JSONL file is cut: %.60q", i, l)
			}
			if !sessionLine(l) {
				continue
			}
			sessions++
		}
		spooled, rows := spoolRows(t, spool)
		t.Logf("run %d: %v at %d bytes: %d sessions written, %d rows spooled", i, sig, at, sessions, rows)
		if spooled["sessions"] != sessions {
			t.Errorf("run %d (%v at %d bytes): %d sessions written, %d session rows spooled", i, sig, at, sessions, spooled["sessions"])
		}
		if rows > 0 && !strings.Contains(said, fmt.Sprintf("%d rows left in the spool", rows)) {
			t.Errorf("run %d: %d rows in the spool, stderr %q", i, rows, said)
		}
	}
}

// spoolRows counts the rows in a spool's files, by table, from their
// names (TIME-SEQ-TABLE-ROWS.jsonl.gz), and in all.
func spoolRows(t *testing.T, spool string) (map[string]int, int) {
	files, _ := filepath.Glob(filepath.Join(spool, "*.jsonl.gz"))
	by, all := map[string]int{}, 0
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(filepath.Base(f), ".jsonl.gz"), "-")
		n, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil {
			t.Fatalf("spool file %s", f)
		}
		by[strings.Join(parts[2:len(parts)-1], "-")] += n
		all += n
	}
	return by, all
}

// manySessions is a capture of n short SMTP sessions, each on a port of
// its own.
func manySessions(t *testing.T, n int) []byte {
	var segs []capturetest.Segment
	t0 := time.Unix(1700000000, 0)
	for i := range n {
		client := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(10000+i))
		segs = append(segs, capturetest.Converse(client, netip.MustParseAddrPort("127.0.0.1:25"), t0.Add(time.Duration(i)*10*time.Millisecond),
			capturetest.Said{Data: "220 mx ESMTP\r\n"}, capturetest.Said{Client: true, Data: "EHLO x\r\n"}, capturetest.Said{Data: "250 mx\r\n"},
			capturetest.Said{Client: true, Data: "QUIT\r\n"}, capturetest.Said{Data: "221 bye\r\n"})...)
	}
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSignalWhileDelivering: a run that has analyzed its whole input and
// waits for an absent ClickHouse (--clickhouse-wait 1h) stops at SIGINT:
// exit 130, every session of the input written and its row in the spool.
func TestSignalWhileDelivering(t *testing.T) {
	dir := t.TempDir()
	bin := mailtraceBinary(t)
	input := filepath.Join(dir, "in.pcap")
	if err := os.WriteFile(input, manySessions(t, 300), 0o644); err != nil {
		t.Fatal(err)
	}
	spool, out := filepath.Join(dir, "spool"), filepath.Join(dir, "out.jsonl")
	cmd := exec.Command(bin, "read", "-q", "--jsonl", "-o", out, "--clickhouse", "http://127.0.0.1:1/", "--spool", spool,
		"--clickhouse-wait", "1h", input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Every session of the input is written once the analysis is over;
	// then the run waits for the server.
	for countSessions(t, out) < 300 {
		time.Sleep(time.Millisecond) // a poll of the file, not a guess at timing
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("exit status %d, stderr %q; want 130 and the line", code, stderr.String())
	}
	sessions := countSessions(t, out)
	spooled, _ := spoolRows(t, spool)
	if sessions != 300 || spooled["sessions"] != 300 {
		t.Errorf("%d sessions written and %d spooled, want all 300 of the input", sessions, spooled["sessions"])
	}
}

// countSessions counts the session lines of a JSONL file so far.
func countSessions(t *testing.T, path string) int {
	b, _ := os.ReadFile(path)
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "}") && sessionLine(l) {
			n++
		}
	}
	return n
}
