//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// TestSignalInEveryPhase: SIGINT and SIGTERM, in turn, while a run reads
// its input and while it writes its output (its standard output a pipe
// the test leaves unread until the signal, so the run is caught in the
// middle of writing), for the views that write at the end (--json, the
// report) and for --extract. Every run ends 130 or 143 with the line
// that says so, and leaves what it wrote valid: one whole JSON document
// whose sessions all have their rows in the spool, a whole HTML page, and
// no message under a whole name that is not the message the whole
// capture gives.
func TestSignalInEveryPhase(t *testing.T) {
	bin := mailtraceBinary(t)
	input := sessionsWithMessages(t, 300, 24<<10)
	dir := t.TempDir()
	sigs := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}

	// Where each run is stopped: at a share of its input while reading,
	// or once a share of a pipe's worth of output is written.
	type point struct {
		reading bool
		at      int64
	}
	var points []point
	for i := 1; i <= 5; i++ {
		points = append(points, point{true, int64(i) * int64(len(input)) / 6})
	}
	for _, n := range []int64{1, 16 << 10, 48 << 10} {
		points = append(points, point{false, n})
	}

	whole := filepath.Join(dir, "whole")
	wholeRun := exec.Command(bin, "read", "-q", "--stats", "--extract", whole, "-")
	wholeRun.Stdin = bytes.NewReader(input)
	if out, err := wholeRun.CombinedOutput(); err != nil {
		t.Fatalf("the whole run: %v: %s", err, out)
	}

	// Killed outright, a run writes nothing more: what is under a whole
	// name must already be whole.
	t.Run("extract-killed", func(t *testing.T) {
		for i := 1; i <= 3; i++ {
			run := filepath.Join(dir, fmt.Sprintf("killed-%d", i))
			cmd := exec.Command(bin, "read", "-q", "--jsonl", "--extract", filepath.Join(run, "eml"), "-")
			signalInPhase(t, cmd, input, true, int64(i)*int64(len(input))/4, syscall.SIGKILL)
			checkWholeNames(t, filepath.Join(run, "eml"), whole)
		}
	})

	for _, phase := range []struct {
		name  string
		args  func(run string) []string
		check func(t *testing.T, run string, out []byte)
	}{
		{"json", func(run string) []string {
			return []string{"read", "-q", "--json", "--clickhouse", "http://127.0.0.1:1/", "--spool", filepath.Join(run, "spool"), "-"}
		}, func(t *testing.T, run string, out []byte) {
			var doc struct {
				Sessions []json.RawMessage `json:"sessions"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("not one whole JSON document (%d bytes): %v", len(out), err)
			}
			spooled, _ := spoolRows(t, filepath.Join(run, "spool"))
			if spooled["sessions"] != len(doc.Sessions) {
				t.Errorf("%d sessions written, %d session rows spooled", len(doc.Sessions), spooled["sessions"])
			}
		}},
		{"report", func(string) []string {
			return []string{"report", "-q", "-o", "-", "-"}
		}, func(t *testing.T, _ string, out []byte) {
			if !bytes.HasPrefix(out, []byte("<!DOCTYPE html>")) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("</html>")) {
				t.Errorf("not a whole page (%d bytes): %.40q ... %.40q", len(out), out, out[max(0, len(out)-40):])
			}
		}},
		{"extract", func(run string) []string {
			return []string{"read", "-q", "--jsonl", "--extract", filepath.Join(run, "eml"), "-"}
		}, func(t *testing.T, run string, _ []byte) {
			checkWholeNames(t, filepath.Join(run, "eml"), whole)
		}},
	} {
		t.Run(phase.name, func(t *testing.T) {
			for i, p := range points {
				sig := sigs[i%2]
				run := filepath.Join(dir, fmt.Sprintf("%s-%d", phase.name, i))
				os.Mkdir(run, 0o755)
				cmd := exec.Command(bin, phase.args(run)...)
				exit, out, said := signalInPhase(t, cmd, input, p.reading, p.at, sig)
				where := fmt.Sprintf("run %d, %v after %d bytes %s", i, sig, p.at, map[bool]string{true: "read", false: "written"}[p.reading])
				if exit != signalCode(sig) || !strings.Contains(said, "interrupted") {
					t.Fatalf("%s: exit status %d, stderr %q; want %d and the line", where, exit, said, signalCode(sig))
				}
				t.Run(fmt.Sprint(i), func(t *testing.T) {
					t.Log(where)
					phase.check(t, run, out)
				})
			}
		})
	}
}

// checkWholeNames checks that every message saved in dir under a whole
// name is the message of that name in whole, what the uninterrupted run
// saved.
func checkWholeNames(t *testing.T, dir, whole string) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	wholeNames := 0
	for _, name := range names {
		if strings.HasSuffix(name, ".incomplete.eml") {
			continue
		}
		wholeNames++
		got, _ := os.ReadFile(name)
		want, err := os.ReadFile(filepath.Join(whole, filepath.Base(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes under a whole name, not the message the whole capture gives (%v)", filepath.Base(name), len(got), err)
		}
	}
	if len(names) == 0 {
		t.Errorf("no message saved in %s", dir)
	}
	t.Logf("%d messages under whole names, %d in all", wholeNames, len(names))
}

// signalInPhase runs cmd and sends it sig: while reading, once the
// kernel says cmd has read at bytes of input (the input's pipe left open:
// more is still coming); otherwise, its standard output a pipe left unread,
// with the whole input given and closed, once at bytes of output wait in
// the pipe (TIOCINQ, FIONREAD on Linux:
// cmd is writing, and blocks when the pipe is full), and then reads the
// rest. It returns cmd's exit status, its
// output and what it said on standard error.
func signalInPhase(t *testing.T, cmd *exec.Cmd, input []byte, reading bool, at int64, sig syscall.Signal) (int, []byte, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// A pipe holds a page per small write (a JSON line): with the
	// default sixteen, 48 KiB of lines would never wait in it.
	if _, err := unix.FcntlInt(r.Fd(), unix.F_SETPIPE_SZ, 1<<20); err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer cmd.Process.Kill()
	go func() {
		stdin.Write(input)
		if !reading {
			stdin.Close()
		}
	}()
	var out []byte
	drained := make(chan struct{})
	drain := func() {
		go func() { out, _ = io.ReadAll(r); close(drained) }()
	}
	if reading {
		drain()
	}
	for {
		if reading && readBytes(t, cmd.Process.Pid) >= at {
			break
		}
		if n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ); !reading && err == nil && int64(n) >= at {
			break
		}
		time.Sleep(time.Millisecond) // a poll of the kernel's counts, not a guess at timing
	}
	cmd.Process.Signal(sig)
	if !reading {
		drain()
	}
	<-drained
	cmd.Wait()
	stdin.Close()
	return cmd.ProcessState.ExitCode(), out, stderr.String()
}

// sessionsWithMessages is a capture of n SMTP sessions, each sending one
// message of about size bytes in segments of 1400.
func sessionsWithMessages(t *testing.T, n, size int) []byte {
	var segs []capturetest.Segment
	t0 := time.Unix(1700000000, 0)
	line := strings.Repeat("abcdefghij", 7) + "\r\n"
	for i := range n {
		said := []capturetest.Said{{Data: "220 mx ESMTP\r\n"}, {Client: true, Data: "EHLO x\r\n"}, {Data: "250 mx\r\n"},
			{Client: true, Data: "MAIL FROM:<a@example.org>\r\n"}, {Data: "250 ok\r\n"},
			{Client: true, Data: "RCPT TO:<b@example.org>\r\n"}, {Data: "250 ok\r\n"},
			{Client: true, Data: "DATA\r\n"}, {Data: "354 go\r\n"}}
		body := fmt.Sprintf("Subject: message %d\r\n\r\n", i) + strings.Repeat(line, size/len(line)) + ".\r\n"
		for len(body) > 0 {
			k := min(1400, len(body))
			said = append(said, capturetest.Said{Client: true, Data: body[:k]})
			body = body[k:]
		}
		said = append(said, capturetest.Said{Data: "250 queued\r\n"}, capturetest.Said{Client: true, Data: "QUIT\r\n"}, capturetest.Said{Data: "221 bye\r\n"})
		client := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(10000+i))
		segs = append(segs, capturetest.Converse(client, netip.MustParseAddrPort("127.0.0.1:25"), t0.Add(time.Duration(i)*time.Second), said...)...)
	}
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
