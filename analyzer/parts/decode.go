package parts

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/bits"
	"strings"

	simd "github.com/segmentio/asm/base64"

	"github.com/mailtrace/mailtrace/analyzer/lines"
)

// A part's body is pushed through a decoder of its
// Content-Transfer-Encoding (RFC 2045 §6) as its bytes pass. Each counts
// the bytes decoding gives and hands them to out, when something takes
// them (a hash, a file); without out, base64's size is arithmetic and
// nothing is decoded.
type decoder interface {
	write(p []byte)
	finish()
	size() int64
}

// newDecoder is the decoder of a Content-Transfer-Encoding's value; out
// may be nil.
func newDecoder(enc string, out io.Writer) decoder {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return &b64{out: out}
	case "quoted-printable":
		return &qp{out: out}
	}
	return &identity{out: out}
}

// identity is 7bit, 8bit, binary and every encoding not known: the bytes
// are the content.
type identity struct {
	out io.Writer
	n   int64
}

func (d *identity) write(p []byte) {
	d.n += int64(len(p))
	if d.out != nil {
		d.out.Write(p)
	}
}

func (d *identity) finish()     {}
func (d *identity) size() int64 { return d.n }

// b64 decodes base64 as mail carries it (RFC 2045 §6.8): line breaks and
// every other byte outside the alphabet are ignored ("must be ignored by
// decoding software"), the latter counted (stray). The first "=" ends the
// data ("may be taken as evidence that the end of the data has been
// reached"): its quantum gives the bytes its characters hold, and what
// follows is not decoded. A last quantum cut short without padding gives
// what its characters hold too.
type b64 struct {
	out   io.Writer
	n     int64  // bytes the data decodes to, whole quanta and the padded one
	q     []byte // with out: characters not yet decoded, whole quanta first
	part  int    // without out: characters of the quantum under way
	pad   bool   // an "=" came: the data has ended
	stray int64  // bytes outside the alphabet that were not white space
	dec   []byte // what lines decodes
	flat  []byte // the lines lines decodes, without their breaks
}

// b64Block is how many characters are decoded at a time.
const b64Block = 16 << 10

func (d *b64) size() int64 { return d.n }

func (d *b64) write(p []byte) {
	tried := false // lines was tried once in this write: not again, or corrupt lines would each be read anew
	for len(p) > 0 {
		if d.pad {
			d.countStray(p)
			return
		}
		var k int
		switch {
		case d.out == nil && d.part != 0 && !tried:
			// The rest of a line begun in the last write, counted, so
			// that the lines after it go at once.
			k = d.count(p[:throughLine(p)])
		case d.out == nil:
			if !tried {
				tried = true
				if k = d.lines(p); k > 0 {
					p = p[k:]
					continue
				}
			}
			k = d.count(p)
		case len(d.q) == 0:
			if k = d.lines(p); k > 0 {
				p = p[k:]
				continue
			}
			k = d.keep(p)
		default:
			// A line begun in the last write: its rest is kept with it,
			// and the whole quanta decoded, so that the lines after it
			// go at once.
			n := throughLine(p)
			k = d.keep(p[:n])
			if k == n && len(d.q)%4 == 0 && !d.pad {
				d.flush()
				p = p[k:]
				continue
			}
		}
		p = p[k:]
		if len(p) > 0 && !d.pad {
			d.flush() // the buffer of characters is full
		}
	}
	if len(d.q) > 0 && len(d.q)%4 == 0 {
		// Whole quanta (a last line, whose line break comes in the next
		// write): decoded now, so that the next lines go at once.
		d.flush()
	}
}

// throughLine is how much of p its first line takes, its line break
// included; all of p where no line break ends it.
func throughLine(p []byte) int {
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		return i + 1
	}
	return len(p)
}

// count counts p's characters up to its end or the first "=", and says
// how far it read.
func (d *b64) count(p []byte) int {
	chars := 0
	i := 0
	for i < len(p) {
		if i+8 <= len(p) {
			if x := binary.LittleEndian.Uint64(p[i:]); x&highBits == 0 {
				if charsOf(x) == highBits {
					chars += 8 // the usual word
					i += 8
					continue
				}
				// A word of characters and line breaks is counted whole;
				// otherwise the bytes before the first that is neither.
				c, pad, space := classes(x)
				bad := (^(c | space) | pad) & highBits
				if bad == 0 {
					chars += bits.OnesCount64(c)
					i += 8
					continue
				}
				k := bits.TrailingZeros64(bad) / 8
				chars += bits.OnesCount64(c & (1<<(8*k) - 1))
				i += k
			}
		}
		c := p[i]
		i++
		switch {
		case c == '=':
			d.addChars(chars)
			d.padded(d.part)
			d.countStray(p[i:])
			return len(p)
		case alphabet[c]:
			chars++
		case c != '\r' && c != '\n' && c != ' ' && c != '\t':
			d.stray++
		}
	}
	d.addChars(chars)
	return len(p)
}

