package render

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// lineHold bounds what the follow view holds of a line whose end has
// not come yet.
const lineHold = 64 << 10

// heldBack is how much of b, a line's bytes whose end has not come, can
// be written now: all but a carriage return at its end (it may end the
// line) and the first bytes of a rune whose others are still to come.
func heldBack(b []byte) int {
	n := len(b)
	for i := 1; i <= utf8.UTFMax && i <= n; i++ {
		if utf8.RuneStart(b[n-i]) {
			if !utf8.FullRune(b[n-i:]) {
				n -= i
			}
			break
		}
	}
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	return n
}

// serverIndent sets server data apart from the client's in the follow
// view.
const serverIndent = "    "

func dirIndent(d session.Dir) string {
	if d == session.FromServer {
		return serverIndent
	}
	return ""
}

// Follow writes the raw conversation raw, the session's bytes in capture
// order (and says how many more bytes the bound left out, dropped), as
// Wireshark's Follow TCP Stream does: client data flush left, server data
// indented, lost bytes marked. Consecutive chunks of one direction are
// joined, so a line split over two segments shows as one. Control
// characters are escaped line by line.
func Follow(w io.Writer, s *session.Session, raw iter.Seq[session.Chunk], dropped int64, o TextOptions) {
	Header(w, s, o)
	f := NewFollower(w, o)
	f.Cut(s)
	for c := range raw {
		f.Chunk(c)
	}
	f.End(dropped)
}

// Follower writes a session's bytes as Follow does, a chunk at a time, so
// that the follow view can show what came before any TLS as it comes,
// while the parsers still read, and the rest once the session has ended
// and its TLS records are known (Cut).
//
// Lines are written 64 KiB at a time as their ends are found. A line that
// goes on in a later chunk is held only up to lineHold: past it, what is
// held is written and the line goes on (a 16 MiB line costs no 16 MiB
// copy), all but a carriage return or a rune's first bytes at its end,
// which wait for what follows.
type Follower struct {
	out  lineWriter // what waits to be written, and where it goes
	p    painter
	lang explain.Lang
	dir  session.Dir
	tls  *tlsCut
	line []byte // a line whose end has not come
	open bool   // a line's start is written, its end not yet
}

// NewFollower returns a Follower writing to w, for bytes read before any
// TLS began.
func NewFollower(w io.Writer, o TextOptions) *Follower {
	return &Follower{out: lineWriter{w: w}, p: painter{o.Color}, lang: o.Lang, tls: newTLSCut(nil)}
}

// Cut has the chunks from now on cut where s's TLS records are: its bytes
// after TLS began are shown as record lines.
func (f *Follower) Cut(s *session.Session) {
	t := newTLSCut(s)
	t.seen = f.tls.seen
	f.tls = t
}

// To writes what waits to the writer so far and goes on to w.
func (f *Follower) To(w io.Writer) {
	f.out.flush()
	f.out.w = w
}

// Chunk shows c.
func (f *Follower) Chunk(c session.Chunk) {
	if c.Gap > 0 {
		f.flush()
		f.note(fmt.Sprintf("[%d bytes missing in capture, %s]", c.Gap, c.Dir))
		return
	}
	if c.Dir != f.dir {
		f.flush()
		f.dir = c.Dir
	}
	for _, pc := range f.tls.split(c) {
		if pc.rec == nil {
			f.feed(pc.data)
			continue
		}
		f.flush()
		f.note(dirIndent(f.dir) + tlsRecordLine(*pc.rec))
	}
}

// End writes the last line, what the records and the bound left unshown
// (dropped bytes), and a blank line.
func (f *Follower) End(dropped int64) {
	f.flush()
	if m := f.tls.unshown(); m != "" {
		f.note(m)
	}
	if dropped > 0 {
		f.note(fmt.Sprintf(explain.Say("ui.follow.dropped", f.lang), dropped))
	}
	f.out.buf = append(f.out.buf, '\n')
	f.out.flush()
}

// ends are what begins a line of f's direction (its colour, its indent)
// and what ends it: constants, so that no line pays for making them.
func (f *Follower) ends() (lead, end string) {
	switch {
	case f.p.on && f.dir == session.FromServer:
		return colServer + serverIndent, colReset + "\n"
	case f.p.on:
		return colClient, colReset + "\n"
	case f.dir == session.FromServer:
		return serverIndent, "\n"
	}
	return "", "\n"
}

func (f *Follower) piece(b []byte) {
	if !f.open {
		lead, _ := f.ends()
		f.out.buf = append(f.out.buf, lead...)
		f.open = true
	}
	f.out.buf = AppendEscaped(f.out.buf, b)
	f.out.flushFull()
}

func (f *Follower) emit(l []byte) {
	f.piece(lines.TrimCR(l))
	_, end := f.ends()
	f.out.buf = append(f.out.buf, end...)
	f.open = false
}

func (f *Follower) note(text string) {
	f.out.buf = append(append(f.out.buf, f.p.paint(colWarn, text)...), '\n')
}

func (f *Follower) feed(data []byte) {
	for len(data) > 0 {
		if len(f.line) == 0 && !f.open {
			if data = f.plainLines(data); len(data) == 0 {
				return
			}
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			f.line = append(f.line, data...)
			if len(f.line) > lineHold {
				n := heldBack(f.line)
				f.piece(f.line[:n])
				f.line = append(f.line[:0], f.line[n:]...)
			}
			return
		}
		if len(f.line) == 0 {
			f.emit(data[:i])
		} else {
			f.line = append(f.line, data[:i]...)
			f.emit(f.line)
			f.line = f.line[:0]
		}
		data = data[i+1:]
	}
}

// plainLines writes the whole lines data begins with that need no
// escaping, as emit would, and returns the rest. Most of a mailbox
// downloaded is lines of base64: each costs a search for its end, a
// check and two copies, not emit's steps one by one.
func (f *Follower) plainLines(data []byte) []byte {
	lead, end := f.ends()
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return data
		}
		l := lines.TrimCR(data[:i])
		if !printable(l) {
			return data
		}
		f.out.buf = append(append(append(f.out.buf, lead...), l...), end...)
		f.out.flushFull()
		data = data[i+1:]
	}
}

func (f *Follower) flush() {
	if len(f.line) > 0 || f.open {
		f.emit(f.line)
		f.line = f.line[:0]
	}
}
