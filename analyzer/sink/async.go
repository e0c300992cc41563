package sink

import (
	"bytes"

	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Async runs next on a goroutine of its own: views that write whole
// sessions (the timeline, --follow, --full, JSON) render one session
// while the reader and the parsers go on with the next, on the other
// core. It tells next of sessions starting and ending, DNS lookups, and,
// when raw, their bytes (copied, as a chunk's data is valid only during
// the call); the events of sessions still running (reply lines,
// exchanges, messages) are for live views and are not passed on. Events
// keep their order; at most asyncQueue wait, and CaptureFinished
// returns once next has handled them all.
func Async(next Sink, raw bool) Sink {
	a := &async{next: next, raw: raw, events: make(chan event, asyncQueue), done: make(chan error),
		inFlight: make(chan struct{}, asyncSessions)}
	go a.run()
	return a
}

// asyncQueue bounds the events waiting, and asyncSessions the ended
// sessions among them: a session ended is kept whole (with --full, its
// messages' bodies) until it is written.
const (
	asyncQueue    = 256
	asyncSessions = 4
)

type async struct {
	Nop
	next     Sink
	raw      bool
	events   chan event
	done     chan error
	inFlight chan struct{}
}

type eventKind uint8

const (
	evStarted eventKind = iota
	evRaw
	evEnded
	evLookup
	evFinished
)

type event struct {
	kind    eventKind
	s       *session.Session
	c       session.Chunk
	l       *dns.Lookup
	capture stats.Capture
}

func (a *async) run() {
	for e := range a.events {
		switch e.kind {
		case evStarted:
			a.next.SessionStarted(e.s)
		case evRaw:
			a.next.Raw(e.s, e.c)
		case evEnded:
			a.next.SessionEnded(e.s)
			<-a.inFlight
		case evLookup:
			a.next.Lookup(e.l)
		case evFinished:
			a.done <- a.next.CaptureFinished(e.capture)
			return
		}
	}
}

func (a *async) SessionStarted(s *session.Session) { a.events <- event{kind: evStarted, s: s} }

func (a *async) Raw(s *session.Session, c session.Chunk) {
	if a.raw {
		c.Data = bytes.Clone(c.Data)
		a.events <- event{kind: evRaw, s: s, c: c}
	}
}

func (a *async) SessionEnded(s *session.Session) {
	a.inFlight <- struct{}{}
	a.events <- event{kind: evEnded, s: s}
}

func (a *async) Lookup(l *dns.Lookup) { a.events <- event{kind: evLookup, l: l} }

// CaptureFinished waits for next to handle every event before it, and
// returns what next returned.
func (a *async) CaptureFinished(c stats.Capture) error {
	a.events <- event{kind: evFinished, capture: c}
	close(a.events)
	return <-a.done
}
