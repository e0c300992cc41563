package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// hostile is a capture whose every field from the wire (greetings,
// verbs, tags, arguments, mechanism names, user names, headers, replies)
// carries ESC sequences, C0 and C1 controls, bidirectional overrides and
// bytes that are not UTF-8, in SMTP, POP3 and IMAP.
func hostile(t testing.TB) string {
	const evil = "\x1b]0;PWNED\x07\x1b[2J\u202e\u2066\x00\x0b\x0c\x7f\u0085\u2028\u2029\u009b31m\xff"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	client := netip.MustParseAddrPort("127.0.0.1:40000")
	var segs []capturetest.Segment
	conv := func(port uint16, said ...capturetest.Said) {
		c := netip.AddrPortFrom(client.Addr(), client.Port()+port)
		segs = append(segs, capturetest.Converse(c, netip.AddrPortFrom(client.Addr(), port), t0.Add(time.Duration(port)*time.Second), said...)...)
	}
	S := func(s string) capturetest.Said { return capturetest.Said{Data: s} }
	C := func(s string) capturetest.Said { return capturetest.Said{Client: true, Data: s} }
	conv(25, S("220 evil"+evil+" ESMTP\r\n"), C("EHLO "+evil+"\r\n"), S("250-ok\r\n250 "+evil+"\r\n"),
		C("AUTH "+evil+"X\r\n"), S("504 "+evil+"\r\n"),
		C("AUTH PLAIN "+b64("\x00"+evil+"\x00"+evil)+"\r\n"), S("535 no\r\n"),
		C("AUTH LOGIN\r\n"), S("334 "+b64(evil)+"\r\n"), C(b64(evil)+"\r\n"), S("334 "+b64("Password:")+"\r\n"), C(b64(evil)+"\r\n"), S("535 no\r\n"),
		C("MAIL FROM:<"+evil+">\r\n"), S("250 ok\r\n"), C("RCPT TO:<"+evil+">\r\n"), S("250 ok\r\n"),
		C("DATA\r\n"), S("354 go\r\n"),
		C("Subject: =?UTF-8?B?"+b64(evil)+"?=\r\nFrom: "+evil+"\r\nMessage-ID: <"+evil+">\r\n\r\n"+evil+"\r\n.\r\n"), S("250 \xff\xfe ok\r\n"),
		C(evil+"\r\n"), S("500 "+evil+"\r\n"))
	conv(110, S("+OK "+evil+"\r\n"), C("USER "+evil+"\r\n"), S("+OK\r\n"), C("PASS "+evil+"\r\n"), S("-ERR "+evil+"\r\n"),
		C("APOP "+evil+" 0123\r\n"), S("+OK\r\n"), C("RETR 1\r\n"), S("+OK\r\nSubject: "+evil+"\r\n\r\n"+evil+"\r\n.\r\n"),
		C(evil+"\r\n"), S(evil+"\r\n"))
	conv(143, S("* OK "+evil+"\r\n"), C(evil+" LOGIN "+evil+" x\r\n"), S(evil+" NO "+evil+"\r\n"),
		C("a AUTHENTICATE "+evil+"\r\n"), S("+ "+b64(evil)+"\r\n"), C(b64(evil)+"\r\n"), S("a NO no\r\n"),
		C("b FETCH 1 (BODY[HEADER.FIELDS ("+evil+")])\r\n"), S("* 1 FETCH (BODY[HEADER.FIELDS ("+evil+")] {20}\r\nSubject: \x1b[5m!!!\r\n)\r\nb OK\r\n"))
	return writeCapture(t, "hostile.pcap", segs)
}

