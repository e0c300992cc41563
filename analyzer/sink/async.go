package sink

import (
	"github.com/mailtrace/mailtrace/analyzer/dns"
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
// Events go over in batches, with the bytes of a batch's chunks in one
// buffer that goes back and forth: --follow hands over every byte of
// the capture, a chunk of a packet at a time, and a channel send and an
// allocation for each cost the reader more than the copy.
func Async(next Sink, raw bool) Sink {
	a := &async{next: next, raw: raw, full: make(chan *batch, asyncBatches), free: make(chan *batch, asyncBatches),
		done: make(chan error), inFlight: make(chan struct{}, asyncSessions)}
	for range asyncBatches {
		a.free <- &batch{}
	}
	a.cur = <-a.free
	go a.run()
	return a
}

// asyncSessions bounds the ended sessions waiting (a session ended is
// kept whole, with --full its messages' bodies, until it is written);
// asyncBatches the batches, each of at most batchEvents events and
// batchBytes of chunk data.
const (
	asyncSessions = 4
	asyncBatches  = asyncSessions + 2 // one being filled, one being written
	batchEvents   = 256
	batchBytes    = 256 << 10
)

type async struct {
	Nop
	next     Sink
	raw      bool
	cur      *batch // being filled by the reader
	full     chan *batch
	free     chan *batch
	done     chan error
	inFlight chan struct{}
}

type batch struct {
	events []event
	data   []byte // the chunks' bytes
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
	for b := range a.full {
		for _, e := range b.events {
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
		clear(b.events) // the sessions may go
		b.events, b.data = b.events[:0], b.data[:0]
		a.free <- b
	}
}

// add puts e in the batch being filled, and sends the batch on when it
// is full or when send is set.
func (a *async) add(e event, send bool) {
	a.cur.events = append(a.cur.events, e)
	if send || len(a.cur.events) >= batchEvents {
		a.send()
	}
}

func (a *async) send() {
	a.full <- a.cur
	a.cur = <-a.free
}

func (a *async) SessionStarted(s *session.Session) { a.add(event{kind: evStarted, s: s}, false) }

func (a *async) Raw(s *session.Session, c session.Chunk) {
	if !a.raw {
		return
	}
	switch n := len(c.Data); {
	case n > batchBytes:
		c.Data = append([]byte(nil), c.Data...)
	case n > 0:
		if len(a.cur.data)+n > cap(a.cur.data) && len(a.cur.data) > 0 {
			a.send()
		}
		if a.cur.data == nil {
			a.cur.data = make([]byte, 0, batchBytes)
		}
		start := len(a.cur.data)
		a.cur.data = append(a.cur.data, c.Data...)
		c.Data = a.cur.data[start:len(a.cur.data):len(a.cur.data)]
	}
	a.add(event{kind: evRaw, s: s, c: c}, false)
}

// SessionEnded sends the batch at once: the views write the session while
// the reader goes on.
func (a *async) SessionEnded(s *session.Session) {
	a.inFlight <- struct{}{}
	a.add(event{kind: evEnded, s: s}, true)
}

func (a *async) Lookup(l *dns.Lookup) { a.add(event{kind: evLookup, l: l}, false) }

// CaptureFinished waits for next to handle every event before it, and
// returns what next returned.
func (a *async) CaptureFinished(c stats.Capture) error {
	a.cur.events = append(a.cur.events, event{kind: evFinished, capture: c})
	a.full <- a.cur
	close(a.full)
	return <-a.done
}
