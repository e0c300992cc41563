package render

import (
	"strings"
	"testing"
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
		{"colours become SGR", []string{colClient + "C: x" + colReset + "\n"}, "\x1b[36mC: x\x1b[0m\n"},
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
