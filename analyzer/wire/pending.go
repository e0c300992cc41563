package wire

import (
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Pending is the first-in first-out queue of commands awaiting replies,
// the pairing rule of SMTP (RFC 2920 §3) and POP3 (RFC 2449 §6). Entries
// are indexes into Session.Exchanges.
//
// After the capture lost server bytes, the queue drops the commands whose
// replies the gap must have held: a command the client sent after the last
// server bytes seen, in a later segment than the one before it, was sent
// because that one's reply arrived, unseen.
type Pending struct {
	q          []int
	lastServer time.Time
	gapFrom    time.Time
	gap        bool
}

// Push queues exchange i.
func (p *Pending) Push(i int) { p.q = append(p.q, i) }

// First is the oldest exchange awaiting a reply; ok is false when none.
func (p *Pending) First() (idx int, ok bool) {
	if len(p.q) == 0 {
		return 0, false
	}
	return p.q[0], true
}

// Shift moves up by one every queued index from at on, after an exchange
// was inserted there.
func (p *Pending) Shift(at int) {
	for i, idx := range p.q {
		if idx >= at {
			p.q[i]++
		}
	}
}

// Len is the number of commands awaiting replies.
func (p *Pending) Len() int { return len(p.q) }

// ServerData notes that the server sent bytes at t.
func (p *Pending) ServerData(t time.Time) { p.lastServer = t }

// ServerGap notes that server bytes were lost after the last ones seen.
func (p *Pending) ServerGap() {
	if !p.gap {
		p.gap, p.gapFrom = true, p.lastServer
	}
}

// Next removes and returns the exchange the next reply answers; ok is false
// when no command is waiting. Commands whose replies were lost in a gap are
// left unanswered with an anomaly on s.
func (p *Pending) Next(s *session.Session) (idx int, ok bool) {
	if p.gap {
		p.gap = false
		for len(p.q) >= 2 {
			c0, c1 := s.Exchanges[p.q[0]].Command, s.Exchanges[p.q[1]].Command
			if !c1.Time.After(c0.Time) || !c1.Time.After(p.gapFrom) {
				break
			}
			s.Anomaly(c0.Time, session.FromServer, "the reply to "+describe(c0)+" was lost in a capture gap")
			p.q = p.q[1:]
		}
	}
	if len(p.q) == 0 {
		return 0, false
	}
	idx = p.q[0]
	p.q = p.q[1:]
	return idx, true
}

func describe(c *session.Command) string {
	if c.Verb != "" {
		return c.Verb
	}
	return c.Kind
}
