package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// extractAndCheck extracts every message of capture into a new directory
// and checks each .eml parses again, that the attachments written are
// those JSON lists, byte for byte (by SHA-256), both ways, and that a cut
// message's attachments are only in a folder marked incomplete.
func extractAndCheck(t *testing.T, capture string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	out, _, err := runCLI(t, nil, "read", "--json", "--extract", dir, capture)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sessions []struct {
			Messages []struct {
				Truncated bool
				Parts     []struct {
					Filename, Disposition, SHA256 string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want, listed := map[string]bool{}, map[string]bool{}
	messages := 0
	for _, s := range doc.Sessions {
		for _, m := range s.Messages {
			messages++
			for _, p := range m.Parts {
				if p.Filename != "" || p.Disposition == "attachment" {
					listed[p.SHA256] = true
					if !m.Truncated {
						want[p.SHA256] = true
					}
				}
			}
		}
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(emls) != messages {
		t.Errorf("%d .eml files for %d messages", len(emls), messages)
	}
	got := map[string]bool{}
	for _, path := range emls {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := parts.Walk(f)
		f.Close()
		whole := !strings.Contains(path, "-header") && !strings.Contains(path, "-text") && !strings.Contains(path, "-part")
		if len(ps) == 0 && whole && !strings.Contains(path, "incomplete") {
			t.Errorf("%s does not parse as a message", filepath.Base(path))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.parts", "*"))
	for _, path := range files {
		data, _ := os.ReadFile(path)
		h := sha(data)
		got[h] = true
		switch {
		case !listed[h]:
			t.Errorf("%s: its bytes are no part JSON lists", filepath.Base(path))
		case !want[h] && !strings.Contains(filepath.Base(filepath.Dir(path)), ".incomplete."):
			t.Errorf("%s: an attachment of a cut message in a folder not marked incomplete", path[len(dir):])
		}
	}
	for h := range want {
		if !got[h] {
			t.Errorf("attachment %.16s… listed in JSON was not written", h)
		}
	}
	return dir
}

// TestExtractSamplesAndPublicCaptures: every message of the samples and of
// the public captures that carry messages is saved and parses again.
func TestExtractSamplesAndPublicCaptures(t *testing.T) {
	files := samples(t)
	public, _ := filepath.Glob("../../../shared/captures/public/*.pcap*")
	files = append(files, public...)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) { extractAndCheck(t, path) })
	}
}

// TestExtractHostileNames: attachment names from the wire cannot leave
// the directory, carry control characters or exceed a file system's
// bound, and nothing already there is overwritten.
func TestExtractHostileNames(t *testing.T) {
	att := func(name string) string {
		return "--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name +
			"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte("data of "+name[:min(10, len(name))])) + "\r\n"
	}
	body := "Subject: hostile\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		att("../../etc/passwd") + att("..\\..\\boot.ini") + att("con\x1b[2Jtrol\x07\u202e.txt") + att(strings.Repeat("n", 5000)+".pdf") +
		att("same.txt") + att("same.txt") + att("..") + att("-rf") + att(".bashrc") + "--B--\r\n"
	said := []capturetest.Said{{Data: "220 mx\r\n"}, {Client: true, Data: "DATA\r\n"}, {Data: "354 go\r\n"},
		{Client: true, Data: body + ".\r\n"}, {Data: "250 ok\r\n"}}
	data, _ := capturetest.Write(capturetest.Converse(netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:25"),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), said...))
	capture := filepath.Join(t.TempDir(), "hostile-names.pcap")
	os.WriteFile(capture, data, 0o644)

	// A file already where the first message would go must stay as it is.
	dir := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "0001-smtp-01-DATA.eml"), []byte("mine"), 0o644)
	if _, _, err := runCLI(t, nil, "read", "--stats", "--extract", dir, capture); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "0001-smtp-01-DATA.eml")); string(b) != "mine" {
		t.Error("an existing file was overwritten")
	}
	var names []string
	filepath.WalkDir(filepath.Dir(dir), func(path string, d os.DirEntry, err error) error {
		if rel, _ := filepath.Rel(dir, path); strings.HasPrefix(rel, "..") && path != filepath.Dir(dir) {
			t.Errorf("%s written outside the directory", path)
		}
		name := d.Name()
		names = append(names, name)
		if len(name) > 255 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x1b\x07/\\\u202e") ||
			path != filepath.Dir(dir) && (strings.HasPrefix(name, "-") || strings.HasPrefix(name, ".")) {
			t.Errorf("unsafe name %q", name)
		}
		return nil
	})
	all := strings.Join(names, "\n")
	for _, want := range []string{"passwd", "boot.ini", "same.txt", "same (2).txt", "0001-smtp-01-DATA (2).eml", "\nrf\n", "\nbashrc\n"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q among:\n%s", want, all)
		}
	}
}

// TestExtractFollowsNoLink: a link planted where a message's .parts folder
// goes, pointing outside, is not followed: nothing is written there, the
// attachments go to a folder of their own.
func TestExtractFollowsNoLink(t *testing.T) {
	dir, outside := filepath.Join(t.TempDir(), "out"), t.TempDir()
	os.MkdirAll(dir, 0o755)
	if err := os.Symlink(outside, filepath.Join(dir, "0001-smtp-01-DATA.parts")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, stderr, err := runCLI(t, nil, "read", "--stats", "--extract", dir, "../../samples/smtp-auth-attachment.pcapng"); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if left, _ := os.ReadDir(outside); len(left) != 0 {
		t.Errorf("%d files written through the link, outside the folder", len(left))
	}
	if got, _ := filepath.Glob(filepath.Join(dir, "0001-smtp-01-DATA.parts (2)", "*")); len(got) != 2 {
		t.Errorf("the two attachments are not in a folder of their own: %q", got)
	}
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// stalled is a capture of n SMTP sessions whose messages are all in
// flight at once: every session sends the first half of its message
// before any sends the rest.
func stalled(t *testing.T, n int) string {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	S := func(s string) capturetest.Said { return capturetest.Said{Data: s} }
	C := func(s string) capturetest.Said { return capturetest.Said{Client: true, Data: s} }
	var segs []capturetest.Segment
	for i := range n {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(1 + i/60000), 2}), uint16(1024+i%60000))
		// Sessions start 0.5 µs apart and their segments are 1 ms apart,
		// so that each step of all of them comes before the next of any.
		segs = append(segs, capturetest.Converse(c, netip.MustParseAddrPort("127.0.0.1:25"), t0.Add(time.Duration(i)*500),
			S("220 mx\r\n"), C("MAIL FROM:<a@example.org>\r\n"), S("250 ok\r\n"), C("RCPT TO:<b@example.org>\r\n"), S("250 ok\r\n"),
			C("DATA\r\n"), S("354 go\r\n"), C(fmt.Sprintf("Subject: stalled %d\r\n\r\nfirst half\r\n", i)),
			C("second half\r\n.\r\n"), S("250 queued\r\n"))...)
	}
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].Time.Before(segs[b].Time) })
	return writeCapture(t, "stalled.pcap", segs)
}

