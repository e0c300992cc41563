package parts

import "math/bits"

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
