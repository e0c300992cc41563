package render

import "math/bits"

// The checks of text that needs no escaping, on the hot path of every
// view that writes what the wire carried: eight bytes at a time in a
// machine word (SWAR), as many checks in flight as the core takes.
//
// segmentio/asm's AVX2 check was here. It returns without VZEROUPPER, so
// the SSE code Go compiles to (memmove, IndexByte's setup) ran after it
// with the YMM registers' upper halves dirty: on an AMD EPYC guest
// --full on the mail corpus spent two fifths of its CPU there and in
// IndexByte, and blocks of base64 lines were checked at 0.3 GB/s
// (docs/performance.md, session 16; TestNoAVXLeftDirty).

// printable reports whether s is printable ASCII only, which Escape
// leaves as it is: 32 bytes at a time while all are, then words of
// eight, then the last bytes one by one.
func printable[T ~string | ~[]byte](s T) bool {
	for len(s) >= 32 {
		w := s[:32] // of a known length: no bounds checked below
		if (outside(load(w, 0))|outside(load(w, 8))|outside(load(w, 16))|outside(load(w, 24)))&highs != 0 {
			return false
		}
		s = s[32:]
	}
	for len(s) >= 8 {
		if outside(load(s, 0))&highs != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// outside has a high bit set, under highs, where a byte of x is outside
// printable ASCII, though not always at that byte: a borrow or a carry
// from it may mark the next. With none outside, none is set; with one,
// one is. Five steps a word where notPrintable, which marks the bytes
// themselves, takes ten.
func outside(x uint64) uint64 {
	below := (x - 0x20*ones) &^ x // a byte under 0x20 borrows
	above := x + ones | x         // one at 0x7f or past reaches 0x80
	return below | above
}

// plainPrefix is how many bytes p begins with that are printable ASCII or
// newlines, the common case of --full's and --follow's output: it looks at
// 32 bytes at a time while all are plain, then a word of eight, and ends
// on the last eight bytes, overlapping what was seen, rather than one by
// one.
func plainPrefix(p []byte) int {
	i := 0
	for ; i+32 <= len(p); i += 32 {
		if notPlain(load(p, i))|notPlain(load(p, i+8))|notPlain(load(p, i+16))|notPlain(load(p, i+24)) != 0 {
			break
		}
	}
	for ; i+8 <= len(p); i += 8 {
		if bad := notPlain(load(p, i)); bad != 0 {
			return i + bits.TrailingZeros64(bad)/8
		}
	}
	if i == len(p) {
		return i
	}
	if len(p) >= 8 {
		// The bytes before i are plain: the first one found is at i or after.
		j := len(p) - 8
		if bad := notPlain(load(p, j)); bad != 0 {
			return j + bits.TrailingZeros64(bad)/8
		}
		return len(p)
	}
	for ; i < len(p) && plainByte(p[i]); i++ {
	}
	return i
}

// load is the eight bytes of p from i as a little-endian word: the
// compiler reads them at once.
func load[T ~string | ~[]byte](p T, i int) uint64 {
	w := p[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// notPlain sets the high bit of each byte of x that is a control byte,
// DEL or past ASCII, but not a newline. No sum carries from one byte
// into the next, so the first such byte is the lowest bit set.
func notPlain(x uint64) uint64 {
	nl := x ^ 0x0a*ones
	newline := ^((nl&lows + lows) | nl) & highs // the byte is '\n'
	return notPrintable(x) &^ newline
}

// notPrintable sets the high bit of each byte of x that is a control
// byte, DEL or past ASCII.
func notPrintable(x uint64) uint64 {
	low := x & lows
	control := ^(low + 0x60*ones) & highs // low seven bits below 0x20
	del := (low + ones) & highs           // low seven bits all set
	return control | del | x&highs
}

const ones, highs, lows = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f

func plainByte(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\n' }
