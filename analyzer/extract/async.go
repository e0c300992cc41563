package extract

import (
	"io"
	"sync"
	"sync/atomic"

	"github.com/mailtrace/mailtrace/analyzer/handoff"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// Async runs e on a goroutine of its own: the files are written, and
// each message's attachments decoded from it once it ends, while the
// reader and the parsers go on (on the main goroutine the attachments
// were a fifth of --extract's time). Everything e does happens there, in
// the order the events came, so what is written, and what the limits
// leave out, is what e alone writes. A message's bytes are copied (they
// are valid only during the call), and what e reads of a session and a
// message is read when the event comes (past the session's bound one
// message record serves many). An error e meets is told to e's OnError
// (set before Async) on the caller's goroutine, at the next event;
// CaptureFinished returns once e has handled every event, and e may be
// read after it.
func Async(e *Sink) sink.Sink {
	a := &async{e: e, q: handoff.New[event](asyncBatches), done: make(chan error)}
	a.warn, e.warn = e.warn, a.failed
	go a.q.Run(a.handle)
	return a
}

// asyncBatches bounds the batches in flight.
const asyncBatches = 4

type async struct {
	sink.Nop
	e    *Sink
	q    *handoff.Queue[event]
	done chan error

	warn       func(error) // e's OnError, called on the caller's goroutine
	mu         sync.Mutex
	err        error       // the first error e met
	failedOnce atomic.Bool // err is set
	warned     bool
}

type eventKind uint8

const (
	evStarted eventKind = iota
	evData
	evEnded
	evSessionEnded
	evFinished
)

type event struct {
	kind    eventKind
	s       *session.Session // a key: e reads nothing of it
	m       *session.Message // a key too
	started started
	ended   ended
	data    []byte
}

// handle hands e one event, on its goroutine.
func (a *async) handle(ev event) bool {
	switch ev.kind {
	case evStarted:
		a.e.start(ev.s, ev.m, ev.started)
	case evData:
		if fl := a.e.open[ev.m]; fl != nil {
			fl.Write(ev.data)
		}
	case evEnded:
		a.e.end(ev.m, ev.ended)
	case evSessionEnded:
		a.e.SessionEnded(ev.s)
	case evFinished:
		a.done <- a.e.CaptureFinished(stats.Capture{})
		return false
	}
	return true
}

// failed keeps the first error e met, for the caller's goroutine to tell.
func (a *async) failed(err error) {
	a.mu.Lock()
	if a.err == nil {
		a.err = err
	}
	a.mu.Unlock()
	a.failedOnce.Store(true)
}

// tell says the error e met, once, on the caller's goroutine.
func (a *async) tell() {
	if a.warned || a.warn == nil || !a.failedOnce.Load() {
		return
	}
	a.mu.Lock()
	err := a.err
	a.mu.Unlock()
	a.warned = true
	a.warn(err)
}

// add hands ev over, and says an error e met since the last.
func (a *async) add(ev event, send bool) {
	a.q.Add(ev, send)
	a.tell()
}

func (a *async) ReadsMessages() bool { return true }

func (a *async) MessageStarted(s *session.Session, m *session.Message) io.Writer {
	a.add(event{kind: evStarted, s: s, m: m, started: started{id: s.ID, proto: string(s.Protocol), via: m.Via}}, false)
	return &asyncWriter{a: a, m: m}
}

// MessageEnded sends the batch at once: the message's file is closed, and
// its attachments written, while the reader goes on.
func (a *async) MessageEnded(s *session.Session, m *session.Message) {
	a.add(event{kind: evEnded, m: m, ended: endOf(m)}, true)
}

func (a *async) SessionEnded(s *session.Session) { a.add(event{kind: evSessionEnded, s: s}, false) }

// CaptureFinished waits for e to handle every event before it, and
// returns what e returned.
func (a *async) CaptureFinished(stats.Capture) error {
	a.q.Add(event{kind: evFinished}, false)
	a.q.Close()
	err := <-a.done
	a.tell()
	return err
}

// asyncWriter hands a message's bytes over, copied.
type asyncWriter struct {
	a *async
	m *session.Message
}

func (w *asyncWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		w.a.add(event{kind: evData, m: w.m, data: w.a.q.Copy(p)}, false)
	}
	return len(p), nil
}
