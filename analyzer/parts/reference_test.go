package parts

// The walker the push walker replaced: go-message's pull readers, one per
// level of a multipart, behind a guard that repairs and bounds part
// headers. It is the tests' reference: on MIME as mail programs write it
// the two must list the same parts (FuzzWalkAsReference).

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

func refWalk(src io.Reader, each func(i int, p session.Part) io.Writer, hash bool) *refWalker {
	return refWalkSized(src, each, hash, 32<<10)
}

// refWalkSized is walk with buffers of at most size bytes, for a message
// known to be that short.
func refWalkSized(src io.Reader, each func(i int, p session.Part) io.Writer, hash bool, size int) *refWalker {
	w := &refWalker{each: each, hash: hash, buf: min(size, 32<<10)}
	seen := &replay{r: src}
	br := bufio.NewReaderSize(newMessageHeader(seen, &w.bounded, w.buf), w.buf)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		// No header to read (a message typed at a telnet prompt): the
		// bytes are one text part, if what the attempt read was kept.
		if !seen.over {
			w.leaf(message.Header{}, io.MultiReader(bytes.NewReader(seen.buf), src))
		}
		return w
	}
	w.entity(message.Header{Header: h}, br, 0)
	return w
}

type refWalker struct {
	hash     bool // compute each part's SHA-256
	each     func(int, session.Part) io.Writer
	parts    []session.Part
	more     int
	n        int
	repaired int // part headers ended at a line that was no field
	bounded  int // headers ended at their bounds
	buf      int // the size of the readers' buffers
	copyBuf  []byte
}

// onlyWriter hides a writer's ReadFrom, so that io.CopyBuffer uses the
// refWalker's buffer (io.Discard's would take one of 8 KiB a part).
type onlyWriter struct{ io.Writer }

// onlyReader hides a reader's WriteTo for the same reason (io.MultiReader's
// takes 32 KiB a part).
type onlyReader struct{ io.Reader }

// entity walks one entity: the parts of a multipart (RFC 2046 §5.1), or
// a leaf.
func (w *refWalker) entity(h message.Header, body io.Reader, depth int) {
	mt, params, _ := h.ContentType()
	multipart := strings.HasPrefix(strings.ToLower(mt), "multipart/") && params["boundary"] != ""
	if multipart && depth >= MaxDepth {
		w.bounded++ // nested deeper than followed: the rest is one part
	}
	if multipart && depth < MaxDepth {
		mr := textproto.NewMultipartReader(newPartHeaders(body, params["boundary"], &w.repaired, &w.bounded, w.buf), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return // the end, or a structure broken past here
			}
			w.entity(message.Header{Header: p.Header}, p, depth+1)
		}
	}
	w.leaf(h, body)
}

// leaf describes a part and reads its decoded bytes.
func (w *refWalker) leaf(h message.Header, body io.Reader) {
	if len(w.parts) >= MaxParts && w.each == nil {
		// Counted, not listed: nothing shows its type, name, size or
		// sum, so none is read (MIME of 450 000 parts).
		w.more++
		w.n++
		w.copy(io.Discard, body)
		return
	}
	part := describe(h)
	var sum hash.Hash
	var dst io.Writer = io.Discard
	if w.hash {
		sum = sha256.New()
		dst = sum
	}
	if w.each != nil {
		switch x := w.each(w.n, part); {
		case x != nil && sum == nil:
			dst = x
		case x != nil:
			dst = io.MultiWriter(dst, x)
		}
	}
	w.n++
	dec := refDecoder(h.Get("Content-Transfer-Encoding"), body)
	if b, ok := dec.(*refB64); ok && dst == io.Discard {
		// Nothing takes the bytes: base64's size is arithmetic.
		part.Size = b.size()
	} else {
		part.Size = w.copy(dst, dec)
	}
	if sum != nil {
		part.SHA256 = hex.EncodeToString(sum.Sum(nil))
	}
	if b, ok := dec.(*refB64); ok {
		part.Skipped = b.stray
	}
	if len(w.parts) < MaxParts {
		w.parts = append(w.parts, part)
	} else {
		w.more++
	}
}

// copy copies src to dst through the refWalker's one buffer.
func (w *refWalker) copy(dst io.Writer, src io.Reader) int64 {
	if w.copyBuf == nil {
		w.copyBuf = make([]byte, max(w.buf, 512))
	}
	n, _ := io.CopyBuffer(onlyWriter{dst}, onlyReader{src}, w.copyBuf)
	return n
}

