package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/mailtrace/mailtrace/analyzer/explain"
)

func TestTerminal(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"plain text passes", []string{"250 OK\n"}, "250 OK\n"},
		{"controls escaped", []string{"a\x1b[2Jb\x00c\x07\n"}, `a\x1b[2Jb\x00c\a` + "\n"},
		{"bidi and C1 escaped", []string{"x\u202ey\u0085z\n"}, `x\u202ey\u0085z` + "\n"},
		{"bad UTF-8 escaped", []string{"caf\xe9\n"}, `caf\xe9` + "\n"},
		{"a rune cut between writes stays whole", []string{"ñ"[:1], "ñ"[1:] + "\n"}, "ñ\n"},
		{"colours become SGR", []string{colClient + "C: x" + colReset + "\n"}, "\x1b[94mC: x\x1b[0m\n"},
		{"a cut rune at the end is flushed escaped", []string{"ok\xe2\x80"}, `ok\xe2\x80`},
	}
	for _, tc := range tests {
		var b strings.Builder
		term := NewTerminal(&b)
		for _, w := range tc.writes {
			if n, err := term.Write([]byte(w)); n != len(w) || err != nil {
				t.Errorf("%s: Write = %d, %v", tc.name, n, err)
			}
		}
		term.Flush()
		if b.String() != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, b.String(), tc.want)
		}
	}
}

// TestWireColourEscaped: a colour sentinel that comes from the wire is
// escaped by Escape, so it can never turn into a colour.
func TestWireColourEscaped(t *testing.T) {
	if got := Escape("a" + colWarn + "b"); got != `a\ue003b` {
		t.Errorf("got %q", got)
	}
}

func TestTerminalWidth(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Words move whole to the next line, indented past the line's own.
		{"  start 2026 duration 5.462s client 115 B server 1465 B closed\n",
			"  start 2026 duration 5.462s client\n      115 B server 1465 B closed\n"},
		// A word wider than a line is cut.
		{"C: AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNzAGFsdW1ub3BvcA\n", "C:\n    AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz\n    AGFsdW1ub3BvcA\n"},
		// Escapes count as what they show; colours as nothing.
		{"S: \x01\x02\x03\x04\x05\x06\x07 ok" + colServer + "x\n", "S: \\x01\\x02\\x03\\x04\\x05\\x06\\a ok\x1b[32mx\n"},
		{"short\n", "short\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		term := NewTerminal(&out)
		term.SetWidth(36)
		// Whatever the writes' cuts.
		for _, c := range []byte(tt.in) {
			term.Write([]byte{c})
		}
		term.Flush()
		if out.String() != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, out.String(), tt.want)
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if n := runewidth.StringWidth(stripSGR(l)); n > 36 {
				t.Errorf("line of %d columns: %q", n, l)
			}
		}
	}
}

func stripSGR(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], 'm')
		s = s[:i] + s[i+j+1:]
	}
}

// TestPlainPrefix: the word-at-a-time scan stops where a byte-at-a-time
// one does, wherever the byte is.
func TestPlainPrefix(t *testing.T) {
	base := []byte("The quick brown fox\njumps over the lazy dog 0123456789 ~!@#$%^&*()_+{}|:<>?\n")
	if plainPrefix(base) != len(base) {
		t.Fatalf("plain text not plain")
	}
	for b := range 256 {
		bad := byte(b)
		if plainByte(bad) {
			continue
		}
		// Every length, for the scan's every way of ending.
		for n := range len(base) + 1 {
			for at := range n {
				p := append([]byte(nil), base[:n]...)
				p[at] = bad
				// A second bad byte after the first must not be the one found.
				p[min(at+3, n-1)] = 0xff
				if got := plainPrefix(p); got != at {
					t.Errorf("byte %#x at %d of %d: prefix %d", bad, at, n, got)
				}
			}
			if got := plainPrefix(base[:n]); got != n {
				t.Errorf("%d plain bytes: prefix %d", n, got)
			}
		}
	}
}

// TestPlain: a block is plain as plainPrefix says, whatever its lines'
// lengths (each side of the long-line bound, runs of short ones longer
// than a span) and wherever a byte that is not plain sits.
func TestPlain(t *testing.T) {
	var block []byte
	for _, n := range []int{0, 1, 31, 32, 33, 76, 1, 1, 1, 300, 5, 0, 0, 64, 255, 256, 257} {
		block = append(append(block, strings.Repeat("y", n)...), '\n')
	}
	block = append(block, "no newline at the end"...)
	if !plain(block) {
		t.Fatal("plain text not plain")
	}
	for _, bad := range []byte{0, '\r', '\t', 0x1b, 0x7f, 0x80, 0xff} {
		for at := range block {
			p := bytes.Clone(block)
			p[at] = bad
			if plain(p) {
				t.Fatalf("byte %#x at %d: plain", bad, at)
			}
		}
	}
}

