//go:build e2e

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// veth is a pair of network namespaces of the test's own joined by a veth
// pair: frames tcpreplay writes into tx arrive at rx, and nothing leaves
// the two.
type veth struct{ tx, rx string }

func newVeth(t *testing.T) veth {
	t.Helper()
	for _, tool := range []string{"tcpreplay", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			pkg := map[string]string{"tcpreplay": "tcpreplay", "ip": "iproute2"}[tool]
			if out, err := exec.Command("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "+pkg).CombinedOutput(); err != nil {
				t.Fatalf("installing %s: %v\n%s", pkg, err, out)
			}
		}
	}
	v := veth{tx: fmt.Sprintf("mtrp-tx-%d", os.Getpid()), rx: fmt.Sprintf("mtrp-rx-%d", os.Getpid())}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	run("netns", "add", v.tx)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.tx).Run() })
	run("netns", "add", v.rx)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", v.rx).Run() })
	run("link", "add", "veth-tx", "netns", v.tx, "type", "veth", "peer", "name", "veth-rx", "netns", v.rx)
	for _, ns := range [][2]string{{v.tx, "veth-tx"}, {v.rx, "veth-rx"}} {
		run("-n", ns[0], "link", "set", ns[1], "mtu", "65535")
		run("-n", ns[0], "link", "set", ns[1], "up")
	}
	return v
}

// live runs "mailtrace live" on the rx side until it has read count
// packets (no timer decides when it is done), while tcpreplay sends file
// from the tx side as fast as it can, and returns its JSON lines.
func (v veth) live(t *testing.T, bin, file string, count int, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "live.jsonl")
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", v.rx, bin, "live", "-q", "-i", "veth-rx",
		"--count", strconv.Itoa(count), "--jsonl", "-o", out}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	if !lines.Scan() || !strings.Contains(lines.Text(), "capturing on veth-rx") {
		cmd.Process.Kill()
		t.Fatalf("live did not start: %q", lines.Text())
	}
	go func() {
		for lines.Scan() {
		}
	}()
	if b, err := exec.CommandContext(ctx, "ip", "netns", "exec", v.tx, "tcpreplay", "-q", "--topspeed", "-i", "veth-tx", file).CombinedOutput(); err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, b)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("live: %v (it read fewer than the %d packets replayed?)", err, count)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exchanges are a JSON line's sessions as pairs: what was said and what
// answered it, without times (live's are the replay's).
func exchanges(t *testing.T, jsonl []byte) []string {
	t.Helper()
	var out []string
	for _, line := range bytes.Split(bytes.TrimSpace(jsonl), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var s struct {
			Protocol  string `json:"protocol"`
			Client    string `json:"client"`
			Exchanges []struct {
				Command *struct {
					Kind, Tag, Verb, Args string
				} `json:"command"`
				Response *struct {
					Status string   `json:"status"`
					Lines  []string `json:"lines"`
				} `json:"response"`
			} `json:"exchanges"`
		}
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("%v: %.200s", err, line)
		}
		for _, e := range s.Exchanges {
			pair := s.Protocol + " " + s.Client + ":"
			if c := e.Command; c != nil {
				pair += fmt.Sprintf(" C[%s %s %s %s]", c.Kind, c.Tag, c.Verb, c.Args)
			}
			if r := e.Response; r != nil {
				pair += fmt.Sprintf(" S[%s %q]", r.Status, r.Lines)
			}
			out = append(out, pair)
		}
	}
	return out
}

// TestE2EReplayLiveAsRead: every sample replayed at top speed into a veth
// pair gives, live, the exchanges "read" gives of the file: the two
// directions merged by acknowledgements in both, IMAP's untagged data
// with the command that asked for it. make e2e (root).
func TestE2EReplayLiveAsRead(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it makes network namespaces and captures")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailtrace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	v := newVeth(t)
	files, _ := filepath.Glob("../../samples/*.pcapng")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			read, err := exec.Command(bin, "read", "--jsonl", file).Output()
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Stats struct {
					Capture struct {
						Packets int `json:"packets"`
					} `json:"capture"`
				} `json:"stats"`
			}
			whole, err := exec.Command(bin, "read", "--json", file).Output()
			if err != nil || json.Unmarshal(whole, &doc) != nil {
				t.Fatalf("read --json: %v", err)
			}
			got, want := exchanges(t, v.live(t, bin, file, doc.Stats.Capture.Packets)), exchanges(t, read)
			if len(want) == 0 {
				t.Fatal("read found no exchange")
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				for i := range max(len(got), len(want)) {
					var g, w string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if g != w {
						t.Fatalf("exchange %d differs:\nlive %s\nread %s", i, g, w)
					}
				}
			}
		})
	}
}
