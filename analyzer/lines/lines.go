// Package lines is the line and byte-count layer shared by the SMTP, POP3
// and IMAP parsers: CRLF lines with a length bound, counted runs of bytes
// (IMAP literals, SMTP BDAT) and the dot-stuffing of RFC 5321 §4.5.2 and
// RFC 1939 §3. It knows nothing of sessions: bytes in, lines out.
package lines

import (
	"bytes"
	"time"
)

// DefaultMaxLine is the longest line kept whole; longer ones are cut.
// RFC 5321 allows 1000 octets and IMAP has no limit, so leave room.
const DefaultMaxLine = 64 << 10

// Line is one line without its line ending.
type Line struct {
	B    []byte // valid only during the Line call
	Time time.Time
	// Ended is when the line's ending came, where the line came in more
	// than one segment; zero otherwise (see EndTime).
	Ended time.Time
	Cut   bool   // the line was longer than the bound; the rest is dropped
	End   Ending // how the line ended
	// Dropped counts the bytes of a cut line past the bound, and Tail
	// holds its last bytes (up to TailLen), where an IMAP literal is
	// announced; both valid only during the Line call.
	Dropped int
	Tail    []byte
	// More and Cont are a line longer than the bound handed over in
	// pieces, in the splitter's Pieces mode: More, more of the line
	// follows (B has no ending); Cont, B continues a line begun before.
	More, Cont bool
	// rare says the splitter set fields a whole line in one piece does
	// not have (Ended, Cut, Dropped, Tail, More): the next such line
	// clears them; it sets its own four alone.
	rare bool
}

// EndTime is when the line ended: the time of the segment that brought
// its ending.
func (l *Line) EndTime() time.Time {
	if l.Ended.IsZero() {
		return l.Time
	}
	return l.Ended
}

// TypedMS is how long the line took to arrive, in milliseconds.
func (l *Line) TypedMS() float64 {
	if l.Ended.IsZero() {
		return 0 // one segment: the usual line costs no subtraction of times
	}
	return float64(l.Ended.Sub(l.Time)) / float64(time.Millisecond)
}

// TailLen is how much of the end of a cut line is kept apart.
const TailLen = 64

// Ending is how a line ended on the wire. These protocols end lines with
// CRLF; many servers take a bare LF too, which is what SMTP smuggling
// plays on (a "\n.\n" one server reads as the end of the data and the
// next does not).
type Ending uint8

const (
	CRLF    Ending = iota
	LF             // a bare LF
	Unended        // the stream ended first
)

// Handler receives what a Splitter cuts from the byte stream.
type Handler interface {
	Line(l *Line)
	// Counted receives part of a run announced with Expect; last marks its
	// final part. b is valid only during the call.
	Counted(b []byte, t time.Time, last bool)
}

// Run is lines of a dot-stuffed body (RFC 5321 §4.5.2, RFC 1939 §3)
// that need not be read one by one: whole lines, none beginning with "."
// (neither stuffed nor the end) but the lone dots the Splitter's DotText
// read as text, none longer than the bound. Their content is their bytes
// as they came: a message's text, most of what a mail session carries.
type Run struct {
	B     []byte // the lines with their endings, valid only during the call
	Lines int    // how many lines
	LF    int    // how many of them ended in a bare LF
	Last  Ending // how the last one ended
	// Dots counts the lines of B that are a lone "." ended by a bare LF,
	// which the Splitter's DotText read as text (none without it).
	Dots int
	Time time.Time // when the bytes arrived
}

// RunHandler is a Handler that can take a Run at once. It declines one
// (false) that it must read line by line, and the same lines then come to
// Line one at a time.
type RunHandler interface {
	Handler
	Run(r Run) bool
}

// Splitter cuts one direction of a stream into lines, or into counted runs
// when the protocol announces them. Handlers may call Expect from Line to
// switch the bytes that follow to counted mode.
type Splitter struct {
	Max int
	// Pieces hands a line longer than Max over in pieces of at most Max
	// bytes instead of cutting it: message bodies are not protocol lines,
	// and their bytes are saved whatever a line's length. A parser sets
	// it while it reads one.
	Pieces bool
	// Runs offers the lines of a dot-stuffed body to a RunHandler a Run
	// at a time, where they allow it; a parser sets it while it reads one.
	Runs bool
	// DotText, when set, lets a Run go on past a lone "." ended by a bare
	// LF where the line after it, whole in the same bytes, makes the dot
	// text: a POP3 server's next line decides what it meant (RFC 1939 §3
	// ends a body at CRLF "." CRLF), and a body of bare-LF dots was read
	// a line at a time, two lines every four bytes.
	DotText func(next []byte) bool
	// line is the Line handed over, by reference (it is valid only
	// during the call): four layers pass it on, each would copy it.
	line    Line
	cont    bool // the line being read began in a piece already handed over
	buf     []byte
	bufTime time.Time
	cut     bool
	dropped int    // bytes of the current line past the bound
	cutCR   bool   // the last byte dropped was a CR
	tail    []byte // the last bytes of the current line, once cut
	count   int64
	resync  bool // discard up to the next line ending (after a gap)
	paused  bool
}

