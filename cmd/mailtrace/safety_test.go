package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

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
