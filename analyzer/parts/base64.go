package parts

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// b64 decodes base64 as mail carries it (RFC 2045 §6.8): line breaks and
// every other byte outside the alphabet are ignored ("must be ignored by
// decoding software"), the latter counted (stray); what is left is
// decoded in large blocks.
type b64 struct {
	r     io.Reader
	buf   []byte // encoded bytes read, others dropped, not yet decoded
	out   []byte // decoded, not yet handed out
	dec   []byte
	done  bool
	stray int64 // bytes outside the alphabet that were not white space
}

// alphabet marks the bytes of base64 (RFC 2045 §6.8, Table 1) and "=".
var alphabet = func() (a [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=" {
		a[c] = true
	}
	return a
}()

// alphabetPrefix says how many of the eight bytes of x, first to last
// (little-endian), are in the alphabet before the first that is not:
// "+", "/" to "9", "=" and the letters, which one range holds once folded
// to lower case (x|0x20 is "a" to "z" only for letters). For a byte c
// below 0x80, c+(0x80-lo) has its high bit set when c >= lo, and
// c+(0x7f-hi) when c > hi; no sum carries into the next byte.
func alphabetPrefix(x uint64) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	if x&high != 0 {
		return 0 // a byte past 0x7f: one at a time (sums would carry)
	}
	l := x | 0x20*ones
	letters := (l + (0x80-'a')*ones) &^ (l + (0x7f-'z')*ones)
	digits := (x + (0x80-'/')*ones) &^ (x + (0x7f-'9')*ones)
	plus := (x + (0x80-'+')*ones) &^ (x + (0x7f-'+')*ones)
	pad := (x + (0x80-'=')*ones) &^ (x + (0x7f-'=')*ones)
	return bits.TrailingZeros64(^(letters|digits|plus|pad)&high) / 8
}

func newBase64(r io.Reader) *b64 { return &b64{r: r, buf: make([]byte, 0, 32<<10)} }

func (d *b64) Read(p []byte) (int, error) {
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
func (d *b64) fill() {
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
func (d *b64) clean() {
	start := len(d.buf)
	n, err := d.r.Read(d.buf[start:cap(d.buf)])
	b, end := d.buf[:cap(d.buf)], start+n
	j := start
	for i := start; i < end; {
		if i+8 <= end {
			w := binary.LittleEndian.Uint64(b[i:])
			k := alphabetPrefix(w)
			if k == 8 {
				binary.LittleEndian.PutUint64(b[j:], w) // j <= i: the word was read first
				i, j = i+8, j+8
				continue
			}
			copy(b[j:], b[i:i+k]) // not the whole word: j+8 may pass i+k
			i, j = i+k, j+k
		}
		switch c := b[i]; {
		case alphabet[c]:
			b[j] = c
			j++
		case c != '\r' && c != '\n' && c != ' ' && c != '\t':
			d.stray++
		}
		i++
	}
	d.buf = b[:j]
	if err != nil {
		d.done = true
	}
}

// decode decodes src, whole quanta but at the very end, into d.dec and
// says how many bytes it gave.
func (d *b64) decode(src []byte) int {
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
func (d *b64) size() int64 {
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
