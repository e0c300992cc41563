package lines

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// script records what a Splitter hands over; a line "LIT n" announces a
// counted run of n bytes.
type script struct {
	s   *Splitter
	out []string
}

func (c *script) Line(l *Line) {
	cut := ""
	if l.Cut {
		cut = " (cut)"
	}
	c.out = append(c.out, fmt.Sprintf("line %q%s", l.B, cut))
	var n int64
	if _, err := fmt.Sscanf(string(l.B), "LIT %d", &n); err == nil {
		c.s.Expect(n)
	}
}

func (c *script) Counted(b []byte, _ time.Time, last bool) {
	c.out = append(c.out, fmt.Sprintf("counted %q last=%v", b, last))
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name  string
		feeds []string // "GAP n" loses n bytes
		max   int
		want  []string
	}{
		{"CRLF and bare LF", []string{"a\r\nb\nc\r\n"}, 0, []string{`line "a"`, `line "b"`, `line "c"`}},
		{"line over two feeds", []string{"hel", "lo\r\n"}, 0, []string{`line "hello"`}},
		{"long line cut", []string{"abcdefgh\r\nok\r\n"}, 4, []string{`line "abcd" (cut)`, `line "ok"`}},
		{"long line cut over feeds", []string{"abc", "defgh\r\n"}, 4, []string{`line "abcd" (cut)`}},
		{"counted run holds line ends", []string{"LIT 4\r\na\r\nbX\r\n"}, 0, []string{`line "LIT 4"`, `counted "a\r\nb" last=true`, `line "X"`}},
		{"counted run over feeds", []string{"LIT 5\r\nab", "cde"}, 0, []string{`line "LIT 5"`, `counted "ab" last=false`, `counted "cde" last=true`}},
		{"gap at a line boundary keeps the next line", []string{"a\r\n", "GAP 10", "b\r\n"}, 0, []string{`line "a"`, `line "b"`}},
		{"gap mid-line drops to the next line end", []string{"a\r\npart", "GAP 10", "rest\r\nb\r\n"}, 0, []string{`line "a"`, `line "b"`}},
		{"gap inside a counted run shortens it", []string{"LIT 10\r\nabc", "GAP 4", "def\r\nX\r\n"}, 0, []string{`line "LIT 10"`, `counted "abc" last=false`, `counted "def" last=true`, `line ""`, `line "X"`}},
		{"last line without an end is flushed", []string{"a\r\nb"}, 0, []string{`line "a"`, `line "b"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &script{s: NewSplitter(tc.max)}
			for _, f := range tc.feeds {
				var n int
				if _, err := fmt.Sscanf(f, "GAP %d", &n); err == nil {
					c.s.Gap(n)
					continue
				}
				c.s.Feed([]byte(f), time.Time{}, c)
			}
			c.s.Flush(c)
			if got, want := strings.Join(c.out, "\n"), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestPause(t *testing.T) {
	c := &script{s: NewSplitter(0)}
	pauser := pausing{c}
	rest := c.s.Feed([]byte("220 go\r\n\x16\x03\x01"), time.Time{}, pauser)
	if string(rest) != "\x16\x03\x01" || len(c.out) != 1 {
		t.Errorf("got rest %q after %q", rest, c.out)
	}
}

type pausing struct{ *script }

func (p pausing) Line(l *Line) {
	p.script.Line(l)
	p.s.Pause()
}

func TestUpper(t *testing.T) {
	for in, want := range map[string]string{"ehlo": "EHLO", "Uid fetch": "UID FETCH", "caf\xe9": "CAF\xe9", "ÑU": "ÑU"} {
		if got := Upper(in); got != want {
			t.Errorf("Upper(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrimBlanksRight(t *testing.T) {
	for _, in := range []string{"", " ", "\t \t", "NOOP", "NOOP \t ", "MAIL FROM:<a> ", "a\r ", " x", "x\x00 ", "\xff\t"} {
		if got, want := TrimBlanksRight(in), strings.TrimRight(in, " \t"); got != want {
			t.Errorf("TrimBlanksRight(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrimCR(t *testing.T) {
	for _, in := range []string{"", "\r", "\r\r", "x\r", "x", "\rx", "x\r ", "\n\r"} {
		if got, want := string(TrimCR([]byte(in))), strings.TrimSuffix(in, "\r"); got != want {
			t.Errorf("TrimCR(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPieces: in Pieces mode a line longer than the bound comes in
// pieces of at most the bound, the first without Cont, the last without
// More and with its ending, whatever the segmentation; a CRLF split
// across pieces stays an ending; nothing is dropped.
func TestPieces(t *testing.T) {
	long := strings.Repeat("0123456789", 25) // 250 bytes
	for _, tc := range []struct {
		in   string
		want string // the lines, pieces joined by "+", ending marked
	}{
		{"short\r\n", "short<CRLF>"},
		{long + "\r\n", long[:100] + "+" + long[100:200] + "+" + long[200:] + "<CRLF>"},
		{long[:99] + "\r\nnext\n", long[:99] + "<CRLF>|next<LF>"},
		{long[:100] + "\r\n", long[:100] + "<CRLF>"},
		// as long as the bound, and its CRLF: whole
		{long[:99] + "x\r" + "\n", long[:99] + "x<CRLF>"},
		{long[:99] + "\r" + long[:50] + "\n", long[:99] + "+\r" + long[:50] + "<LF>"},
	} {
		for step := 1; step <= len(tc.in); step += 37 {
			sp := NewSplitter(100)
			sp.Pieces = true
			var got strings.Builder
			h := &pieceRec{out: &got}
			for i := 0; i < len(tc.in); i += step {
				sp.Feed([]byte(tc.in[i:min(i+step, len(tc.in))]), time.Time{}, h)
			}
			if got.String() != tc.want {
				t.Errorf("%q fed %d at a time:\ngot  %q\nwant %q", tc.in, step, got.String(), tc.want)
			}
		}
	}
}

type pieceRec struct {
	out  *strings.Builder
	more bool
}

func (r *pieceRec) Line(l *Line) {
	if l.Cont != r.more {
		r.out.WriteString("<cont mismatch>")
	}
	if r.out.Len() > 0 && !r.more {
		r.out.WriteString("|")
	}
	if len(l.B) > 100 {
		r.out.WriteString("<too long>")
	}
	r.out.Write(l.B)
	r.more = l.More
	switch {
	case l.More:
		r.out.WriteString("+")
	case l.End == CRLF:
		r.out.WriteString("<CRLF>")
	case l.End == LF:
		r.out.WriteString("<LF>")
	}
}

func (r *pieceRec) Counted([]byte, time.Time, bool) {}

// runner takes runs (or declines those that hold "NO") and records them
// beside the lines.
type runner struct{ script }

func (c *runner) Run(r Run) bool {
	if strings.Contains(string(r.B), "NO") {
		c.out = append(c.out, fmt.Sprintf("declined %d lines", r.Lines))
		return false
	}
	c.out = append(c.out, fmt.Sprintf("run %q lines=%d lf=%d last=%d", r.B, r.Lines, r.LF, r.Last))
	return true
}

// TestRuns: a run is the whole lines a feed begins with up to one that
// starts with ".", is longer than the bound or has no end yet; a declined
// run's lines come one by one, and the next run is offered after them.
func TestRuns(t *testing.T) {
	tests := []struct {
		name  string
		feeds []string
		want  []string
	}{
		{"plain lines", []string{"a\r\nb\nc\r\n"}, []string{`run "a\r\nb\nc\r\n" lines=3 lf=1 last=0`}},
		{"a dot ends a run", []string{"a\r\nb\n.b\r\nc\r\nd\n"}, []string{`run "a\r\nb\n" lines=2 lf=1 last=1`, `line ".b"`, `run "c\r\nd\n" lines=2 lf=1 last=1`}},
		{"one line is read as a line", []string{"a\r\n.b\r\nc\r\n"}, []string{`line "a"`, `line ".b"`, `line "c"`}},
		{"a line's unended rest waits", []string{"a\nb\nc", "d\r\ne\r\nf\r\n"}, []string{`run "a\nb\n" lines=2 lf=2 last=1`, `line "cd"`, `run "e\r\nf\r\n" lines=2 lf=0 last=0`}},
		{"a line past the bound goes alone", []string{"ab\r\nc\r\nabcdefgh\r\nc\r\nd\r\n"}, []string{`run "ab\r\nc\r\n" lines=2 lf=0 last=0`, `line "abcd" (cut)`, `run "c\r\nd\r\n" lines=2 lf=0 last=0`}},
		{"the bound counts the CR", []string{"abcd\r\n"}, []string{`line "abcd" (cut)`}},
		{"declined", []string{"a\r\nNO\r\n.\r\nb\r\nc\r\n"}, []string{`declined 2 lines`, `line "a"`, `line "NO"`, `line "."`, `run "b\r\nc\r\n" lines=2 lf=0 last=0`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &runner{script{s: NewSplitter(4)}}
			c.s.Runs = true
			for _, f := range tc.feeds {
				c.s.Feed([]byte(f), time.Time{}, c)
			}
			if strings.Join(c.out, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(c.out, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

type discard struct{}

func (discard) Line(*Line)                      {}
func (discard) Counted([]byte, time.Time, bool) {}

// BenchmarkShortLines: a flood of three-byte lines, the costliest bytes
// per byte the splitter sees.
func BenchmarkShortLines(b *testing.B) {
	in := []byte(strings.Repeat("* \n", 1<<14))
	b.SetBytes(int64(len(in)))
	s := NewSplitter(0)
	for b.Loop() {
		s.Feed(in, time.Time{}, discard{})
	}
}
