// Package replyq is the first-in first-out queue of commands awaiting
// replies: the pairing rule of SMTP (RFC 2920 §3) and POP3 (RFC 2449 §6),
// where a server answers pipelined commands in the order sent, so position
// pairs exactly where timestamps cannot.
//
// After the capture lost server bytes, the queue drops the commands whose
// replies the gap must have held. The client's acknowledgements say it: a
// command whose segment acknowledged more server bytes than the command
// before it was sent after the client had received more, the reply to
// that one (FIFO), which the capture lost; pipelined commands acknowledge
// the same. Without acknowledgements, time decides: a command sent after
// the last server bytes seen, in a later segment than the one before it,
// was sent because that one's reply arrived, unseen.
package replyq

import "time"

// MaxWaiting bounds the commands a queue holds. Clients pipeline a batch
// (RFC 2920: MAIL, RCPT for each recipient, DATA; a RETR for each
// message) of some thousands at most; a flood of commands no reply
// answers must not hold memory for each.
const MaxWaiting = 10000

// Queue holds commands of any type with the time each was sent; the zero
// value is empty and ready.
type Queue[T any] struct {
	// ring holds the n commands waiting from head on; its length is a
	// power of two (a slice cut from its front and appended to would be
	// copied whole every few thousand commands of a flood).
	ring       []entry[T]
	head, n    int
	lastServer time.Time
	gapFrom    time.Time
	gap        bool
}

type entry[T any] struct {
	v     T
	sent  time.Time
	acked int64 // server bytes acknowledged when sent; -1 unknown
}

// Push queues v, sent at sent when the client had acknowledged acked
// server bytes (-1: unknown). Past MaxWaiting the oldest is given up:
// dropped says so, and which.
func (q *Queue[T]) Push(v T, sent time.Time, acked int64) (oldest T, dropped bool) {
	if q.n >= MaxWaiting {
		oldest, dropped = q.pop().v, true
	}
	if q.n == len(q.ring) {
		ring := make([]entry[T], max(8, 2*len(q.ring)))
		for i := range q.n {
			ring[i] = *q.at(i)
		}
		q.ring, q.head = ring, 0
	}
	*q.at(q.n) = entry[T]{v, sent, acked}
	q.n++
	return oldest, dropped
}

// at is the i-th command waiting, the oldest first.
func (q *Queue[T]) at(i int) *entry[T] { return &q.ring[(q.head+i)&(len(q.ring)-1)] }

// pop removes the oldest command, and lets go of what it held.
func (q *Queue[T]) pop() entry[T] {
	e := q.ring[q.head]
	q.ring[q.head] = entry[T]{}
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	return e
}

// First is the oldest command awaiting a reply; ok is false when none.
func (q *Queue[T]) First() (v T, ok bool) {
	if q.n == 0 {
		return v, false
	}
	return q.at(0).v, true
}

// Len is the number of commands awaiting replies.
func (q *Queue[T]) Len() int { return q.n }

// ServerData notes that the server sent bytes at t.
func (q *Queue[T]) ServerData(t time.Time) { q.lastServer = t }

// ServerGap notes that server bytes were lost after the last ones seen.
func (q *Queue[T]) ServerGap() {
	if !q.gap {
		q.gap, q.gapFrom = true, q.lastServer
	}
}

// Next removes and returns the command the next reply answers; ok is false
// when none is waiting. lost lists the commands dropped before it because
// a gap held their replies.
func (q *Queue[T]) Next() (v T, lost []T, ok bool) {
	if q.gap {
		q.gap = false
		for q.n >= 2 {
			c0, c1 := q.at(0), q.at(1)
			answered := c1.sent.After(c0.sent) && c1.sent.After(q.gapFrom)
			if c0.acked >= 0 && c1.acked >= 0 {
				answered = c1.acked > c0.acked
			}
			if !answered {
				break
			}
			lost = append(lost, q.pop().v)
		}
	}
	if q.n == 0 {
		return v, lost, false
	}
	return q.pop().v, lost, true
}
