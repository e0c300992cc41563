// Package parts reads the MIME structure of a message as its bytes pass
// (RFC 2045-2049, with emersion/go-message): for each leaf part its
// content type, file name, decoded size and SHA-256, without keeping the
// message. Nested multiparts are walked; a message/rfc822 attachment is
// one part.
package parts

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// MaxParts bounds the parts listed for one message; the rest are read
// and counted, not listed.
const MaxParts = 1000

// Reader is an io.Writer that a message's bytes are written to; Close
// returns its parts. The MIME library pulls from a reader, so it runs on a
// goroutine of its own, which gets the bytes in chunks through a bounded
// queue: the analyzer hardly waits for it, and the work goes to another
// core. Close waits for the goroutine, so the result does not depend on
// scheduling.
type Reader struct {
	// small holds the message while it fits in one chunk: it is walked
	// at Close, on the caller's goroutine, without the goroutine and
	// buffers a long message needs (a FETCH of a hundred thousand
	// one-byte literals must cost little per literal).
	small    []byte
	started  bool
	cur      []byte
	full     chan []byte // chunks to read
	free     chan []byte // chunks read, to fill again
	done     chan struct{}
	parts    []session.Part
	more     int
	repaired int
	bounded  int
	hash     bool
}

const (
	chunkSize = 16 << 10
	chunks    = 8 // at most this many chunks per message in flight
)

// NewReader starts reading a message; with hash, each part's SHA-256 is
// computed (a view that shows none need not pay for it: sizes and
// anomalies come from the decoding, the same either way).
func NewReader(hash bool) *Reader { return &Reader{hash: hash} }

// start hands the message to a goroutine of its own, once it is longer
// than a chunk.
func (r *Reader) start() {
	r.started = true
	r.full, r.free, r.done = make(chan []byte, chunks), make(chan []byte, chunks), make(chan struct{})
	go r.read()
	small := r.small
	r.small = nil
	r.write(small)
}

// Write takes more of the message.
func (r *Reader) Write(p []byte) (int, error) {
	if !r.started {
		if len(r.small)+len(p) <= chunkSize {
			r.small = append(r.small, p...)
			return len(p), nil
		}
		r.start()
	}
	return r.write(p)
}

func (r *Reader) write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if r.cur == nil {
			select {
			case r.cur = <-r.free:
				r.cur = r.cur[:0]
			default:
				r.cur = make([]byte, 0, chunkSize)
			}
		}
		k := copy(r.cur[len(r.cur):cap(r.cur)], p)
		r.cur, p = r.cur[:len(r.cur)+k], p[k:]
		if len(r.cur) == cap(r.cur) {
			r.full <- r.cur
			r.cur = nil
		}
	}
	return n, nil
}

// Close ends the message and returns its parts and how many more there
// were past MaxParts.
func (r *Reader) Close() ([]session.Part, int) {
	if !r.started {
		w := walkSized(bytes.NewReader(r.small), nil, r.hash, len(r.small)+1)
		r.parts, r.more, r.repaired, r.bounded = w.parts, w.more, w.repaired, w.bounded
		r.small = nil
		return r.parts, r.more
	}
	if len(r.cur) > 0 {
		r.full <- r.cur
	}
	close(r.full)
	<-r.done
	return r.parts, r.more
}

// Repaired counts, after Close, the part headers that ended at a line
// that was no header field (mail programs read on past it).
func (r *Reader) Repaired() int { return r.repaired }

// Bounded counts, after Close, the headers ended at MaxHeaderBytes or
// MaxHeaderFields (what followed was counted as body, not read as fields)
// and the multiparts nested past MaxDepth (read as one part).
func (r *Reader) Bounded() int { return r.bounded }

func (r *Reader) read() {
	defer close(r.done)
	q := &queue{r: r}
	w := walk(q, nil, r.hash)
	r.parts, r.more, r.repaired, r.bounded = w.parts, w.more, w.repaired, w.bounded
	io.Copy(io.Discard, q) // whatever the parser left unread
}

// queue is the io.Reader end of a Reader's chunks.
type queue struct {
	r   *Reader
	buf []byte
	all []byte
}

func (q *queue) Read(p []byte) (int, error) {
	for len(q.buf) == 0 {
		if q.all != nil {
			select {
			case q.r.free <- q.all:
			default:
			}
			q.all = nil
		}
		c, ok := <-q.r.full
		if !ok {
			return 0, io.EOF
		}
		q.all, q.buf = c, c
	}
	n := copy(p, q.buf)
	q.buf = q.buf[n:]
	return n, nil
}

