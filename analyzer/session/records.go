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
