package reassembly

import (
	"bufio"
	"errors"
	"io"
)

// input is what a capture's readers take their bytes from, a run at a
// time: a run the buffer holds is handed out where it lies, a longer one
// is copied out. Either way the reader copies no more than the packets'
// bytes into its batch.
type input struct {
	r     *bufio.Reader
	large []byte // for runs longer than the buffer
}

// take is the next n bytes, valid until the next call: io.EOF when none
// is left, io.ErrUnexpectedEOF when fewer than n are.
func (s *input) take(n int) ([]byte, error) {
	if n <= s.r.Size() {
		b, err := s.r.Peek(n)
		if len(b) < n {
			return nil, endOf(len(b), err)
		}
		s.r.Discard(n) // what Peek just gave: cannot fail
		return b, nil
	}
	if cap(s.large) < n {
		s.large = make([]byte, n)
	}
	b := s.large[:n]
	k, err := io.ReadFull(s.r, b)
	if err != nil {
		return nil, endOf(k, err)
	}
	return b, nil
}

// skip passes over the next n bytes; the errors are take's.
func (s *input) skip(n int) error {
	k, err := s.r.Discard(n)
	if k < n {
		return endOf(k, err)
	}
	return nil
}

// endOf is the error of a read that got k bytes of those it wanted: the
// end of the input where it got none, a cut inside what it wanted
// otherwise, or what the reader said went wrong.
func endOf(k int, err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if k == 0 {
			return io.EOF
		}
		return io.ErrUnexpectedEOF
	}
	return err
}
