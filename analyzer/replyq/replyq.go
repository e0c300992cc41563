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
	q          []entry[T]
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
	if len(q.q) >= MaxWaiting {
		oldest, dropped = q.q[0].v, true
		q.q = q.q[1:]
	}
	q.q = append(q.q, entry[T]{v, sent, acked})
	return oldest, dropped
}

// First is the oldest command awaiting a reply; ok is false when none.
func (q *Queue[T]) First() (v T, ok bool) {
	if len(q.q) == 0 {
		return v, false
	}
	return q.q[0].v, true
}

// Len is the number of commands awaiting replies.
func (q *Queue[T]) Len() int { return len(q.q) }

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
		for len(q.q) >= 2 {
			c0, c1 := q.q[0], q.q[1]
			answered := c1.sent.After(c0.sent) && c1.sent.After(q.gapFrom)
			if c0.acked >= 0 && c1.acked >= 0 {
				answered = c1.acked > c0.acked
			}
			if !answered {
				break
			}
			lost = append(lost, c0.v)
			q.q = q.q[1:]
		}
	}
	if len(q.q) == 0 {
		return v, lost, false
	}
	v = q.q[0].v
	q.q = q.q[1:]
	return v, lost, true
}
