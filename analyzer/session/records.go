package session

import "time"

// How the records a parser makes for each command and reply are
// allocated: a flood of six-byte commands makes one of each per six
// bytes, and every allocation more for each was a share of its cost.

// NewExchange returns an exchange of command c, the two allocated as
// one: a flood of commands allocates one record for each, not two.
func NewExchange(c Command) *Exchange {
	x := &struct {
		e Exchange
		c Command
	}{c: c}
	x.e.Command = &x.c
	return &x.e
}

// Reuse makes e, a record nothing holds any more (Spare), the record of
// a new exchange of command c, as NewExchange would make one.
func (e *Exchange) Reuse(c Command) *Exchange {
	cmd := e.Command
	*cmd = c
	*e = Exchange{Command: cmd}
	return e
}

// Reuse makes r, the reply of an exchange whose record was reused, a new
// reply of status at t, with the room for lines it had.
func (r *Response) Reuse(status string, t time.Time) *Response {
	lines := r.Lines[:0]
	clear(lines[:cap(lines)])
	*r = Response{Status: status, Time: t, Lines: lines}
	return r
}

// Loose says that nothing holds e but the session and the reply queue it
// waits in: the parser that made it keeps no pointer to it or its
// command once the call that answers it or gives it up returns.
func (e *Exchange) Loose() { e.loose = true }

// Spare reports whether e's record may be reused (Reuse), now that it is
// answered or given up: it is Loose, and past Limits.Exchanges, so the
// session holds it no more than the parser does. A flood of commands
// past the bound allocated a record for each that nothing kept, and
// collecting them was half of the flood's cost.
func (e *Exchange) Spare() bool { return e.loose && e.past }

// NewResponse returns a response with room for n lines, allocated with
// it where n is two or less: most replies are a line or two, and an
// allocation more for each was a flood's cost.
func NewResponse(status string, t time.Time, n int) *Response {
	if n > 2 {
		return &Response{Status: status, Time: t, Lines: make([]string, 0, n)}
	}
	x := &struct {
		r     Response
		lines [2]string
	}{r: Response{Status: status, Time: t}}
	x.r.Lines = x.lines[:0]
	return &x.r
}

// NewLine returns a response of one line, allocated as NewResponse does.
func NewLine(status string, t time.Time, line string) *Response {
	r := NewResponse(status, t, 1)
	r.Lines = append(r.Lines, line)
	return r
}