// addChars counts chars more characters of whole quanta and the one
// under way.
func (d *b64) addChars(chars int) {
	all := d.part + chars
	d.n += int64(all / 4 * 3)
	d.part = all % 4
}

// lines decodes p's whole lines at once, as encoders write them: their
// line breaks taken out, the characters go to segmentio/asm's decoder,
// which decodes 32 at a time with AVX2 where the processor has it (four
// times Go's decoder on attachments) and hands what it cannot to Go's. It
// says how far it read: nothing where the lines hold a byte outside the
// alphabet, an "=" before their end, or a quantum they do not end (all of
// which the decoder calls corrupt), and the bytes go through keep, or
// count. Without out, the decoded bytes are only counted: decoding them
// 32 at a time is faster than classing the characters 8 at a time, and
// the lines it takes hold no stray byte. FuzzLinesAsGo holds it to Go's
// decoder.
func (d *b64) lines(p []byte) int {
	end := bytes.LastIndexByte(p, '\n') + 1
	if end == 0 {
		return 0
	}
	if need := end/4*3 + 3; cap(d.dec) < need {
		d.dec = make([]byte, max(need, b64Block/4*3+3))
	}
	d.flat = unbroken(d.flat[:0], p[:end])
	m, err := simd.StdEncoding.Decode(d.dec[:cap(d.dec)], d.flat)
	if err != nil {
		return 0
	}
	d.n += int64(m)
	if d.out != nil {
		d.out.Write(d.dec[:m])
	}
	last := bytes.TrimRight(p[:end], "\r\n")
	d.pad = len(last) > 0 && last[len(last)-1] == '=' // the data's end
	return end
}

// unbroken appends text's lines, each ended by LF or CRLF, to dst
// without their endings. A CR left inside a line is skipped by the
// decoder, as Go's skips one wherever it is.
func unbroken(dst, text []byte) []byte {
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			return append(dst, text...)
		}
		dst = append(dst, lines.TrimCR(text[:i])...)
		text = text[i+1:]
	}
	return dst
}

// keep copies p's characters into q, up to its room, its end or the
// first "=", and says how far it read.
func (d *b64) keep(p []byte) int {
	if d.q == nil {
		d.q = make([]byte, 0, b64Block)
	}
	q := d.q[:cap(d.q)]
	j := len(d.q)
	i := 0
	for i < len(p) && j < len(q) {
		if i+8 <= len(p) && j+8 <= len(q) {
			if w := binary.LittleEndian.Uint64(p[i:]); w&highBits == 0 {
				// A word of characters moves whole; otherwise the
				// characters before the first byte that is none.
				bad := ^charsOf(w) & highBits
				if bad == 0 {
					binary.LittleEndian.PutUint64(q[j:], w)
					i, j = i+8, j+8
					continue
				}
				k := bits.TrailingZeros64(bad) / 8
				copy(q[j:], p[i:i+k])
				i, j = i+k, j+k
			}
		}
		c := p[i]
		i++
		switch {
		case c == '=':
			d.q = q[:j]
			d.flush()
			d.padded(len(d.q))
			d.q = d.q[:0]
			d.countStray(p[i:])
			return len(p)
		case alphabet[c]:
			q[j] = c
			j++
		case c != '\r' && c != '\n' && c != ' ' && c != '\t':
			d.stray++
		}
	}
	d.q = q[:j]
	return i
}

// flush decodes the whole quanta in q.
func (d *b64) flush() {
	whole := len(d.q) / 4 * 4
	d.emit(d.q[:whole])
	d.q = d.q[:copy(d.q, d.q[whole:])]
}

// emit decodes characters that are whole quanta, or end the data.
func (d *b64) emit(chars []byte) {
	if len(chars) == 0 {
		return
	}
	if need := len(chars)/4*3 + 3; cap(d.dec) < need {
		d.dec = make([]byte, max(need, b64Block/4*3+3))
	}
	m, _ := base64.RawStdEncoding.Decode(d.dec[:cap(d.dec)], chars)
	d.n += int64(m)
	d.out.Write(d.dec[:m])
}

