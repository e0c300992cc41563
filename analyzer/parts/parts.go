// Package parts reads the MIME structure of a message as its bytes pass
// (RFC 2045-2049): for each leaf part its content type, file name,
// decoded size and SHA-256, without keeping the message. The walker is
// our own, pushed and in one pass whatever the nesting (walker.go); the
// header fields that describe a part are read as go-message reads them.
// Nested multiparts are walked; a message/rfc822 attachment is one part.
package parts

import (
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// MaxParts bounds the parts listed for one message; the rest are read
// and counted, not listed.
const MaxParts = 1000

// Reader is an io.Writer that a message's bytes are written to; Close
// returns its parts. A message longer than a chunk is walked on a
// goroutine of its own, which gets the bytes in chunks through a bounded
// queue: the analyzer hardly waits for it, and the work (a base64 scan,
// SHA-256 where parts are hashed) goes to another core. Close waits for
// the goroutine, so the result does not depend on scheduling.
type Reader struct {
	w *walker
	// small holds the message while it fits in one chunk: it is walked
	// at Close, on the caller's goroutine, without the goroutine and
	// buffers a long message needs (a FETCH of a hundred thousand
	// one-byte literals must cost little per literal).
	small   []byte
	started bool
	cur     []byte
	full    chan []byte // chunks to read
	bufs    *Buffers    // chunks read, to fill again
	done    chan struct{}
}

const (
	chunkSize = 16 << 10
	// chunks is how many chunks one message may have waiting for its
	// goroutine: a queue of 8 left the analyzer waiting on the walker
	// whenever a burst of base64 and SHA-256 ran long (--json on the
	// mail corpus 0.30 -> 0.27 s with 32).
	chunks = 32
	// inFlight bounds the chunks waiting across every message of a run,
	// so that memory does not grow with the messages open at once. (With
	// 128, --extract on the mail corpus peaked at 45 MiB one run in three
	// instead of 33: the soft memory limit follows the live heap up.)
	inFlight = 64
)

// Buffers hands the chunks message readers fill from one message to the
// next, across the connections of a run: each message allocated its own,
// 83 of the 149 MB --stats allocated reading the mail corpus (a small
// message's buffer too, grown as it came). Its methods may be called from
// any goroutine; it holds at most a MiB, and lets at most inFlight chunks
// wait for the walkers of all messages together.
type Buffers struct {
	free chan []byte
	// waiting holds a token for each chunk queued to a walker: a writer
	// waits for room here, never for a chunk being filled (which a
	// writer holds), so the walkers, which wait for nothing but their
	// queue, always make room.
	waiting chan struct{}
}

// NewBuffers returns an empty Buffers.
func NewBuffers() *Buffers {
	return &Buffers{free: make(chan []byte, 64), waiting: make(chan struct{}, inFlight)}
}

// get is an empty chunk, recycled or new.
func (b *Buffers) get() []byte {
	select {
	case c := <-b.free:
		return c[:0]
	default:
		return make([]byte, 0, chunkSize)
	}
}

// put keeps c for another message, or lets it go when enough are kept.
func (b *Buffers) put(c []byte) {
	if cap(c) != chunkSize {
		return
	}
	select {
	case b.free <- c:
	default:
	}
}

// NewReader starts reading a message; with hash, each part's SHA-256 is
// computed (a view that shows none need not pay for it: sizes and
// anomalies come from the decoding, the same either way). Its chunks come
// from bufs, and go back there at Close; nil: buffers of its own.
func NewReader(hash bool, bufs *Buffers) *Reader {
	if bufs == nil {
		bufs = NewBuffers()
	}
	return &Reader{w: newWalker(nil, hash), bufs: bufs}
}

// start hands the message to a goroutine of its own, once it is longer
// than a chunk.
func (r *Reader) start() {
	r.started = true
	r.full, r.done = make(chan []byte, chunks), make(chan struct{})
	go r.read()
	small := r.small
	r.small = nil
	r.write(small)
	r.bufs.put(small)
}

// Write takes more of the message: a line's worth that fits in the chunk
// being filled, the usual, at once.
func (r *Reader) Write(p []byte) (int, error) {
	if len(p) < cap(r.cur)-len(r.cur) {
		r.cur = append(r.cur, p...)
		return len(p), nil
	}
	return r.writeMore(p)
}

// writeMore takes what does not fit in the chunk being filled.
func (r *Reader) writeMore(p []byte) (int, error) {
	if !r.started {
		if len(r.small)+len(p) <= chunkSize {
			if r.small == nil {
				r.small = r.bufs.get()
			}
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
			r.cur = r.bufs.get()
		}
		k := copy(r.cur[len(r.cur):cap(r.cur)], p)
		r.cur, p = r.cur[:len(r.cur)+k], p[k:]
		if len(r.cur) == cap(r.cur) {
			r.queue(r.cur)
			r.cur = nil
		}
	}
	return n, nil
}

// Close ends the message and returns its parts and how many more there
// were past MaxParts.
func (r *Reader) Close() ([]session.Part, int) {
	if r.started {
		if len(r.cur) > 0 {
			r.queue(r.cur)
		}
		close(r.full)
		<-r.done
	} else {
		r.w.Write(r.small)
	}
	r.w.Close()
	r.bufs.put(r.small)
	r.small = nil
	return r.w.parts, r.w.more
}

// Repaired counts, after Close, the part headers that ended at a line
// that was no header field (mail programs read on past it).
func (r *Reader) Repaired() int { return r.w.repaired }

// Bounded counts, after Close, the headers ended at MaxHeaderBytes or
// MaxHeaderFields (what followed was counted as body, not read as fields)
// and the multiparts nested past MaxDepth (read as one part).
func (r *Reader) Bounded() int { return r.w.bounded }

// queue hands a chunk to the goroutine, once there is room for it among
// the chunks waiting in the run.
func (r *Reader) queue(c []byte) {
	r.bufs.waiting <- struct{}{}
	r.full <- c
}

// read walks the chunks as they come.
func (r *Reader) read() {
	defer close(r.done)
	for c := range r.full {
		r.w.Write(c)
		r.bufs.put(c)
		<-r.bufs.waiting
	}
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
// them). The transfer encoding is decoded, and no charset converted, so
// that the bytes are those that were sent.
func WalkEach(src io.Reader, each func(i int, p session.Part) io.Writer) (parts []session.Part, more int) {
	w := walk(src, each, false)
	return w.parts, w.more
}

// walk pushes src through a walker.
func walk(src io.Reader, each func(i int, p session.Part) io.Writer, hash bool) *walker {
	w := newWalker(each, hash)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		w.Write(buf[:n])
		if err != nil {
			break
		}
	}
	w.Close()
	return w
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