// TestExtractWithFewDescriptors: with the process allowed 256 open files
// (ulimit -n 256), 1 100 messages in flight at once are each saved whole.
func TestExtractWithFewDescriptors(t *testing.T) {
	dir := t.TempDir()
	bin := mailtraceBinary(t)
	const n = 1100
	capture, out := stalled(t, n), filepath.Join(dir, "out")
	cmd := exec.Command("sh", "-c", `ulimit -n 256 && exec "$0" "$@"`, bin, "read", "-q", "--stats", "--extract", out, capture)
	said, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, said)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.eml"))
	if len(files) != n {
		t.Fatalf("%d files saved of %d; it said %s", len(files), n, said)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !strings.HasPrefix(string(b), "Subject: stalled ") || !strings.HasSuffix(string(b), "first half\r\nsecond half\r\n") {
			t.Fatalf("%s: %q", filepath.Base(f), b)
		}
	}
}

// TestExtractOnAFullDisk: on a file system too small for what a capture
// carries (a tmpfs of 160 KiB, three messages of 100 KB), the write error
// is said as it happens, once; the messages it cut are named
// .incomplete.eml and counted so; the one that fit is whole.
func TestExtractOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", dir).Run(); err != nil {
		t.Skip("no tmpfs to fill here (needs root):", err)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	S := func(s string) capturetest.Said { return capturetest.Said{Data: s} }
	C := func(s string) capturetest.Said { return capturetest.Said{Client: true, Data: s} }
	var segs []capturetest.Segment
	for i := range 3 {
		body := fmt.Sprintf("Subject: grande %d\r\n\r\n", i) + strings.Repeat(strings.Repeat("x", 98)+"\r\n", 1000)
		segs = append(segs, capturetest.Converse(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(40000+i)),
			netip.MustParseAddrPort("127.0.0.1:25"), t0.Add(time.Duration(i)*time.Second),
			S("220 mx\r\n"), C("MAIL FROM:<a@example.org>\r\n"), S("250 ok\r\n"), C("RCPT TO:<b@example.org>\r\n"), S("250 ok\r\n"),
			C("DATA\r\n"), S("354 go\r\n"), C(body+".\r\n"), S("250 queued\r\n"))...)
	}
	_, stderr, err := runCLI(t, nil, "read", "-q", "--stats", "--extract", dir, writeCapture(t, "big.pcap", capturetest.Split(segs, 1460)))
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("ended with %v, want the write error", err)
	}
	if n := strings.Count(stderr, "no space left"); n != 1 || !strings.Contains(stderr, "warning: --extract") {
		t.Errorf("the error said %d times, want once as it happened: %s", n, stderr)
	}
	if !strings.Contains(stderr, "3 messages saved") || !strings.Contains(stderr, "2 of them cut, named .incomplete.eml") {
		t.Errorf("stderr %q, want 3 saved, 2 cut", stderr)
	}
	whole, _ := filepath.Glob(filepath.Join(dir, "*-DATA.eml"))
	cut, _ := filepath.Glob(filepath.Join(dir, "*-DATA.incomplete.eml"))
	if len(whole) != 1 || len(cut) != 2 {
		t.Fatalf("whole %q, cut %q", whole, cut)
	}
	if b, _ := os.ReadFile(whole[0]); len(b) != 100000+len("Subject: grande 0\r\n\r\n") {
		t.Errorf("%s: %d bytes, want it whole", whole[0], len(b))
	}
}