// Walk reads a whole message from src and lists its leaf parts. A
// message that is not MIME is one text part.
func Walk(src io.Reader) (parts []session.Part, more int) {
	w := walk(src, nil, true)
	return w.parts, w.more
}

// WalkEach is Walk that also hands each part's decoded bytes to the
// writer each returns for it (nil: none), as they are read, and computes
// no SHA-256 (the parts it lists have none: what takes the bytes has
// them). Parts are read raw (go-message's textproto) and their transfer
// encoding decoded here: base64 in large blocks, and no charset
// conversion, so that the bytes are those that were sent.
func WalkEach(src io.Reader, each func(i int, p session.Part) io.Writer) (parts []session.Part, more int) {
	w := walk(src, each, false)
	return w.parts, w.more
}

func walk(src io.Reader, each func(i int, p session.Part) io.Writer, hash bool) *walker {
	return walkSized(src, each, hash, 32<<10)
}

// walkSized is walk with buffers of at most size bytes, for a message
// known to be that short.
func walkSized(src io.Reader, each func(i int, p session.Part) io.Writer, hash bool, size int) *walker {
	w := &walker{each: each, hash: hash, buf: min(size, 32<<10)}
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

// MaxDepth bounds the nesting of multiparts followed: each level reads
// every byte of those below it again, and mail programs nest a handful
// (a forwarded message's attachments are three or four deep).
const MaxDepth = 10

type walker struct {
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
// walker's buffer (io.Discard's would take one of 8 KiB a part).
type onlyWriter struct{ io.Writer }

// onlyReader hides a reader's WriteTo for the same reason (io.MultiReader's
// takes 32 KiB a part).
type onlyReader struct{ io.Reader }

// entity walks one entity: the parts of a multipart (RFC 2046 §5.1), or
// a leaf.
func (w *walker) entity(h message.Header, body io.Reader, depth int) {
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
func (w *walker) leaf(h message.Header, body io.Reader) {
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
	dec := decoder(h.Get("Content-Transfer-Encoding"), body)
	if b, ok := dec.(*b64); ok && dst == io.Discard {
		// Nothing takes the bytes: base64's size is arithmetic.
		part.Size = b.size()
	} else {
		part.Size = w.copy(dst, dec)
	}
	if sum != nil {
		part.SHA256 = hex.EncodeToString(sum.Sum(nil))
	}
	if b, ok := dec.(*b64); ok {
		part.Skipped = b.stray
	}
	if len(w.parts) < MaxParts {
		w.parts = append(w.parts, part)
	} else {
		w.more++
	}
}

// copy copies src to dst through the walker's one buffer.
func (w *walker) copy(dst io.Writer, src io.Reader) int64 {
	if w.copyBuf == nil {
		w.copyBuf = make([]byte, max(w.buf, 512))
	}
	n, _ := io.CopyBuffer(onlyWriter{dst}, onlyReader{src}, w.copyBuf)
	return n
}

// decoder undoes a Content-Transfer-Encoding (RFC 2045 §6).
func decoder(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return newBase64(r)
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

var words = &mime.WordDecoder{CharsetReader: charset.Reader}

// describe reads a part's header: its type, its disposition, and its
// file name from Content-Disposition's filename (RFC 2183, RFC 2231) or
// Content-Type's name, with RFC 2047 words decoded as mail programs write
// them there too.
func describe(h message.Header) session.Part {
	var part session.Part
	mt, ctParams, _ := h.ContentType()
	part.ContentType = strings.ToLower(mt)
	if part.ContentType == "" {
		part.ContentType = "text/plain" // RFC 2045 §5.2
	}
	disp, dParams, _ := h.ContentDisposition()
	part.Disposition = strings.ToLower(disp)
	// RFC 2231's forms are read here in every charset: Go's mime package
	// keeps only UTF-8 and US-ASCII, and of continuations in another
	// charset it keeps the plain ones alone (".txt" of "niño.txt").
	name := rfc2231(h.Get("Content-Disposition"), "filename")
	if name == "" {
		name = dParams["filename"]
	}
	if name == "" {
		name = rfc2231(h.Get("Content-Type"), "name")
	}
	if name == "" {
		name = plainParam(h.Get("Content-Disposition"), "filename")
	}
	if name == "" {
		name = ctParams["name"]
	}
	if name == "" {
		name = plainParam(h.Get("Content-Type"), "name")
	}
	if d, err := words.DecodeHeader(name); err == nil {
		name = d
	}
	part.Filename = name
	return part
}