// NewSplitter returns a Splitter with the given line bound (0: default).
func NewSplitter(max int) *Splitter {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &Splitter{Max: max}
}

// Expect makes the next n bytes a counted run.
func (s *Splitter) Expect(n int64) { s.count = n }

// Counting reports bytes still expected in a counted run.
func (s *Splitter) Counting() int64 { return s.count }

// Pause makes Feed return after the current line, handing back the bytes
// it did not read: after STARTTLS they are no longer lines.
func (s *Splitter) Pause() { s.paused = true }

// Feed pushes bytes through the splitter and returns what a Pause left.
func (s *Splitter) Feed(b []byte, t time.Time, h Handler) (rest []byte) {
	rh, _ := h.(RunHandler)
	declined := 0 // bytes of a declined run still to read line by line
	for len(b) > 0 {
		if s.paused {
			s.paused = false
			return b
		}
		if s.count > 0 {
			n := int64(len(b))
			if n > s.count {
				n = s.count
			}
			s.count -= n
			h.Counted(b[:n], t, s.count == 0)
			b = b[n:]
			continue
		}
		if s.Runs && rh != nil && declined <= 0 && len(s.buf) == 0 && !s.cut && !s.resync {
			// A run of one line is read as a line: it would cost more
			// (a text of bare-LF dots is one line between dots).
			if n, lines, lf, dots, last := s.run(b); lines > 1 {
				if rh.Run(Run{B: b[:n], Lines: lines, LF: lf, Last: last, Dots: dots, Time: t}) {
					b = b[n:]
					continue
				}
				declined = n
			}
		}
		i := bytes.IndexByte(b, '\n')
		declined -= i + 1
		if i < 0 {
			if !s.resync {
				s.keep(b, t)
				s.pieces(h)
			}
			return nil
		}
		part := b[:i]
		b = b[i+1:]
		if s.resync {
			s.resync = false
			continue
		}
		if len(s.buf) == 0 && !s.cut && len(part) <= s.Max {
			// The line is whole in b, the usual: nothing kept to reset.
			l := &s.line
			if l.rare {
				*l = Line{} // a line before was cut, or came in pieces
			}
			l.B, l.Time, l.End, l.Cont = part, t, LF, s.cont
			if n := len(part); n > 0 && part[n-1] == '\r' {
				l.B, l.End = part[:n-1], CRLF
			}
			s.cont = false
			h.Line(&s.line)
			continue
		}
		s.keep(part, t)
		s.pieces(h)
		s.line = s.finish(s.buf, s.bufTime, true)
		s.line.rare = true
		if !t.Equal(s.line.Time) {
			s.line.Ended = t
		}
		h.Line(&s.line)
	}
	s.paused = false
	return nil
}

// run measures the Run that b begins with: its n bytes, its lines, those
// of them that end in a bare LF, the dots read as text among them, how the
// last ends. Finding it reads each byte once, as cutting the same lines
// would, and the line after a dot twice.
func (s *Splitter) run(b []byte) (n, lines, lf, dots int, last Ending) {
	for n < len(b) {
		if b[n] == '.' {
			if !s.textDot(b[n:]) {
				break
			}
			dots++
			lines++
			lf++
			last = LF
			n += 2
			continue
		}
		i := bytes.IndexByte(b[n:], '\n')
		if i < 0 || i > s.Max {
			break // no whole line, or one read in pieces
		}
		last = CRLF
		if i == 0 || b[n+i-1] != '\r' {
			last = LF
			lf++
		}
		lines++
		n += i + 1
	}
	return n, lines, lf, dots, last
}

// textDot reports whether b begins with a lone "." ended by a bare LF
// that DotText reads as text, given the line after it (without its CR).
func (s *Splitter) textDot(b []byte) bool {
	if s.DotText == nil || len(b) < 3 || b[1] != '\n' {
		return false
	}
	next := b[2:]
	i := bytes.IndexByte(next, '\n')
	if i < 0 || i > s.Max {
		return false // the line that decides is not here whole
	}
	return s.DotText(TrimCR(next[:i]))
}

