// Package sink is where sessions go: every view (timeline, follow,
// summary, statistics, JSON, live) and every store is a Sink, told of the
// same events in the same order. The tracker calls a Sink; the command
// line only chooses which to build. A new output is one more Sink, not one
// more case in a switch.
package sink

import (
	"io"
	"slices"
	"sync"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Sink receives a trace's sessions as they happen. Sessions are told in
// the order the tracker meets them; a session's events come between its
// SessionStarted and its SessionEnded.
type Sink interface {
	// SessionStarted: a connection was recognized as a mail session.
	SessionStarted(s *session.Session)
	// Raw: bytes crossed the wire (c.Data is valid only during the call),
	// or were lost (c.Gap); told once the parser has read them, so the
	// session already says whether they were TLS.
	Raw(s *session.Session, c session.Chunk)
	// ReplyLine: a line of a reply still open arrived at t (IMAP untagged
	// data); the reply holds it when its exchange completes.
	ReplyLine(s *session.Session, line string, t time.Time)
	// ExchangeCompleted: e's reply is complete, or e is a reply nothing
	// asked for. e is read during the call, not kept: one past the
	// session's bound (not in s.Exchanges) may be reused once it returns.
	ExchangeCompleted(s *session.Session, e *session.Exchange)
	// MessageStarted: a message's bytes begin to arrive; every byte goes
	// to the writer returned, if not nil.
	MessageStarted(s *session.Session, m *session.Message) io.Writer
	// MessageEnded: the message is whole, or gets no more bytes.
	MessageEnded(s *session.Session, m *session.Message)
	// SessionEnded: the session is over; nothing will change it.
	SessionEnded(s *session.Session)
	// Lookup: a DNS lookup beside the mail was answered (or the input
	// ended first).
	Lookup(l *dns.Lookup)
	// CaptureFinished: the input is over; write what waits for the end.
	CaptureFinished(c stats.Capture) error
}

// Nop does nothing; embed it to implement only some events.
type Nop struct{}

// ReadsReplyLines reports whether x reads ReplyLine: the parsers tell
// each line of a reply still open only where some sink does (an IMAP
// flood of untagged data tells millions). A sink that embeds Nop and
// reads them says so with a method of this name; one that does not
// embed Nop is told.
func ReadsReplyLines(x Sink) bool {
	r, ok := x.(interface{ ReadsReplyLines() bool })
	return !ok || r.ReadsReplyLines()
}

func (Nop) ReadsReplyLines() bool { return false }

// ReadsExchanges reports whether x reads ExchangeCompleted (the live
// view), and ReadsMessages whether it reads MessageStarted and
// MessageEnded (--extract), as ReadsReplyLines: the parsers tell them
// only where some sink does.
func ReadsExchanges(x Sink) bool {
	r, ok := x.(interface{ ReadsExchanges() bool })
	return !ok || r.ReadsExchanges()
}

// ReadsMessages: see ReadsExchanges.
func ReadsMessages(x Sink) bool {
	r, ok := x.(interface{ ReadsMessages() bool })
	return !ok || r.ReadsMessages()
}

func (Nop) ReadsExchanges() bool { return false }
func (Nop) ReadsMessages() bool  { return false }

func (Nop) SessionStarted(*session.Session)                             {}
func (Nop) Raw(*session.Session, session.Chunk)                         {}
func (Nop) ReplyLine(*session.Session, string, time.Time)               {}
func (Nop) ExchangeCompleted(*session.Session, *session.Exchange)       {}
func (Nop) MessageStarted(*session.Session, *session.Message) io.Writer { return nil }
func (Nop) MessageEnded(*session.Session, *session.Message)             {}
func (Nop) Lookup(*dns.Lookup)                                          {}
func (Nop) SessionEnded(*session.Session)                               {}
func (Nop) CaptureFinished(stats.Capture) error                         { return nil }

// Multi tells every sink of ss each event, in order; CaptureFinished
// returns the first error.
func Multi(ss ...Sink) Sink {
	if len(ss) == 1 {
		return ss[0]
	}
	return multi(ss)
}

type multi []Sink

func (m multi) SessionStarted(s *session.Session) {
	for _, x := range m {
		x.SessionStarted(s)
	}
}

func (m multi) Raw(s *session.Session, c session.Chunk) {
	for _, x := range m {
		x.Raw(s, c)
	}
}

func (m multi) ReadsReplyLines() bool { return slices.ContainsFunc(m, ReadsReplyLines) }
func (m multi) ReadsExchanges() bool  { return slices.ContainsFunc(m, ReadsExchanges) }
func (m multi) ReadsMessages() bool   { return slices.ContainsFunc(m, ReadsMessages) }

func (m multi) ReplyLine(s *session.Session, line string, t time.Time) {
	for _, x := range m {
		x.ReplyLine(s, line, t)
	}
}

func (m multi) ExchangeCompleted(s *session.Session, e *session.Exchange) {
	for _, x := range m {
		x.ExchangeCompleted(s, e)
	}
}

func (m multi) MessageStarted(s *session.Session, msg *session.Message) io.Writer {
	var ws []io.Writer
	for _, x := range m {
		if w := x.MessageStarted(s, msg); w != nil {
			ws = append(ws, w)
		}
	}
	switch len(ws) {
	case 0:
		return nil
	case 1:
		return ws[0]
	}
	return io.MultiWriter(ws...)
}

func (m multi) MessageEnded(s *session.Session, msg *session.Message) {
	for _, x := range m {
		x.MessageEnded(s, msg)
	}
}

func (m multi) Lookup(l *dns.Lookup) {
	for _, x := range m {
		x.Lookup(l)
	}
}

func (m multi) SessionEnded(s *session.Session) {
	for _, x := range m {
		x.SessionEnded(s)
	}
}

func (m multi) CaptureFinished(c stats.Capture) error {
	var first error
	for _, x := range m {
		if err := x.CaptureFinished(c); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Filter passes on the events of the sessions keep selects.
// KeepEnded passes on the sessions keep takes, once they end, and none of
// their events before: keep reads what a session came to (--where). The
// sink it feeds must need no more than SessionEnded; under ByID it keeps
// the order, as ByID sees every session.
func KeepEnded(next Sink, keep func(*session.Session) bool) Sink {
	return keepEnded{next: next, keep: keep}
}

type keepEnded struct {
	Nop
	next Sink
	keep func(*session.Session) bool
}

func (k keepEnded) SessionEnded(s *session.Session) {
	if k.keep(s) {
		k.next.SessionEnded(s)
	}
}

func (k keepEnded) Lookup(l *dns.Lookup) { k.next.Lookup(l) }

func (k keepEnded) CaptureFinished(c stats.Capture) error { return k.next.CaptureFinished(c) }

func Filter(next Sink, keep func(*session.Session) bool) Sink {
	return filter{next, keep}
}

type filter struct {
	next Sink
	keep func(*session.Session) bool
}

func (f filter) SessionStarted(s *session.Session) {
	if f.keep(s) {
		f.next.SessionStarted(s)
	}
}

func (f filter) Raw(s *session.Session, c session.Chunk) {
	if f.keep(s) {
		f.next.Raw(s, c)
	}
}

func (f filter) ReadsReplyLines() bool { return ReadsReplyLines(f.next) }
func (f filter) ReadsExchanges() bool  { return ReadsExchanges(f.next) }
func (f filter) ReadsMessages() bool   { return ReadsMessages(f.next) }

func (f filter) ReplyLine(s *session.Session, line string, t time.Time) {
	if f.keep(s) {
		f.next.ReplyLine(s, line, t)
	}
}

func (f filter) ExchangeCompleted(s *session.Session, e *session.Exchange) {
	if f.keep(s) {
		f.next.ExchangeCompleted(s, e)
	}
}

func (f filter) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	if f.keep(s) {
		return f.next.MessageStarted(s, m)
	}
	return nil
}

func (f filter) MessageEnded(s *session.Session, m *session.Message) {
	if f.keep(s) {
		f.next.MessageEnded(s, m)
	}
}

func (f filter) SessionEnded(s *session.Session) {
	if f.keep(s) {
		f.next.SessionEnded(s)
	}
}

// Lookup passes: DNS lookups belong to no session.
func (f filter) Lookup(l *dns.Lookup) { f.next.Lookup(l) }

func (f filter) CaptureFinished(c stats.Capture) error { return f.next.CaptureFinished(c) }

// ByID tells next of ended sessions in the order they started (by ID)
// rather than the order they ended: a session goes as soon as every
// session that started before it has ended, so what waits is bounded by
// what overlaps in time, not by the capture. Past maxWaiting sessions
// waiting behind one still open (a client idling for hours), they go
// anyway, and that one follows when it ends. Other events pass at once.
func ByID(next Sink) Sink { return &byID{Sink: next} }

// maxWaiting bounds the ended sessions ByID holds.
const maxWaiting = 1000

type byID struct {
	Sink
	open    []int // started, not yet ended: IDs are given in increasing order
	waiting []*session.Session
}

func (b *byID) ReadsReplyLines() bool { return ReadsReplyLines(b.Sink) }
func (b *byID) ReadsExchanges() bool  { return ReadsExchanges(b.Sink) }
func (b *byID) ReadsMessages() bool   { return ReadsMessages(b.Sink) }

func (b *byID) SessionStarted(s *session.Session) {
	b.open = append(b.open, s.ID)
	b.Sink.SessionStarted(s)
}

func (b *byID) SessionEnded(s *session.Session) {
	if i, ok := slices.BinarySearch(b.open, s.ID); ok {
		b.open = slices.Delete(b.open, i, i+1)
	}
	i, _ := slices.BinarySearchFunc(b.waiting, s.ID, func(x *session.Session, id int) int { return x.ID - id })
	b.waiting = slices.Insert(b.waiting, i, s)
	b.release(len(b.waiting) > maxWaiting)
}

// release tells next of the waiting sessions no open one started before;
// all of them when forced.
func (b *byID) release(force bool) {
	oldest := -1
	if len(b.open) > 0 {
		oldest = b.open[0]
	}
	n := 0
	for _, s := range b.waiting {
		if !force && oldest >= 0 && s.ID > oldest {
			break
		}
		b.Sink.SessionEnded(s)
		n++
	}
	clear(b.waiting[:n])
	b.waiting = b.waiting[n:]
}

func (b *byID) CaptureFinished(c stats.Capture) error {
	b.release(true)
	return b.Sink.CaptureFinished(c)
}

// Ended is a Sink that hands each session to f as it ends.
func Ended(f func(*session.Session)) Sink { return ended{f: f} }

type ended struct {
	Nop
	f func(*session.Session)
}

func (e ended) SessionEnded(s *session.Session) { e.f(s) }

// Flushing calls flush after next is told a session ended. Live, the
// capture also flushes whenever it has nothing more waiting
// (reassembly.LiveOptions.Idle): lines show as they happen, and a burst
// is written in large writes.
func Flushing(next Sink, flush func() error) Sink {
	return flushing{Sink: next, flush: flush}
}

type flushing struct {
	Sink
	flush func() error
}

func (f flushing) ReadsReplyLines() bool { return ReadsReplyLines(f.Sink) }
func (f flushing) ReadsExchanges() bool  { return ReadsExchanges(f.Sink) }
func (f flushing) ReadsMessages() bool   { return ReadsMessages(f.Sink) }

func (f flushing) SessionEnded(s *session.Session) {
	f.Sink.SessionEnded(s)
	f.flush() // a write error shows again at the end
}

// Finished is a Sink that calls f when the capture is finished.
func Finished(f func() error) Sink { return finished{f: f} }

type finished struct {
	Nop
	f func() error
}

func (e finished) CaptureFinished(stats.Capture) error { return e.f() }

// Locked serializes every call to next, for traces read on several
// goroutines into one set of views; a message's writer is serialized too.
func Locked(next Sink) Sink { return &locked{next: next} }

type locked struct {
	mu   sync.Mutex
	next Sink
}

func (l *locked) SessionStarted(s *session.Session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.SessionStarted(s)
}

func (l *locked) Raw(s *session.Session, c session.Chunk) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.Raw(s, c)
}

func (l *locked) ReadsReplyLines() bool { return ReadsReplyLines(l.next) }
func (l *locked) ReadsExchanges() bool  { return ReadsExchanges(l.next) }
func (l *locked) ReadsMessages() bool   { return ReadsMessages(l.next) }

func (l *locked) ReplyLine(s *session.Session, line string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.ReplyLine(s, line, t)
}

func (l *locked) ExchangeCompleted(s *session.Session, e *session.Exchange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.ExchangeCompleted(s, e)
}

func (l *locked) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.next.MessageStarted(s, m); w != nil {
		return lockedWriter{l, w}
	}
	return nil
}

func (l *locked) MessageEnded(s *session.Session, m *session.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.MessageEnded(s, m)
}

func (l *locked) Lookup(lk *dns.Lookup) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.Lookup(lk)
}

func (l *locked) SessionEnded(s *session.Session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next.SessionEnded(s)
}

func (l *locked) CaptureFinished(c stats.Capture) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next.CaptureFinished(c)
}

type lockedWriter struct {
	l *locked
	w io.Writer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.w.Write(p)
}