// decoder undoes a Content-Transfer-Encoding (RFC 2045 §6).
func refDecoder(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return newRefBase64(r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// replay keeps the first bytes read through it, so that they can be read
// again if the header turns out not to be one.
type replay struct {
	r    io.Reader
	buf  []byte
	over bool // more was read than kept
}

const replayMax = 64 << 10

func (p *replay) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if len(p.buf)+n <= replayMax {
		p.buf = append(p.buf, b[:n]...)
	} else {
		p.over = true
	}
	return n, err
}

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

// refB64 decodes base64 as mail carries it (RFC 2045 §6.8): line breaks and
// every other byte outside the alphabet are ignored ("must be ignored by
// decoding software"), the latter counted (stray); what is left is
// decoded in large blocks.
type refB64 struct {
	r     io.Reader
	buf   []byte // encoded bytes read, others dropped, not yet decoded
	out   []byte // decoded, not yet handed out
	dec   []byte
	done  bool
	stray int64 // bytes outside the alphabet that were not white space
}

func newRefBase64(r io.Reader) *refB64 { return &refB64{r: r, buf: make([]byte, 0, 32<<10)} }

func (d *refB64) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.done {
			return 0, io.EOF
		}
		d.fill()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// fill reads more, and decodes what makes whole quanta (all at the end).
func (d *refB64) fill() {
	d.clean()
	whole := len(d.buf) / 4 * 4
	if d.done {
		whole = len(d.buf)
	}
	if whole == 0 && !d.done {
		return
	}
	d.out = d.dec[:d.decode(d.buf[:whole])]
	rest := copy(d.buf, d.buf[whole:])
	d.buf = d.buf[:rest]
}

// clean reads more into buf, keeping the alphabet's bytes only. Eight
// bytes at a time move whole while they are all in the alphabet (most of
// a line, RFC 2045 §6.8: at most 76 characters); the rest go one by one.
func (d *refB64) clean() {
	start := len(d.buf)
	n, err := d.r.Read(d.buf[start:cap(d.buf)])
	b, end := d.buf[:cap(d.buf)], start+n
	j := start
	for i := start; i < end; i++ {
		switch c := b[i]; {
		case alphabet[c]:
			b[j] = c
			j++
		case c != '\r' && c != '\n' && c != ' ' && c != '\t':
			d.stray++
		}
	}
	d.buf = b[:j]
	if err != nil {
		d.done = true
	}
}

// decode decodes src, whole quanta but at the very end, into d.dec and
// says how many bytes it gave.
func (d *refB64) decode(src []byte) int {
	if need := base64.RawStdEncoding.DecodedLen(len(src)) + 3; cap(d.dec) < need {
		d.dec = make([]byte, need)
	}
	m, derr := base64.StdEncoding.Decode(d.dec[:cap(d.dec)], src)
	if derr != nil {
		var bad base64.CorruptInputError
		if d.done && errors.As(derr, &bad) && len(src)%4 != 0 {
			// Padding missing at the very end: decode what is whole, and
			// the rest without padding.
			m, _ = base64.RawStdEncoding.Decode(d.dec[:cap(d.dec)], src)
		}
		d.done = true
	}
	return m
}

// size reads to the end and says how many bytes decoding gives, without
// decoding what needs none to be measured: whole quanta with no "=" in
// them are 3 bytes each (RFC 2045 §6.8), the usual body of an attachment.
// A block with "=" in it, or that ends the data in a part of a quantum,
// is decoded, so the size is always the one decoding gives.
func (d *refB64) size() int64 {
	var n int64
	for !d.done || len(d.buf) > 0 {
		d.clean()
		whole := len(d.buf) / 4 * 4
		if d.done {
			whole = len(d.buf)
		}
		src := d.buf[:whole]
		if len(src)%4 == 0 && bytes.IndexByte(src, '=') < 0 {
			n += int64(len(src) / 4 * 3)
		} else {
			n += int64(d.decode(src))
			if d.done {
				return n
			}
		}
		rest := copy(d.buf, d.buf[whole:])
		d.buf = d.buf[:rest]
		if d.done && rest == 0 {
			return n
		}
	}
	return n
}
