// Package wire is the line and byte-count layer shared by the SMTP, POP3
// and IMAP parsers: CRLF lines with a length bound, counted runs of bytes
// (IMAP literals, SMTP BDAT) and the dot-stuffing of RFC 5321 §4.5.2 and
// RFC 1939 §3.
package wire

import (
	"bytes"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// DefaultMaxLine is the longest line kept whole; longer ones are cut.
// RFC 5321 allows 1000 octets and IMAP has no limit, so leave room.
const DefaultMaxLine = 64 << 10

// Line is one line without its line ending.
type Line struct {
	B    []byte // valid only during the Line call
	Time time.Time
	Cut  bool // the line was longer than the bound; the rest is dropped
}

// Handler receives what a Splitter cuts from the byte stream.
type Handler interface {
	Line(l Line)
	// Counted receives part of a run announced with Expect; last marks its
	// final part. b is valid only during the call.
	Counted(b []byte, t time.Time, last bool)
}

// Splitter cuts one direction of a stream into lines, or into counted runs
// when the protocol announces them. Handlers may call Expect from Line to
// switch the bytes that follow to counted mode.
type Splitter struct {
	Max     int
	buf     []byte
	bufTime time.Time
	cut     bool
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
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if !s.resync {
				s.keep(b, t)
			}
			return nil
		}
		part := b[:i]
		b = b[i+1:]
		if s.resync {
			s.resync = false
			continue
		}
		line := part
		lt := t
		if len(s.buf) > 0 || s.cut || len(part) > s.Max {
			s.keep(part, t)
			line, lt = s.buf, s.bufTime
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		cut := s.cut
		s.buf, s.cut = s.buf[:0], false
		h.Line(Line{B: line, Time: lt, Cut: cut})
	}
	s.paused = false
	return nil
}

func (s *Splitter) keep(b []byte, t time.Time) {
	if len(s.buf) == 0 && !s.cut {
		s.bufTime = t
	}
	room := s.Max - len(s.buf)
	if len(b) > room {
		b = b[:room]
		s.cut = true
	}
	s.buf = append(s.buf, b...)
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
	s.buf, s.cut = s.buf[:0], false
	s.resync = true
	return true
}

// Flush delivers a last line that had no line ending.
func (s *Splitter) Flush(h Handler) {
	if len(s.buf) > 0 && s.count == 0 {
		line := bytes.TrimSuffix(s.buf, []byte{'\r'})
		cut := s.cut
		s.buf, s.cut = s.buf[:0], false
		h.Line(Line{B: line, Time: s.bufTime, Cut: cut})
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

// Options are the parsing limits shared by every protocol parser.
type Options struct {
	MaxLine    int  // longest line kept whole (0: DefaultMaxLine)
	MaxHeader  int  // message header bytes kept for summaries (0: default)
	MaxBody    int  // message body bytes kept with KeepBodies (0: default)
	KeepBodies bool // keep message bodies for full display
	Redact     bool // mask passwords and authentication data
}

// NewMessage starts a message summary within these bounds.
func (o Options) NewMessage() *message.Builder {
	return message.NewBounded(o.KeepBodies, o.MaxHeader, o.MaxBody)
}

// Mask returns secret, or a placeholder when redacting.
func (o Options) Mask(secret string) string {
	if o.Redact && secret != "" {
		return "<redacted>"
	}
	return secret
}

// LooksLikeTLS reports whether b starts like a TLS record, as the bytes
// after a successful STARTTLS should: its first byte is a content type,
// 20 to 23 (RFC 8446 §5.1), a control character no command or reply line
// starts with. One byte decides, so the answer is the same however TCP
// cut the stream.
func LooksLikeTLS(b []byte) bool {
	return len(b) == 0 || (b[0] >= 20 && b[0] <= 23)
}

// TLSWatch follows an in-band upgrade to TLS (STARTTLS, STLS). Once
// started, the first bytes of each direction show whether TLS really
// followed; a capture exported with TLS already decrypted goes on in clear.
type TLSWatch struct {
	On      bool
	checked [2]bool
	opaque  bool
}

// Opaque marks the rest of the stream as unreadable (IMAP COMPRESS,
// RFC 4978): it is counted, not parsed. sp stops at the current line.
func (w *TLSWatch) Opaque(sp *Splitter) {
	w.opaque = true
	sp.Pause()
}

// Start marks the upgrade as accepted by the server, whose splitter sp
// stops at the end of the accepting line.
func (w *TLSWatch) Start(sp *Splitter) {
	w.On = true
	sp.Pause()
}

// Feed pushes b, seen in direction d of s, through that direction's
// splitter sp, and whatever follows an accepted upgrade through the TLS
// check; bytes after an upgrade that are not TLS are recorded on s as an
// anomaly naming the upgrade command, and parsed.
func (w *TLSWatch) Feed(s *session.Session, d session.Dir, t time.Time, b []byte, sp *Splitter, h Handler, upgrade string) {
	for len(b) > 0 {
		skip, clear := w.Skip(int(d), b)
		if clear {
			s.Anomaly(t, d, upgrade+" accepted but the bytes that follow are not TLS (decrypted capture?): parsing goes on")
		}
		if skip {
			return
		}
		b = sp.Feed(b, t, h)
	}
}

// Skip reports whether bytes in direction dir (0 client, 1 server) are
// TLS and so not to be parsed; plain reports a direction found in clear.
func (w *TLSWatch) Skip(dir int, b []byte) (skip, plain bool) {
	if w.opaque {
		return true, false
	}
	if !w.On {
		return false, false
	}
	if w.checked[dir] {
		return true, false
	}
	w.checked[dir] = true
	if LooksLikeTLS(b) {
		return true, false
	}
	w.On = false
	return false, true
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
