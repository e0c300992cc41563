package parts

import (
	"bufio"
	"bytes"
	"io"
)

// partHeaders reads a multipart body as mail programs do where a part's
// header holds a line that is no header field (no colon, no leading white
// space): that header ends before it, and the line is the first of the
// part's body (Python's email: MissingHeaderBodySeparatorDefect). The MIME
// library would otherwise stop at it and hide every later part (an
// attachment no view would list). Lines are passed on as they are, with
// a blank line put before the bad one; repaired counts them.
type partHeaders struct {
	r        *bufio.Reader
	delim    []byte // "--" boundary
	inHeader bool   // after a delimiter line, before the blank line
	pending  []byte // what is to be handed out
	repaired *int
}

func newPartHeaders(r io.Reader, boundary string, repaired *int) io.Reader {
	return &partHeaders{r: bufio.NewReaderSize(r, 4<<10), delim: []byte("--" + boundary), repaired: repaired}
}

func (p *partHeaders) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		line, err := p.r.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			return 0, err
		}
		whole := err == nil // a line longer than the buffer goes in pieces, as body
		text := bytes.TrimRight(line, "\r\n")
		switch {
		case whole && bytes.HasPrefix(text, p.delim):
			p.inHeader = !bytes.HasPrefix(text[len(p.delim):], []byte("--"))
		case p.inHeader && whole && len(text) == 0:
			p.inHeader = false
		case p.inHeader && whole && text[0] != ' ' && text[0] != '\t' && bytes.IndexByte(text, ':') < 0:
			p.inHeader = false
			*p.repaired++
			p.pending = append(p.pending[:0], "\r\n"...)
		case p.inHeader && !whole:
			p.inHeader = false // a header line too long to be one
		}
		p.pending = append(p.pending, line...)
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}
