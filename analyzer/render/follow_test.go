package render

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// TestFollowLongLineInPieces: a line longer than what the view holds,
// cut across chunks anywhere (inside a rune, between its CR and LF), is
// shown as the same line in one chunk is.
func TestFollowLongLineInPieces(t *testing.T) {
	line := strings.Repeat("ñandú \x01", 40000) + "\r\n" // 360 000 bytes, a control character to escape
	data := []byte("EHLO x\r\n" + line + "QUIT\r\n")
	s := &session.Session{Protocol: "smtp"}
	show := func(chunks []session.Chunk) string {
		var out bytes.Buffer
		Follow(&out, s, slices.Values(chunks), 0, TextOptions{})
		return out.String()
	}
	whole := show([]session.Chunk{{Dir: session.FromClient, Data: data}})
	if !strings.Contains(whole, strings.Repeat(`ñandú \x01`, 3)) {
		t.Fatalf("the line is not shown escaped: %.200q", whole)
	}
	for _, n := range []int{1000, 1447, 4096, 65535} {
		var chunks []session.Chunk
		for i := 0; i < len(data); i += n {
			chunks = append(chunks, session.Chunk{Dir: session.FromClient, Data: data[i:min(i+n, len(data))]})
		}
		if got := show(chunks); got != whole {
			t.Errorf("in chunks of %d: %d bytes shown, %d in one chunk", n, len(got), len(whole))
		}
	}
}

func TestHeldBack(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"abc", 3}, {"abc\r", 3}, {"ab\xc3", 2}, {"ab\xc3\xb1", 4}, {"a\xe2\x82", 1}, {"a\r\xe2", 1}, {"\xff", 1}, {"", 0},
	} {
		if got := heldBack([]byte(tc.in)); got != tc.want {
			t.Errorf("heldBack(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// BenchmarkFollower: a mailbox downloaded, base64 lines from the server
// in segments of 1448 bytes, and a session of short lines both ways.
func BenchmarkFollower(b *testing.B) {
	b64 := []byte(strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 14000))
	short := []byte(strings.Repeat("+OK\r\nRETR 1\r\nx\r\n.\r\n", 50000))
	for _, c := range []struct {
		name string
		data []byte
		dirs bool
	}{{"base64", b64, false}, {"short", short, true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				f := NewFollower(io.Discard, TextOptions{})
				for i, n := 0, 0; i < len(c.data); i, n = i+1448, n+1 {
					d := session.FromServer
					if c.dirs && n%2 == 0 {
						d = session.FromClient
					}
					f.Chunk(session.Chunk{Dir: d, Data: c.data[i:min(i+1448, len(c.data))]})
				}
				f.End(0)
			}
		})
	}
}
