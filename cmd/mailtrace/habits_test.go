package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mailtraceBinary builds mailtrace for tests that run it as a shell does.
func mailtraceBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mailtrace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestShellPipes: "-" is standard input and output, through a real shell
// into jq, as a tcpdump user would pipe it.
func TestShellPipes(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("no jq here (Debian's jq)")
	}
	bin := mailtraceBinary(t)
	out, err := exec.Command("sh", "-c", `"$0" read -r - -o - --json < ../../samples/attachments-journey.pcapng | jq -e '[.sessions[].protocol] | join(",")'`, bin).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != `"smtp,pop3,imap"` {
		t.Errorf("read -r - -o - --json | jq: %v %s", err, out)
	}
	out, err = exec.Command("sh", "-c", `cat ../../samples/pop3.pcapng | "$0" read --jsonl -r - | jq -s -e 'length'`, bin).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Errorf("read --jsonl -r - | jq -s: %v %s", err, out)
	}
}

// TestLiveIntoTcpdump: live -w - -c 10 writes a capture tcpdump reads, to
// its last packet, and -c counts what the filter keeps, as tcpdump's
// does: connections to another port cross loopback all along (root: it
// captures on lo).
func TestLiveIntoTcpdump(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root")
	}
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("no tcpdump here (Debian's tcpdump)")
	}
	bin := mailtraceBinary(t)
	ln := greeter(t, "220 ready\r\n")
	port := ln.Addr().(*net.TCPAddr).Port
	other := greeter(t, "")
	cmd := exec.Command("sh", "-c", `"$0" live -i lo --filter "tcp port $1" -w - -c 10 -o /dev/null 2>live.err | tcpdump -n -r - 2>/dev/null`, bin, strconv.Itoa(port))
	cmd.Dir = t.TempDir()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(cmd.Dir, "live.err")
	// Connections until the capture has its ten packets and ends; each
	// is a handshake, a greeting and the closes: about ten packets.
	done := make(chan []byte)
	go func() {
		var all []byte
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil {
				done <- all
				return
			}
		}
	}()
	var out []byte
	for finished := false; !finished; {
		if b, _ := os.ReadFile(started); strings.Contains(string(b), "capturing on lo") {
			if c, err := net.Dial("tcp", other.Addr().String()); err == nil {
				c.Close() // traffic the filter leaves out
			}
			if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
				buf := make([]byte, 64)
				c.Read(buf)
				c.Close()
			}
		}
		time.Sleep(5 * time.Millisecond) // the pace of the traffic, not a wait for it
		select {
		case out = <-done:
			finished = true
		default:
		}
	}
	cmd.Wait()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 10 || !strings.Contains(lines[0], fmt.Sprintf(".%d", port)) {
		t.Errorf("tcpdump read %d packets of 10:\n%s", len(lines), out)
	}
}

// TestFilterAgainstTcpdump: --filter keeps the TCP packets tcpdump's own
// filter keeps, on every sample.
func TestFilterAgainstTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("no tcpdump here (Debian's tcpdump)")
	}
	exprs := []string{"tcp port 25", "tcp and (port 110 or port 143)", "tcp and not port 587", "tcp and dst port 25",
		"tcp and src host 127.0.0.1 and src portrange 1024-65535", "tcp and net 127.0.0.0/30", "tcp and host 127.0.0.3"}
	for _, path := range samples(t) {
		for _, expr := range exprs {
			theirs, err := exec.Command("tcpdump", "-n", "-r", path, expr).Output()
			if err != nil {
				t.Fatalf("tcpdump %s %q: %v", path, expr, err)
			}
			want := 0
			if s := strings.TrimSpace(string(theirs)); s != "" {
				want = len(strings.Split(s, "\n"))
			}
			out, _, err := runCLI(t, nil, "read", "--json", "--filter", expr, path)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Stats struct {
					Capture struct {
						TCP int `json:"tcp_packets"`
					}
				}
			}
			json.Unmarshal([]byte(out), &doc)
			if doc.Stats.Capture.TCP != want {
				t.Errorf("%s %q: mailtrace kept %d TCP packets, tcpdump %d", filepath.Base(path), expr, doc.Stats.Capture.TCP, want)
			}
		}
	}
}

// TestProcessSubstitution: a capture given as a shell's <(...) (a pipe
// under /dev/fd) is read once, by the analysis, whatever the flags: with
// --clickhouse too, where a file's first MiB names its trace.
func TestProcessSubstitution(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash here")
	}
	bin := mailtraceBinary(t)
	spool := t.TempDir()
	for _, flags := range []string{"", "--clickhouse http://127.0.0.1:1/ --clickhouse-wait 0s --spool " + spool} {
		out, runErr := exec.Command("bash", "-c", `"$0" read -q --json `+flags+` <(cat ../../samples/attachments-journey.pcapng)`, bin).Output()
		var doc struct {
			Sessions []struct {
				Protocol string `json:"protocol"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(out, &doc); err != nil || len(doc.Sessions) != 3 {
			t.Errorf("read %s <(cat ...): %v; %d sessions, want 3 (%v)", flags, runErr, len(doc.Sessions), err)
		}
	}
}

// greeter listens on loopback until the test ends, writes greeting to
// each connection and closes it.
func greeter(t *testing.T, greeting string) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(greeting))
			c.Close()
		}
	}()
	return ln
}
