package parts

// alphabet marks the bytes of base64 (RFC 2045 §6.8, Table 1) and "=".
var alphabet = func() (a [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=" {
		a[c] = true
	}
	return a
}()

// classes sorts the eight bytes of x, first to last (little-endian), all
// below 0x80 (the caller checks: sums would carry past one), into the
// characters of base64, "=" and the white space lines carry (CR, LF,
// space, tab): each mask has the high bit of the bytes of its class.
// "+", "/" to "9" and the letters, which one range holds once folded to
// lower case (x|0x20 is "a" to "z" only for letters). For a byte c below
// 0x80, c+(0x80-lo) has its high bit set when c >= lo, and c+(0x7f-hi)
// when c > hi; no sum carries into the next byte.
func classes(x uint64) (chars, pad, space uint64) {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	pad = (x + (0x80-'=')*ones) &^ (x + (0x7f-'=')*ones)
	// Tab, LF and CR are 9, 10 and 13: 9 to 13 less 11 and 12.
	ctl := (x + (0x80-'\t')*ones) &^ (x + (0x7f-'\r')*ones)
	vtff := (x + (0x80-'\v')*ones) &^ (x + (0x7f-'\f')*ones)
	sp := (x + (0x80-' ')*ones) &^ (x + (0x7f-' ')*ones)
	return charsOf(x), pad & high, (ctl&^vtff | sp) & high
}

// charsOf is classes' first mask alone: most words of a body are all
// characters, and this says so with three of its seven ranges.
func charsOf(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	l := x | 0x20*ones
	letters := (l + (0x80-'a')*ones) &^ (l + (0x7f-'z')*ones)
	digits := (x + (0x80-'/')*ones) &^ (x + (0x7f-'9')*ones)
	plus := (x + (0x80-'+')*ones) &^ (x + (0x7f-'+')*ones)
	return (letters | digits | plus) & high
}

const highBits uint64 = 0x8080808080808080
