// Package handoff carries events from the reader's goroutine to a sink
// running on a goroutine of its own, in order, in batches: a channel
// send for each event, and an allocation for each piece of bytes, cost
// the reader more than the event (--follow hands over every byte of the
// capture a chunk of a packet at a time). Bytes an event carries are
// copied into its batch's buffer, which goes back and forth with it.
package handoff

// Queue is the reader's end and the sink's; batches bounds what is in
// flight, and the reader waits when the sink is that far behind.
type Queue[E any] struct {
	cur  *batch[E] // being filled by the reader
	full chan *batch[E]
	free chan *batch[E]
}

type batch[E any] struct {
	events []E
	data   []byte
}

// Bounds of a batch: at most Events events and Bytes of their bytes (an
// event's bytes larger than that are copied apart).
const (
	Events = 256
	Bytes  = 256 << 10
)

// New makes a queue of batches batches, two at least: one being filled,
// one being handled.
func New[E any](batches int) *Queue[E] {
	q := &Queue[E]{full: make(chan *batch[E], batches), free: make(chan *batch[E], batches)}
	for range max(batches, 2) - 1 {
		q.free <- &batch[E]{}
	}
	q.cur = &batch[E]{}
	return q
}

// Add puts e in the batch being filled, and sends the batch on when it is
// full or when send is set.
func (q *Queue[E]) Add(e E, send bool) {
	q.cur.events = append(q.cur.events, e)
	if send || len(q.cur.events) >= Events {
		q.send()
	}
}

func (q *Queue[E]) send() {
	q.full <- q.cur
	q.cur = <-q.free
}

// Copy copies p for the next event added, into the batch it will be in;
// the copy is valid until the sink has handled that event.
func (q *Queue[E]) Copy(p []byte) []byte {
	n := len(p)
	switch {
	case n > Bytes:
		return append([]byte(nil), p...)
	case n == 0:
		return nil
	}
	if len(q.cur.data)+n > cap(q.cur.data) && len(q.cur.data) > 0 {
		q.send()
	}
	if q.cur.data == nil {
		q.cur.data = make([]byte, 0, Bytes)
	}
	start := len(q.cur.data)
	q.cur.data = append(q.cur.data, p...)
	return q.cur.data[start:len(q.cur.data):len(q.cur.data)]
}

// Close sends the batch being filled, the last one.
func (q *Queue[E]) Close() {
	q.full <- q.cur
	close(q.full)
}

// Run hands the sink each event in order, on the caller's goroutine (the
// sink's), until handle says to stop or the queue is closed.
func (q *Queue[E]) Run(handle func(E) bool) {
	for b := range q.full {
		for _, e := range b.events {
			if !handle(e) {
				return
			}
		}
		clear(b.events) // what they held may go
		b.events, b.data = b.events[:0], b.data[:0]
		q.free <- b
	}
}