// padded ends the data at an "=" that came after part characters of its
// quantum (in q, with out): two give a byte, three give two; none or one
// give nothing (a malformed quantum).
func (d *b64) padded(part int) {
	d.pad = true
	if d.out == nil {
		d.n += int64(max(part-1, 0))
		d.part = 0
		return
	}
	if part >= 2 {
		d.emit(d.q[:part])
	}
}

// countStray counts the bytes after the data's end that are outside the
// alphabet, as before it.
func (d *b64) countStray(p []byte) {
	for _, c := range p {
		if !alphabet[c] && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			d.stray++
		}
	}
}

// finish decodes a last quantum cut short.
func (d *b64) finish() {
	if d.pad {
		return
	}
	if d.out == nil {
		d.n += int64(max(d.part-1, 0))
		d.part = 0
		return
	}
	whole := len(d.q) / 4 * 4
	if len(d.q)-whole == 1 {
		d.q = d.q[:whole] // one character holds no byte
	}
	d.emit(d.q)
	d.q = d.q[:0]
}

// qp decodes quoted-printable (RFC 2045 §6.7) as mail programs do, and
// as Go's mime/quotedprintable does but where it gives up: white space at
// a line's end is dropped; "=" at a line's end is a soft line break; "="
// and two hexadecimal digits (either case) are a byte; an "=" that starts
// nothing of these is itself; line breaks are kept as they came; every
// other byte is itself (Go's reader stops at a control character).
type qp struct {
	out  io.Writer
	n    int64
	ws   []byte // white space (and CRs) that may end the line, held
	eq   int    // 1: an "=" held; 2: and a hex digit (hex)
	hex  byte
	eqWS bool // white space after the held "=": a soft break if the line ends
	buf  []byte
}

// maxQPSpace bounds the white space held to learn whether it ends a line;
// past it, it is content.
const maxQPSpace = 4 << 10

func (d *qp) size() int64 { return d.n }

func (d *qp) put(b ...byte) {
	d.n += int64(len(b))
	if d.out == nil {
		return
	}
	if len(d.buf)+len(b) > cap(d.buf) {
		d.flushOut()
		if d.buf == nil {
			d.buf = make([]byte, 0, 4<<10)
		}
	}
	d.buf = append(d.buf, b...)
}

func (d *qp) flushOut() {
	if d.out != nil && len(d.buf) > 0 {
		d.out.Write(d.buf)
	}
	d.buf = d.buf[:0]
}

// release hands on what was held as content: the line did not end.
func (d *qp) release() {
	switch d.eq {
	case 1:
		d.put('=')
	case 2:
		d.put('=', d.hex)
	}
	d.eq = 0
	if len(d.ws) > 0 {
		d.put(d.ws...)
		d.ws = d.ws[:0]
	}
	d.eqWS = false
}

func (d *qp) write(p []byte) {
	for _, c := range p {
		switch {
		case c == '\n':
			// The line ends: held white space goes, and a held "="
			// (with white space or a CR after it) is a soft break.
			soft := d.eq == 1
			if d.eq == 2 {
				d.put('=', d.hex)
			}
			cr := len(d.ws) > 0 && d.ws[len(d.ws)-1] == '\r'
			d.ws, d.eq, d.eqWS = d.ws[:0], 0, false
			if soft {
				continue
			}
			if cr {
				d.put('\r', '\n')
			} else {
				d.put('\n')
			}
		case c == ' ' || c == '\t' || c == '\r':
			if d.eq == 2 {
				d.release()
			}
			if d.eq == 1 {
				d.eqWS = true
			}
			if len(d.ws) >= maxQPSpace {
				d.release()
			}
			d.ws = append(d.ws, c)
		case d.eq == 1 && !d.eqWS && isHex(c):
			d.eq, d.hex = 2, c
		case d.eq == 2 && isHex(c):
			d.eq = 0
			d.put(unhex(d.hex)<<4 | unhex(c))
		case c == '=':
			d.release()
			d.eq = 1
		default:
			d.release()
			d.put(c)
		}
	}
}

// finish ends the last line: its white space goes, a last "=" is a soft
// break, an "=" and one digit are themselves.
func (d *qp) finish() {
	if d.eq == 2 {
		d.put('=', d.hex)
	}
	d.ws, d.eq = d.ws[:0], 0
	d.flushOut()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
