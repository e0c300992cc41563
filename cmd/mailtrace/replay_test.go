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

	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/reassembly"
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
		if !sessionLine(string(line)) {
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
	bin := mailtraceBinary(t)
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
			// A capture that carries its TLS key log: live is given it as
			// a file, as it would follow the one its clients write.
			var args []string
			if keylog := secretsOf(t, file); keylog != "" {
				args = []string{"--tls-keylog", keylog}
			}
			got, want := exchanges(t, v.live(t, bin, file, doc.Stats.Capture.Packets, args...)), exchanges(t, read)
			if len(want) == 0 {
				t.Fatal("read found no exchange")
			}
			if d := st.Diff(got, want); d != "" {
				t.Fatalf("live (got) and read (want) differ:\n%s", d)
			}
		})
	}
}

// TestE2EReplayDropsAreSaid: a 30 MB corpus replayed at top speed into a
// 1 MiB ring makes the kernel drop packets. Every session live shows is
// then either exact (its bytes and its gaps add up to what read finds,
// and without gaps its exchanges are read's) or says it may lack more: it
// has the note that packets were dropped while it was open, or it began
// mid-connection where read saw its start. make e2e (root).
func TestE2EReplayDropsAreSaid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it makes network namespaces and captures")
	}
	dir := t.TempDir()
	bin, gen := filepath.Join(dir, "mailtrace"), filepath.Join(dir, "corpus")
	for _, b := range [][2]string{{bin, "."}, {gen, "../mailtrace-corpus"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	corpus := filepath.Join(dir, "corpus.pcapng")
	if out, err := exec.Command(gen, "-size", "30MB", "-o", corpus).CombinedOutput(); err != nil {
		t.Fatalf("corpus: %v\n%s", err, out)
	}
	read, err := exec.Command(bin, "read", "--jsonl", corpus).Output()
	if err != nil {
		t.Fatal(err)
	}
	v := newVeth(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := filepath.Join(dir, "live.jsonl")
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", v.rx, bin, "live", "-q", "-i", "veth-rx",
		"--ring-size", "1048576", "--jsonl", "-o", out)
	pipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(pipe)
	if !lines.Scan() || !strings.Contains(lines.Text(), "capturing on veth-rx") {
		cmd.Process.Kill()
		t.Fatalf("live did not start: %q", lines.Text())
	}
	var said strings.Builder
	stderrDone := make(chan struct{})
	go func() {
		defer close(stderrDone)
		for lines.Scan() {
			said.WriteString(lines.Text() + "; ")
		}
	}()
	replay := func(file string) {
		if b, err := exec.CommandContext(ctx, "ip", "netns", "exec", v.tx, "tcpreplay", "-q", "--topspeed", "-i", "veth-tx", file).CombinedOutput(); err != nil {
			t.Fatalf("tcpreplay: %v\n%s", err, b)
		}
	}
	replay(corpus)
	// The ring is read in order: once a session replayed after the
	// corpus has ended, the corpus is analyzed (or was dropped). The
	// marker itself may be dropped, so it goes again until it is seen.
	marker, _ := filepath.Abs("../../samples/smtp1.pcapng")
	seen := func() bool {
		b, _ := os.ReadFile(out)
		return bytes.Contains(b, []byte(`"client":"127.0.0.1:`))
	}
	for try := 0; !seen(); try++ {
		if try == 50 {
			t.Fatal("the marker session never showed")
		}
		replay(marker)
		for wait := time.Now(); !seen() && time.Since(wait) < 2*time.Second; {
			time.Sleep(20 * time.Millisecond)
		}
	}
	cmd.Process.Signal(os.Interrupt)
	<-stderrDone
	cmd.Wait()

	type sess struct {
		Protocol    string   `json:"protocol"`
		Client      string   `json:"client"`
		BytesClient int64    `json:"bytes_client"`
		BytesServer int64    `json:"bytes_server"`
		Midstream   bool     `json:"midstream"`
		Notes       []string `json:"notes"`
		Gaps        []struct {
			Direction string `json:"direction"`
			Bytes     int64  `json:"bytes"`
		} `json:"gaps"`
	}
	parse := func(b []byte) map[string]sess {
		m := map[string]sess{}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var s sess
			if len(line) > 0 && json.Unmarshal(line, &s) == nil {
				m[s.Client] = s
			}
		}
		return m
	}
	live, _ := os.ReadFile(out)
	want, got := parse(read), parse(live)
	// Each session's exchanges, by "protocol client".
	pairs := func(b []byte) map[string]string {
		m := map[string]string{}
		for _, p := range exchanges(t, b) {
			k, _, _ := strings.Cut(p, ": ")
			m[k] += p + "\n"
		}
		return m
	}
	wantPairs, gotPairs := pairs(read), pairs(live)
	noted, exact := 0, 0
	for client, s := range got {
		w, ok := want[client]
		if !ok {
			continue // the marker
		}
		if s.Midstream && !w.Midstream || slicesContains(s.Notes, "dropped") {
			noted++
			continue
		}
		gap := map[string]int64{}
		for _, g := range s.Gaps {
			gap[g.Direction] += g.Bytes
		}
		if s.BytesClient+gap["client->server"] != w.BytesClient || s.BytesServer+gap["server->client"] != w.BytesServer {
			t.Errorf("%s: live %d+%d client, %d+%d server bytes; read %d, %d; and nothing says it may lack any",
				client, s.BytesClient, gap["client->server"], s.BytesServer, gap["server->client"], w.BytesClient, w.BytesServer)
			continue
		}
		if key := s.Protocol + " " + client; len(s.Gaps) == 0 && gotPairs[key] != wantPairs[key] {
			t.Errorf("%s: no gap, nothing said, and its exchanges differ from read's:\nlive\n%sread\n%s", client, gotPairs[key], wantPairs[key])
			continue
		}
		exact++
	}
	t.Logf("%d sessions read, %d live: %d exact, %d say they may lack more; live said: %s", len(want), len(got)-1, exact, noted, said.String())
}

func slicesContains(notes []string, word string) bool {
	for _, n := range notes {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// secretsOf writes the TLS key log a pcapng carries (its Decryption
// Secrets Blocks) to a file and returns its path, or "" if none.
func secretsOf(t *testing.T, file string) string {
	t.Helper()
	var keylog []byte
	o := reassembly.DefaultOptions()
	o.Secrets = func(k []byte) { keylog = append(keylog, k...) }
	r := reassembly.NewReader(o, nopHandler{}, nil)
	if _, err := r.ReadAll(context.Background(), []reassembly.Input{{Path: file}}); err != nil || len(keylog) == 0 {
		return ""
	}
	path := filepath.Join(t.TempDir(), "keys.log")
	if err := os.WriteFile(path, keylog, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// nopHandler reads connections into nothing.
type nopHandler struct{}

func (nopHandler) Open(reassembly.ConnInfo) reassembly.Conn { return nil }
