package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"250 OK", "250 OK"},
		{"\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\a`},
		{"tab\there", "tab     here"}, // expanded to the next stop of 8
		{"cr\rlf\n", `cr\rlf\n`},
		{"del\x7f", `del\x7f`},
		{"ñandú", "ñandú"},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bidi \u202eevil", `bidi \u202eevil`},
	}
	for _, tc := range tests {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzEscape: whatever the capture holds, the escaped text is valid UTF-8
// with no control character a terminal would act on.
func FuzzEscape(f *testing.F) {
	f.Add("\x1b[31mred\x1b[0m")
	f.Add("\xc3\x28 \u2066x\u2069")
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Escape(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("Escape(%q) = %q keeps %U", s, out, r)
			}
		}
	})
}

// FuzzAppendEscapedIsEscape: the fast path writes what Escape writes,
// whatever the bytes.
func FuzzAppendEscapedIsEscape(f *testing.F) {
	for _, s := range []string{"", "1234567\n", "12345678\x00", "a\x7f", "0123456789abcdef\xc3\xa9", "\x80", "~ !"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := string(AppendEscaped([]byte("> "), b)), "> "+Escape(string(b)); got != want {
			t.Fatalf("%q: %q, want %q", b, got, want)
		}
	})
}

// TestAppendEscapedIsEscape: the fast path writes what Escape writes.
func TestAppendEscapedIsEscape(t *testing.T) {
	for _, s := range []string{"", "plain text 0123456789 ~", "tab\there", "new\nline", "esc\x1b[2J", "caf\xc3\xa9", "bad\xff", "del\x7f", "long plain line that is more than eight bytes wide"} {
		if got := string(AppendEscaped([]byte("> "), []byte(s))); got != "> "+Escape(s) {
			t.Errorf("%q: %q, want %q", s, got, "> "+Escape(s))
		}
	}
}

// TestPrintable: printable says what a byte at a time says, of strings
// and of bytes, and AppendEscaped leaves bytes as they are only then, for
// every byte at every place of lines up to and past two of the 32-byte
// blocks it checks at once.
func TestPrintable(t *testing.T) {
	for n := 1; n <= 70; n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				want := c >= 0x20 && c < 0x7f
				if printable(string(b)) != want || printable(b) != want {
					t.Fatalf("printable(%q): %v, want %v", b, !want, want)
				}
				if same := string(AppendEscaped(nil, b)) == string(b); !want && same {
					t.Fatalf("AppendEscaped(%q) left it as it is", b)
				}
			}
		}
	}
	if !printable("") || len(AppendEscaped(nil, []byte(nil))) != 0 {
		t.Error("nothing is not printable")
	}
}
