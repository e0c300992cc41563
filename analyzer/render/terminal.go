package render

import (
	"io"
	"unicode/utf8"
)

// Colours travel through the renderers as private-use runes, which Escape
// writes as escapes wherever they come from the wire; the Terminal turns
// them into SGR sequences on the way out. A renderer that forgot to escape
// wire text could at worst recolour.
const (
	colReset  = "\ue000"
	colClient = "\ue001"
	colServer = "\ue002"
	colWarn   = "\ue003"
	colHead   = "\ue004"
)

var sgr = map[rune]string{
	0xe000: "\x1b[0m", 0xe001: "\x1b[36m", 0xe002: "\x1b[32m", 0xe003: "\x1b[33m", 0xe004: "\x1b[1m",
}

// Terminal is the writer every text view writes through: whatever reaches
// it, every byte that is not UTF-8, every control character but the
// newline and every bidirectional control is written escaped, as Escape
// writes it. Text from a capture cannot reach the terminal raw, even by a
// print path that forgot Escape.
type Terminal struct {
	w     io.Writer
	carry []byte // the start of a rune cut at the end of a write
	buf   []byte
}

// NewTerminal returns a Terminal writing to w.
func NewTerminal(w io.Writer) *Terminal { return &Terminal{w: w} }

// Write escapes p and writes it; a rune cut at its end waits for the next
// write.
func (t *Terminal) Write(p []byte) (int, error) {
	n := len(p)
	if len(t.carry) > 0 {
		p = append(t.carry, p...)
		t.carry = nil
	}
	if cut := incompleteTail(p); cut < len(p) {
		t.carry = append([]byte(nil), p[cut:]...)
		p = p[:cut]
	}
	if plain(p) {
		_, err := t.w.Write(p)
		return n, err
	}
	t.buf = t.buf[:0]
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == '\n':
			t.buf = append(t.buf, '\n')
		case sgr[r] != "":
			t.buf = append(t.buf, sgr[r]...)
		case r == utf8.RuneError && size <= 1, unsafeRune(r):
			t.buf = append(t.buf, Escape(string(p[i:i+size]))...)
		default:
			t.buf = append(t.buf, p[i:i+size]...)
		}
		i += size
	}
	_, err := t.w.Write(t.buf)
	return n, err
}

// Flush writes what a cut rune left waiting, escaped.
func (t *Terminal) Flush() error {
	if len(t.carry) == 0 {
		return nil
	}
	_, err := t.w.Write([]byte(Escape(string(t.carry))))
	t.carry = nil
	return err
}

// plain reports text of printable ASCII and newlines, the common case.
func plain(p []byte) bool {
	for _, c := range p {
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// incompleteTail is where a UTF-8 sequence cut by the end of p begins, or
// len(p).
func incompleteTail(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-3; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}
