package parts

import (
	"bufio"
	"bytes"
	"io"
)

// Bounds on a header read whole by the MIME library, which keeps every
// field of it in memory (go-message's textproto says its reader must be
// bounded): a message's own header and each part's. Real headers are a
// few kilobytes; a long Received or ARC chain, or a To of thousands of
// recipients, stays well within them.
const (
	MaxHeaderBytes  = 256 << 10
	MaxHeaderFields = 10000
)

// headerGuard passes a message's bytes on, as the MIME library is to read
// them, line by line while in a header:
//   - past MaxHeaderBytes or MaxHeaderFields the header is ended there
//     (a blank line is put in) and bounded is counted: the rest is read as
//     body, its bytes counted, instead of kept;
//   - in a part's header (repair), a line that is no header field (no
//     colon, no leading white space) ends that header and is the first of
//     the part's body, as mail programs read it (Python's email:
//     MissingHeaderBodySeparatorDefect); the MIME library would otherwise
//     stop at it and hide every later part. repaired counts them.
//
// Outside headers a message's own guard passes bytes straight through;
// a multipart body's follows its delimiter lines to find part headers.
type headerGuard struct {
	r        *bufio.Reader
	delim    []byte // "--" boundary of a multipart body; nil for a message's own header
	repair   bool
	inHeader bool
	midLine  bool // the last piece read did not end its line
	size     int  // bytes of the header being read
	fields   int
	pending  []byte // what is to be handed out
	repaired *int
	bounded  *int
	// byLine reads a part's body line by line too, as the guard did
	// before it passed the body on in blocks (the tests' reference).
	byLine bool
}

// newPartHeaders guards the part headers of a multipart body.
func newPartHeaders(r io.Reader, boundary string, repaired, bounded *int, size int) io.Reader {
	return &headerGuard{r: bufio.NewReaderSize(r, min(size, 4<<10)), delim: []byte("--" + boundary), repair: true, repaired: repaired, bounded: bounded}
}

// newMessageHeader guards a message's own header.
func newMessageHeader(r io.Reader, bounded *int, size int) io.Reader {
	var repaired int
	return &headerGuard{r: bufio.NewReaderSize(r, min(size, 4<<10)), inHeader: true, repaired: &repaired, bounded: bounded}
}

func (p *headerGuard) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if !p.inHeader && p.delim == nil {
			return p.r.Read(b) // past the message's header: nothing more to guard
		}
		if !p.inHeader && !p.byLine {
			if n := p.body(b); n > 0 {
				return n, nil
			}
		}
		line, err := p.r.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			return 0, err
		}
		start := !p.midLine
		whole := err == nil // a line longer than the buffer comes in pieces
		p.midLine = !whole && err == bufio.ErrBufferFull
		text := trimEOL(line)
		p.pending = p.pending[:0]
		switch {
		case p.delim != nil && start && whole && bytes.HasPrefix(text, p.delim):
			p.inHeader = !bytes.HasPrefix(text[len(p.delim):], []byte("--"))
			p.size, p.fields = 0, 0
		case !p.inHeader:
		case start && whole && len(text) == 0:
			p.inHeader = false
		case p.repair && start && whole && text[0] != ' ' && text[0] != '\t' && bytes.IndexByte(text, ':') < 0:
			p.inHeader = false
			*p.repaired++
			p.pending = append(p.pending, "\r\n"...)
		case p.repair && !whole:
			p.inHeader = false // a part header line too long to be one
		default:
			if start && len(text) > 0 && text[0] != ' ' && text[0] != '\t' {
				p.fields++
			}
			if p.size += len(line); p.size > MaxHeaderBytes || p.fields > MaxHeaderFields {
				p.inHeader = false
				*p.bounded++
				if start {
					p.pending = append(p.pending, "\r\n"...)
				} else {
					p.pending = append(p.pending, "\r\n\r\n"...) // the line so far ends, and the header with it
				}
			}
		}
		p.pending = append(p.pending, line...)
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// body hands on the bytes of a part's body up to the next line that may
// be this body's delimiter (it begins with "--" boundary, or with as much
// of it as is buffered), which is read as a line: every level of a
// multipart reads the bytes below it, and line by line each level paid
// for every line of every part (a third of --stats' time on the mail
// corpus, whose attachments are base64 lines; ten times over in MIME
// nested ten deep, whose every line is some level's delimiter). It
// returns 0 at such a line, or when nothing is buffered: the line path
// reads more (and says the reader's error, which a Peek here would take).
func (p *headerGuard) body(b []byte) int {
	buf, _ := p.r.Peek(min(p.r.Buffered(), len(b)))
	if len(buf) == 0 || !p.midLine && p.mayBeDelim(buf) {
		return 0
	}
	n := len(buf)
	for from := 0; ; {
		i := bytes.Index(buf[from:], []byte("\n-"))
		if i < 0 {
			break
		}
		if from += i + 1; p.mayBeDelim(buf[from:]) {
			n = from
			break
		}
	}
	copy(b, buf[:n])
	p.r.Discard(n)
	p.midLine = buf[n-1] != '\n'
	return n
}

// mayBeDelim reports whether a line that begins with b may be a
// delimiter line: b begins with the delimiter, or is the start of it.
func (p *headerGuard) mayBeDelim(b []byte) bool {
	if len(b) < len(p.delim) {
		return bytes.HasPrefix(p.delim, b)
	}
	return bytes.HasPrefix(b, p.delim)
}

// trimEOL is line without its CR and LF ends (bytes.TrimRight builds its
// set of bytes on every call, and this runs on every line of every level
// of a multipart).
func trimEOL(line []byte) []byte {
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line
}