// FuzzPlain holds plain to plainPrefix, the word-at-a-time rule.
func FuzzPlain(f *testing.F) {
	f.Add([]byte("  " + strings.Repeat("QUJD", 19) + "\n\n.\n"))
	f.Add([]byte("short\n" + strings.Repeat("z", 40) + "\x1b\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		if got, want := plain(p), plainPrefix(p) == len(p); got != want {
			t.Fatalf("plain(%q) = %v, plainPrefix says %v", p, got, want)
		}
	})
}

// BenchmarkPlain: blocks as --follow writes them to the Terminal, of
// base64 lines, of short lines, and of both.
func BenchmarkPlain(b *testing.B) {
	b64 := []byte(strings.Repeat("  "+strings.Repeat("QUJD", 19)+"\n", 900))[:64<<10]
	short := bytes.Repeat([]byte("  .\n"), 16<<10)
	mixed := []byte(strings.Repeat("  Subject: hello there\n\n  x\n"+strings.Repeat("y", 70)+"\n", 700))[:64<<10]
	for _, c := range []struct {
		name string
		p    []byte
	}{{"base64", b64}, {"short", short}, {"mixed", mixed}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.p)))
			for b.Loop() {
				if !plain(c.p) {
					b.Fatal("not plain")
				}
			}
		})
	}
}

// TestReplyColour: a reply's colour says what it means, the same in the
// three protocols.
func TestReplyColour(t *testing.T) {
	for status, want := range map[string]string{
		"250": colServer, "+OK": colServer, "OK": colServer, "220": colServer, "PREAUTH": colServer,
		"354": colMore, "334": colMore, "+": colMore,
		"421": colTemp, "450": colTemp,
		"550": colFail, "554": colFail, "-ERR": colFail, "NO": colFail, "BAD": colFail,
		"": colServer,
	} {
		if got := replyColour(status); got != want {
			t.Errorf("status %q: colour %q, want %q", status, got, want)
		}
	}
}

// TestLegendSaysColours: with colours on, the legend names each, in the
// colour it names; with them off it says nothing of colours.
func TestLegendSaysColours(t *testing.T) {
	cat := explain.Default()
	var b strings.Builder
	Legend(&b, TextOptions{Explain: cat, Lang: explain.Spanish, Color: true})
	if !strings.Contains(b.String(), colFail+"rojo"+colReset+" rechazado") {
		t.Errorf("legend does not say red is a refusal:\n%q", b.String())
	}
	b.Reset()
	Legend(&b, TextOptions{Explain: cat, Lang: explain.Spanish})
	if strings.Contains(b.String(), "rojo") {
		t.Errorf("legend speaks of colours with none on:\n%q", b.String())
	}
}

// FuzzTerminalInPieces: text written in pieces, each from a buffer the
// writer then reuses (as fmt and bufio do), comes out as it does written
// at once, at any width: a held word keeps its own bytes.
func FuzzTerminalInPieces(f *testing.F) {
	f.Add("EHLO client.example\n    250-mail.example Hello\n"+strings.Repeat("x", 300)+" end\n", uint8(7), uint8(20))
	f.Add("    "+strings.Repeat("ñé", 90)+"\n\x1b[31m red \ue001blue\ue000\n", uint8(3), uint8(40))
	f.Fuzz(func(t *testing.T, text string, step, width uint8) {
		var whole, pieces bytes.Buffer
		w1, w2 := NewTerminal(&whole), NewTerminal(&pieces)
		w1.SetWidth(int(width))
		w2.SetWidth(int(width))
		w1.Write([]byte(text))
		w1.Flush()
		n := int(step%32) + 1
		buf := make([]byte, n)
		for i := 0; i < len(text); i += n {
			k := copy(buf, text[i:min(i+n, len(text))])
			w2.Write(buf[:k])
			for j := range buf {
				buf[j] = '#' // the writer's buffer, reused
			}
		}
		w2.Flush()
		if whole.String() != pieces.String() {
			t.Fatalf("at width %d, in pieces of %d:\n%q\nwhole:\n%q", width, n, pieces.String(), whole.String())
		}
	})
}

// TestTerminalHoldsNoLongWord: a word of a million columns is written as
// it comes, held no further than a line's width.
func TestTerminalHoldsNoLongWord(t *testing.T) {
	var out bytes.Buffer
	term := NewTerminal(&out)
	term.SetWidth(80)
	chunk := bytes.Repeat([]byte("x"), 4096)
	for range 256 {
		term.Write(chunk)
		if len(term.held) > 80 || len(term.word) > 81 {
			t.Fatalf("holding %d bytes, %d pieces", len(term.held), len(term.word))
		}
	}
	term.Write([]byte("\n"))
	if got := strings.Count(out.String(), "x"); got != 256*4096 {
		t.Errorf("%d x written, want %d", got, 256*4096)
	}
}
