package render

import "bytes"

// indentJSON appends src, JSON as json.Marshal writes it (no white space
// outside strings), indented as json.Indent indents it: each element of
// an object or array on a line of its own after prefix and one indent a
// level, ": " between a name and its value, "{}" and "[]" when empty.
// encoding/json indents in a second pass that steps a scanner over every
// byte; strings here are copied whole up to their closing quote, found
// with IndexByte (a quote escaped has an odd run of backslashes before
// it), and a session's JSON is mostly strings.
func indentJSON(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	open := false // after "{" or "[": a line is owed, unless it closes at once
	// pad is a line break and the indentation of the deepest level yet;
	// a level's is its start.
	pad := append([]byte{'\n'}, prefix...)
	newline := func() {
		for n := 1 + len(prefix) + depth*len(indent); len(pad) < n; {
			pad = append(pad, indent...)
		}
		dst = append(dst, pad[:1+len(prefix)+depth*len(indent)]...)
	}
	for i := 0; i < len(src); {
		c := src[i]
		if open && c != '}' && c != ']' {
			open = false
			depth++
			newline()
		}
		switch c {
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(src[j:], '"')
				if k < 0 {
					j = len(src) // not JSON: the rest as it is
					break
				}
				j += k
				n := 0
				for n < j-i-1 && src[j-1-n] == '\\' {
					n++
				}
				j++
				if n%2 == 0 {
					break
				}
			}
			dst = append(dst, src[i:j]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			open = true
			i++
		case '}', ']':
			if open {
				open = false
			} else {
				depth--
				newline()
			}
			dst = append(dst, c)
			i++
		case ',':
			dst = append(dst, c)
			newline()
			i++
		case ':':
			dst = append(dst, ':', ' ')
			i++
		default: // a number, true, false or null
			j := i + 1
			for j < len(src) && !delim(src[j]) {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
		}
	}
	return dst
}

// delim reports a byte that ends a number or a literal.
func delim(c byte) bool {
	switch c {
	case ',', ':', '{', '}', '[', ']', '"':
		return true
	}
	return false
}
