package proto

import (
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The records of exchanges past the session's bound, lent again. Past
// --max-exchanges a session keeps no exchange, yet each command had its
// records made (its exchange, its reply), for the collector to take back
// while it marked the 20 000 kept ones again at every cycle: half of a
// flood's CPU. A parser says which exchanges it keeps no pointer to
// (PushLoose, Release); once such an exchange is past the bound and done
// with, its records are the next command's.

// Record returns a new exchange of command cmd, not recorded yet: the
// record of one past the session's bound that nothing holds any more
// where there is one, else one allocated with it (session.NewExchange).
func (c *Conn) Record(cmd session.Command) *session.Exchange {
	if e := pop(&c.spares); e != nil {
		if r := e.Response; r != nil && cap(r.Lines) <= 2 && len(c.replies) < maxSpares {
			c.replies = append(c.replies, r) // a short reply's, for NewResponse
		}
		return e.Reuse(cmd)
	}
	return session.NewExchange(cmd)
}

// NewResponse is session.NewResponse, in the record of a short reply
// whose exchange's record was reused (Record) where there is one.
func (c *Conn) NewResponse(status string, t time.Time, n int) *session.Response {
	if n <= 2 {
		if r := pop(&c.replies); r != nil {
			return r.Reuse(status, t)
		}
	}
	return session.NewResponse(status, t, n)
}

// pop takes the last record off list, nil when there is none.
func pop[T any](list *[]*T) *T {
	n := len(*list)
	if n == 0 {
		return nil
	}
	x := (*list)[n-1]
	(*list)[n-1] = nil
	*list = (*list)[:n-1]
	return x
}

// NewLine is session.NewLine, made as NewResponse makes a reply.
func (c *Conn) NewLine(status string, t time.Time, line string) *session.Response {
	r := c.NewResponse(status, t, 1)
	r.Lines = append(r.Lines, line)
	return r
}

// PushLoose records and queues e as PushExchange does, for a parser
// that keeps no pointer to e or its command once the call that answers
// it or gives it up returns (session.Exchange.Loose): past the session's
// bound its record is then the next command's (Record).
func (c *Conn) PushLoose(e *session.Exchange) {
	e.Loose()
	c.PushExchange(e)
}

// Release says the parser holds e no more, nor its command, now that it
// is answered (or will not be): past the session's bound its record is
// then the next command's (Record). For a parser that pairs replies by
// a rule of its own (IMAP's tags); one that queues its commands says so
// as it queues them (PushLoose).
func (c *Conn) Release(e *session.Exchange) {
	e.Loose()
	c.letGo(e)
}

// letGo takes the record of e, answered or given up, for the next
// command where nothing holds it any more.
func (c *Conn) letGo(e *session.Exchange) {
	if e.Spare() && len(c.spares) < maxSpares {
		c.spares = append(c.spares, e)
	}
}

// maxSpares bounds the spare records of each kind a connection holds:
// 224 KiB of exchanges, 240 KiB of replies.
const maxSpares = 1024
