package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// TestHostileBytesNeverReachTheTerminal builds a capture whose commands,
// replies, credentials and message headers carry terminal escape
// sequences, and checks that no view writes a control character raw.
func TestHostileBytesNeverReachTheTerminal(t *testing.T) {
	c := netip.MustParseAddrPort("127.0.0.1:40000")
	s := netip.MustParseAddrPort("127.0.0.1:25")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var segs []capturetest.Segment
	cseq, sseq := uint32(100), uint32(900)
	add := func(fromClient bool, payload string) {
		seg := capturetest.Segment{Time: t0.Add(time.Duration(len(segs)) * time.Millisecond), ACK: true, PSH: true, Payload: []byte(payload)}
		if fromClient {
			seg.Src, seg.Dst, seg.Seq, seg.Ack = c, s, cseq, sseq
			cseq += uint32(len(payload))
		} else {
			seg.Src, seg.Dst, seg.Seq, seg.Ack = s, c, sseq, cseq
			sseq += uint32(len(payload))
		}
		segs = append(segs, seg)
	}
	segs = append(segs, capturetest.Segment{Time: t0, Src: c, Dst: s, Seq: cseq - 1, SYN: true})
	add(false, "220 evil\x1b]0;owned\x07 ESMTP\r\n")
	add(true, "EHLO \x1b[2J\x1b[H\r\n")
	add(false, "250-ok\r\n250 \x9b31m\u202e\r\n")
	add(true, "AUTH PLAIN AGEbWzMxbQBiG1sybQ==\r\n") // user/password with ESC
	add(false, "535 no\r\n")
	add(true, "DATA\r\n")
	add(false, "354 go\r\n")
	add(true, "Subject: \x1b[5mblink\r\nFrom: \x07@x\r\n\r\n\x1b[31mred\r\n.\r\n")
	add(false, "250 \xff\xfe ok\r\n")
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hostile.pcap")
	os.WriteFile(path, data, 0o644)
	for _, view := range [][]string{nil, {"--follow"}, {"--stats"}, {"--summary"}, {"--full"}} {
		args := append(append([]string{"read", "--color=never"}, view...), path)
		out, stderr, err := runCLI(t, nil, args...)
		if err != nil {
			t.Fatalf("%v: %v", view, err)
		}
		for i, ch := range []byte(out + stderr) {
			if (ch < 0x20 && ch != '\n') || ch == 0x7f {
				t.Fatalf("%v: raw control byte %#x at %d in:\n%s", view, ch, i, out)
			}
		}
		if len(out) == 0 {
			t.Fatalf("%v: no output", view)
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
		if !strings.Contains(out, `220 caf\\xe9`) || !strings.Contains(out, `\\xff\\xfe`) {
			t.Errorf("%s: escapes missing:\n%s", mode, out)
		}
	}
}
