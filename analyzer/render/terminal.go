package render

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Colours travel through the renderers as private-use runes, which Escape
// writes as escapes wherever they come from the wire; the Terminal turns
// them into SGR sequences on the way out. A renderer that forgot to escape
// wire text could at worst recolour.
const (
	colReset  = "\ue000"
	colClient = "\ue001" // bright blue: what the client sent
	colServer = "\ue002" // green: a reply that succeeded, and server data
	colWarn   = "\ue003" // magenta: what mailtrace says of the capture
	colHead   = "\ue004"
	colMore   = "\ue005" // cyan: a reply that asks for more (3xx, "+")
	colTemp   = "\ue006" // yellow: a temporary failure (4xx)
	colFail   = "\ue007" // red: a refusal (5xx, -ERR, NO, BAD)
)

var sgr = map[rune]string{
	0xe000: "\x1b[0m", 0xe001: "\x1b[94m", 0xe002: "\x1b[32m", 0xe003: "\x1b[35m", 0xe004: "\x1b[1m",
	0xe005: "\x1b[36m", 0xe006: "\x1b[33m", 0xe007: "\x1b[31m",
}

// replyColour is the terminal's colour of a reply's meaning.
func replyColour(status string) string {
	switch ReplyMeaning(status) {
	case MeaningMore:
		return colMore
	case MeaningTemp:
		return colTemp
	case MeaningFail:
		return colFail
	}
	return colServer
}

// Terminal is the writer every text view writes through: whatever reaches
// it, every byte that is not UTF-8, every control character but the
// newline and every bidirectional control is written escaped, as Escape
// writes it. Text from a capture cannot reach the terminal raw, even by a
// print path that forgot Escape.
//
// With a width, it also breaks lines longer than the width, and indents
// what follows past the line's own indent, so no line a view writes is
// wider than the terminal.
type Terminal struct {
	w      io.Writer
	carry  []byte // the start of a rune cut at the end of a write
	buf    []byte
	width  int         // 0: lines are kept whole
	col    int         // columns written on the current line
	lead   int         // its leading spaces
	start  bool        // nothing but spaces written on it yet
	word   []wordPiece // the word being written, held to see whether it fits
	held   []byte      // its bytes: a write's bytes are not kept past it
	wide   int         // its width
	long   bool        // the word is wider than a line: it goes on as it comes
	spaces int         // spaces held before it
}

// wordPiece is a rune, an escape or a colour of a held word: where its
// bytes end in held, and its width.
type wordPiece struct {
	end int
	n   int
}

// NewTerminal returns a Terminal writing to w, keeping lines whole.
func NewTerminal(w io.Writer) *Terminal { return &Terminal{w: w, start: true} }

// SetWidth makes t break lines wider than width columns, between words
// where it can; 0 keeps them whole.
func (t *Terminal) SetWidth(width int) { t.width = width }

// put writes b, a rune or an escape n columns wide; a word is held until
// it ends, to be moved whole to the next line if it would not fit, and
// the spaces before it until it comes, so none ends a broken line.
func (t *Terminal) put(b []byte, n int, space bool) {
	switch {
	case t.width == 0:
		t.buf = append(t.buf, b...)
	case !space && t.long:
		t.place(b, n)
	case !space:
		// Held until the word ends, but never past a line's width: a
		// word wider than a line is cut wherever it goes, so it is
		// written as it comes (a 16 MiB line of one word holds nothing).
		t.held = append(t.held, b...)
		t.word = append(t.word, wordPiece{len(t.held), n})
		t.wide += n
		if t.wide > t.width {
			t.endWord()
			t.long = true
		}
	case t.start && len(t.word) == 0:
		// The line's indent, written as it comes.
		t.buf = append(t.buf, ' ')
		t.col++
		t.lead++
	default:
		t.endWord()
		t.long = false
		t.spaces++
	}
}

// endWord writes the held word after the spaces before it: on this line
// if it fits, else on the next, cut where it is wider than a line.
func (t *Terminal) endWord() {
	w := t.wide
	if w == 0 && len(t.word) == 0 {
		return
	}
	if t.col+t.spaces+w > t.width && !t.start {
		t.breakLine()
	} else {
		for range t.spaces {
			t.buf = append(t.buf, ' ')
		}
		t.col += t.spaces
	}
	t.spaces = 0
	start := 0
	for _, p := range t.word {
		t.place(t.held[start:p.end], p.n)
		start = p.end
	}
	t.word, t.held, t.wide = t.word[:0], t.held[:0], 0
}

// place writes a piece of a word n columns wide, on the next line where
// it would go past the width.
func (t *Terminal) place(b []byte, n int) {
	if n > 0 && t.col+n > t.width && t.col > t.indent() {
		t.breakLine()
	}
	t.buf = append(t.buf, b...)
	t.col += n
	if n > 0 {
		t.start = false
	}
}

// indent is where the rest of a broken line starts: past the line's own
// indent, so it reads as a continuation.
func (t *Terminal) indent() int { return min(t.lead+4, t.width/2) }

func (t *Terminal) breakLine() {
	indent := t.indent()
	t.spaces = 0
	t.buf = append(t.buf, '\n')
	for range indent {
		t.buf = append(t.buf, ' ')
	}
	t.col = indent
}

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
	if t.width == 0 && plain(p) {
		_, err := t.w.Write(p)
		return n, err
	}
	t.buf = t.buf[:0]
	for i := 0; i < len(p); {
		if t.width == 0 {
			// Without a width nothing is held: runs of plain text go as
			// they are.
			if j := i + plainPrefix(p[i:]); j > i {
				t.buf = append(t.buf, p[i:j]...)
				i = j
				continue
			}
		}
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == '\n':
			if t.width > 0 {
				t.endWord()
				t.long = false
			}
			t.buf = append(t.buf, '\n')
			t.col, t.lead, t.start, t.spaces = 0, 0, true, 0
		case sgr[r] != "":
			t.put([]byte(sgr[r]), 0, false)
		case r == utf8.RuneError && size <= 1, unsafeRune(r):
			e := Escape(string(p[i : i+size]))
			t.put([]byte(e), len(e), false)
		default:
			t.put(p[i:i+size], runewidth.RuneWidth(r), r == ' ')
		}
		i += size
	}
	_, err := t.w.Write(t.buf)
	return n, err
}

// Flush writes what a cut rune or a held word left waiting.
func (t *Terminal) Flush() error {
	if len(t.word) > 0 {
		t.buf = t.buf[:0]
		t.endWord()
		t.long = false
		if _, err := t.w.Write(t.buf); err != nil {
			return err
		}
	}
	if len(t.carry) == 0 {
		return nil
	}
	_, err := t.w.Write([]byte(Escape(string(t.carry))))
	t.carry = nil
	return err
}

// plain reports text of printable ASCII and newlines, the common case.
//
// A long line is found with IndexByte and checked with printable, which
// asks less of each word than plainPrefix (a block of base64 lines at
// 3.7 GB/s on session 16's machine); where a line is short, the next 256
// bytes go to plainPrefix, newlines and all, so that a flood of short
// lines costs no call per line (2.3-2.8 GB/s there). Each byte is looked
// at twice at most.
func plain(p []byte) bool {
	const long, span = 32, 256
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return printable(p)
		}
		if i >= long {
			if !printable(p[:i]) {
				return false
			}
			p = p[i+1:]
			continue
		}
		n := min(span, len(p))
		if plainPrefix(p[:n]) != n {
			return false
		}
		p = p[n:]
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