// finish makes the Line of line, which ended with a line ending when
// ended, and readies the splitter for the next.
func (s *Splitter) finish(line []byte, t time.Time, ended bool) Line {
	l := Line{B: line, Time: t, Cut: s.cut, End: Unended, Cont: s.cont}
	s.cont = false
	switch {
	case !ended:
	case s.cut:
		// What was kept stops short of the end: the ending is known
		// from the last byte dropped.
		l.End = LF
		if s.cutCR {
			l.End = CRLF
		}
		l.Dropped, l.Tail = s.dropped, s.tail
		if l.End == CRLF {
			l.Dropped--
			l.Tail = TrimCR(l.Tail)
		}
	case len(line) > 0 && line[len(line)-1] == '\r':
		l.B, l.End = line[:len(line)-1], CRLF
	default:
		l.End = LF
	}
	if !ended && s.cut {
		l.Dropped, l.Tail = s.dropped, s.tail
	}
	s.buf, s.cut, s.dropped, s.cutCR, s.tail = s.buf[:0], false, 0, false, s.tail[:0]
	return l
}

func (s *Splitter) keep(b []byte, t time.Time) {
	if len(s.buf) == 0 && !s.cut {
		s.bufTime = t
	}
	if s.Pieces && !s.cut {
		s.buf = append(s.buf, b...) // handed over in pieces, see pieces
		return
	}
	room := s.Max - len(s.buf)
	if len(b) > room {
		if !s.cut {
			s.tail = append(s.tail[:0], s.buf[max(0, len(s.buf)-TailLen):]...)
		}
		s.dropped += len(b) - room
		s.cutCR = b[len(b)-1] == '\r'
		s.cut = true
		s.tail = append(s.tail, b[max(0, len(b)-TailLen):]...)
		if len(s.tail) > TailLen {
			s.tail = append(s.tail[:0], s.tail[len(s.tail)-TailLen:]...)
		}
		b = b[:room]
	}
	s.buf = append(s.buf, b...)
}

// pieces hands over, in Pieces mode, what is kept of the current line
// past the bound, Max bytes at a time, keeping back a CR that may be
// half of the line's CRLF.
func (s *Splitter) pieces(h Handler) {
	off := 0
	for s.Pieces && len(s.buf)-off > s.Max && !(len(s.buf)-off == s.Max+1 && s.buf[len(s.buf)-1] == '\r') {
		n := s.Max
		if s.buf[off+n-1] == '\r' {
			n--
		}
		s.line = Line{B: s.buf[off : off+n], Time: s.bufTime, More: true, Cont: s.cont, rare: true}
		h.Line(&s.line)
		s.cont = true
		off += n
	}
	if off > 0 {
		s.buf = append(s.buf[:0], s.buf[off:]...)
	}
}

// Gap tells the splitter n bytes were lost. A counted run absorbs what it
// can. A gap that starts at a line boundary most likely ends at one too,
// since these protocols write whole lines and a lost segment takes whole
// lines with it; a gap that starts mid-line drops the partial line and
// resumes after the next line ending. It reports whether framing may have
// been lost.
func (s *Splitter) Gap(n int) (lostFraming bool) {
	if s.count > 0 {
		if int64(n) <= s.count {
			s.count -= int64(n)
			return false
		}
		s.count = 0
	}
	if len(s.buf) == 0 && !s.cut && !s.resync {
		return true
	}
	s.buf, s.cut, s.dropped, s.cutCR, s.tail, s.cont = s.buf[:0], false, 0, false, s.tail[:0], false
	s.resync = true
	return true
}

// Flush delivers a last line that had no line ending.
func (s *Splitter) Flush(h Handler) {
	if len(s.buf) > 0 && s.count == 0 {
		s.line = s.finish(TrimCR(s.buf), s.bufTime, false)
		s.line.rare = true
		h.Line(&s.line)
	}
}

// Unstuff interprets a line of a dot-terminated body: end is true for the
// lone "." that ends it; otherwise content is the line with one leading
// dot removed.
func Unstuff(line []byte) (content []byte, end bool) {
	if len(line) == 1 && line[0] == '.' {
		return nil, true
	}
	if len(line) > 0 && line[0] == '.' {
		return line[1:], false
	}
	return line, false
}

// TrimCR removes the carriage return that ends b, if one does: as
// bytes.TrimSuffix(b, []byte{'\r'}) does, without its call to compare
// at each line of a flood of short ones.
func TrimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// TrimBlanksRight removes the spaces and tabs that end s, as
// strings.TrimRight(s, " \t") does without building its set of two bytes
// at each of a flood's commands.
func TrimBlanksRight(s string) string {
	i := len(s)
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	return s[:i]
}

// Upper upper-cases ASCII letters only: verbs are ASCII (RFC 5321 §2.4,
// RFC 9051 §9), and bytes from the wire that are not UTF-8 must reach the
// model as they were, not as U+FFFD.
func Upper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