// writeCapture writes segments as a capture file of the test's, and
// returns its path.
func writeCapture(t testing.TB, name string, segs []capturetest.Segment) string {
	t.Helper()
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// terminalUnsafe finds what must never reach a terminal raw: bytes that
// are not UTF-8, C0 controls but the newline, DEL, C1 controls, and
// bidirectional overrides, embeddings and isolates.
func terminalUnsafe(out string) (string, bool) {
	for i, r := range out {
		switch {
		case r == utf8.RuneError:
			return fmt.Sprintf("invalid UTF-8 at %d", i), true
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r < 0xa0:
			return fmt.Sprintf("control %U at %d", r, i), true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
			return fmt.Sprintf("bidi control %U at %d", r, i), true
		}
	}
	return "", false
}

// TestHostileBytesNeverReachTheTerminal: no view of the hostile capture
// writes anything of it raw.
func TestHostileBytesNeverReachTheTerminal(t *testing.T) {
	path := hostile(t)
	for _, view := range [][]string{nil, {"--follow"}, {"--stats"}, {"--summary"}, {"--full"}, {"--redact"}, {"--full", "--redact"}} {
		args := append(append([]string{"read", "--color=never"}, view...), path)
		out, stderr, err := runCLI(t, nil, args...)
		if err != nil {
			t.Fatalf("%v: %v", view, err)
		}
		if where, bad := terminalUnsafe(out + stderr); bad {
			t.Errorf("%v: %s in:\n%s", view, where, out)
		}
		if strings.Count(out, "Session ") < 3 && view == nil {
			t.Fatalf("%v: want the three sessions:\n%s", view, out)
		}
	}
}

// TestJSONLinesOneSessionPerLine: JSON Lines of the hostile capture has
// one session per line for a consumer that splits on any Unicode line
// boundary, and each line parses.
func TestJSONLinesOneSessionPerLine(t *testing.T) {
	out, _, err := runCLI(t, nil, "read", "--jsonl", hostile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, sep := range []string{"\u0085", "\u2028", "\u2029", "\r", "\v", "\f"} {
		if strings.Contains(out, sep) {
			t.Errorf("raw %q in the JSON Lines output", sep)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3 sessions", len(lines))
	}
	for i, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}
}

// TestJSONKeepsNonUTF8Bytes: bytes that are not UTF-8 reach the JSON as
// \xNN escapes, the document stays valid UTF-8, and nothing turns into
// U+FFFD.
func TestJSONKeepsNonUTF8Bytes(t *testing.T) {
	c := netip.MustParseAddrPort("127.0.0.1:40001")
	s := netip.MustParseAddrPort("127.0.0.1:25")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	segs := []capturetest.Segment{
		{Time: t0, Src: c, Dst: s, Seq: 99, SYN: true},
		{Time: t0.Add(time.Millisecond), Src: s, Dst: c, Seq: 500, Ack: 100, ACK: true, PSH: true, Payload: []byte("220 caf\xe9\r\n")},
		{Time: t0.Add(2 * time.Millisecond), Src: c, Dst: s, Seq: 100, Ack: 510, ACK: true, PSH: true, Payload: []byte("EHLO \xff\xfe\r\n")},
	}
	data, _ := capturetest.Write(segs)
	path := filepath.Join(t.TempDir(), "latin1.pcap")
	os.WriteFile(path, data, 0o644)
	for _, mode := range []string{"--json", "--jsonl"} {
		out, _, err := runCLI(t, nil, "read", mode, path)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(out) || strings.Contains(out, "\uFFFD") {
			t.Errorf("%s: not clean UTF-8", mode)
		}
		first, _, _ := strings.Cut(out, "\n{")
		if mode == "--json" {
			first = out
		}
		var doc struct {
			Sessions  []session.Session
			Exchanges []session.Exchange
		}
		if mode == "--jsonl" {
			var s session.Session
			err = json.Unmarshal([]byte(first), &s)
			doc.Sessions = []session.Session{s}
		} else {
			err = json.Unmarshal([]byte(first), &doc)
		}
		if err != nil || len(doc.Sessions) != 1 || len(doc.Sessions[0].Exchanges) != 2 {
			t.Fatalf("%s: %v in\n%s", mode, err, out)
		}
		ex := doc.Sessions[0].Exchanges
		if got := ex[0].Response.Lines[0]; got != `220 caf\xe9` {
			t.Errorf("%s: greeting %q, want the byte as \\xe9", mode, got)
		}
		if got := ex[1].Command.Line; got != `EHLO \xff\xfe` {
			t.Errorf("%s: command line %q, want the bytes as \\xff\\xfe", mode, got)
		}
		if got := ex[1].Command.Args; got != `\xff\xfe` {
			t.Errorf("%s: arguments %q", mode, got)
		}
	}
}