// TestExtractPastTheMessageBound: messages past --max-messages, which the
// session counts without a record of its own (one message and builder
// serve them all in turn), are saved each whole and as they would be
// within the bound: the same files, byte for byte.
func TestExtractPastTheMessageBound(t *testing.T) {
	for _, sample := range []string{"imap-fetch-many.pcapng", "pop3-poplib.pcapng", "smtp-smuggling.pcapng"} {
		capture := filepath.Join("../../samples", sample)
		if _, err := os.Stat(capture); err != nil {
			t.Fatalf("%s: %v", sample, err)
		}
		read := func(args ...string) map[string]string {
			dir := filepath.Join(t.TempDir(), "out")
			if _, _, err := runCLI(t, nil, append([]string{"read", "-q", "--stats", "--extract", dir}, append(args, capture)...)...); err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					b, _ := os.ReadFile(path)
					if len(b) == 0 {
						t.Errorf("%s %v: %s is empty", sample, args, path)
					}
					sum := sha256.Sum256(b)
					files[strings.TrimPrefix(path, dir)] = hex.EncodeToString(sum[:])
				}
				return nil
			})
			return files
		}
		within, past := read(), read("--max-messages", "1")
		if len(within) < 2 || fmt.Sprint(within) != fmt.Sprint(past) {
			t.Errorf("%s: within the bound %d files, past it %d:\n%v\n%v", sample, len(within), len(past), within, past)
		}
	}
}
