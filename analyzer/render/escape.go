// Package render shows finished sessions as a text timeline, a raw follow
// view, statistics tables and JSON. It reads the session model and never
// parses bytes itself.
package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes text from a capture safe for a terminal: control
// characters (C0, DEL, C1), bidirectional overrides and bytes that are not
// UTF-8 are written as Go-style escapes, so a capture cannot move the
// cursor, recolour or retitle the terminal, or hide text.
func Escape(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r == '\t':
			// Expanded to the next stop of 8, as a terminal would, without
			// letting the terminal move the cursor.
			b.WriteString("        "[:8-b.Len()%8])
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// AppendEscaped appends b to dst as Escape would write it.
func AppendEscaped[T ~string | ~[]byte](dst []byte, b T) []byte {
	if !printable(b) {
		return append(dst, Escape(string(b))...)
	}
	return append(dst, b...)
}

func unsafeRune(r rune) bool {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
		return true
	}
	// Bidi embeddings, overrides and isolates (Trojan Source).
	if (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f {
		return true
	}
	return !unicode.IsPrint(r) && r != ' '
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
