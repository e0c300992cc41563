package sink

import (
	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/handoff"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Async runs next on a goroutine of its own: views that write whole
// sessions (the timeline, --follow, --full, JSON) render one session
// while the reader and the parsers go on with the next, on the other
// core. It tells next of sessions starting and ending, DNS lookups, and,
// when raw, their bytes (copied, as a chunk's data is valid only during
// the call, and valid in turn only during next's call); the events of
// sessions still running (reply lines, exchanges, messages) are for live
// views and are not passed on. Events keep their order; at most
// asyncSessions ended sessions wait, and CaptureFinished returns once
// next has handled them all.
//
// Events go over in batches (analyzer/handoff).
func Async(next Sink, raw bool) Sink {
	a := &async{next: next, raw: raw, q: handoff.New[event](asyncBatches), done: make(chan error),
		inFlight: make(chan struct{}, asyncSessions)}
	go a.q.Run(a.handle)
	return a
}

// asyncSessions bounds the ended sessions waiting (a session ended is
// kept whole, with --full its messages' bodies, until it is written);
// asyncBatches the batches in flight.
const (
	asyncSessions = 4
	asyncBatches  = asyncSessions + 2 // one being filled, one being written
)

type async struct {
	Nop
	next     Sink
	raw      bool
	q        *handoff.Queue[event]
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

// handle hands next one event, on its goroutine.
func (a *async) handle(e event) bool {
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
		return false
	}
	return true
}

func (a *async) SessionStarted(s *session.Session) { a.q.Add(event{kind: evStarted, s: s}, false) }

func (a *async) Raw(s *session.Session, c session.Chunk) {
	if !a.raw {
		return
	}
	c.Data = a.q.Copy(c.Data)
	a.q.Add(event{kind: evRaw, s: s, c: c}, false)
}

// SessionEnded sends the batch at once: the views write the session while
// the reader goes on.
func (a *async) SessionEnded(s *session.Session) {
	a.inFlight <- struct{}{}
	a.q.Add(event{kind: evEnded, s: s}, true)
}

func (a *async) Lookup(l *dns.Lookup) { a.q.Add(event{kind: evLookup, l: l}, false) }

// CaptureFinished waits for next to handle every event before it, and
// returns what next returned.
func (a *async) CaptureFinished(c stats.Capture) error {
	a.q.Add(event{kind: evFinished, capture: c}, false)
	a.q.Close()
	return <-a.done
}
