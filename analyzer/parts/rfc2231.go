package parts

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-message/charset"
)

// maxSegments bounds the continuations (name*0, name*1, ...) read of a
// parameter.
const maxSegments = 64

// rfc2231 reads parameter key of a header field's raw value as RFC 2231
// writes it: key*=charset'lang'%XX..., or in continuations key*0*=...,
// key*1=..., in any charset Go's mime package does not decode (it keeps
// only UTF-8 and US-ASCII): filename*=iso-8859-1”caf%E9.txt is "café.txt".
func rfc2231(raw, key string) string {
	type segment struct {
		val string
		enc bool
		set bool
	}
	var segs [maxSegments]segment
	last := -1
	for _, p := range splitParams(raw) {
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		rest, ok := strings.CutPrefix(name, key+"*")
		if !ok {
			continue
		}
		enc := strings.HasSuffix(rest, "*") || rest == ""
		rest = strings.TrimSuffix(rest, "*")
		n := 0
		if rest != "" {
			var err error
			if n, err = strconv.Atoi(rest); err != nil || n < 0 || n >= maxSegments {
				continue
			}
		}
		val = strings.TrimSpace(val)
		if !enc {
			val = strings.Trim(val, `"`)
		}
		segs[n] = segment{val: val, enc: enc, set: true}
		last = max(last, n)
	}
	if last < 0 || !segs[0].set {
		return ""
	}
	cs := "us-ascii"
	var out []byte
	for i := 0; i <= last && segs[i].set; i++ {
		s := segs[i]
		if !s.enc {
			out = append(out, s.val...)
			continue
		}
		v := s.val
		if i == 0 {
			// charset'language'value
			parts := strings.SplitN(v, "'", 3)
			if len(parts) != 3 {
				return ""
			}
			cs, v = parts[0], parts[2]
		}
		out = append(out, percentDecode(v)...)
	}
	r, err := charset.Reader(cs, bytes.NewReader(out))
	if err != nil {
		return ""
	}
	text, err := io.ReadAll(io.LimitReader(r, 4<<10))
	if err != nil {
		return ""
	}
	return string(text)
}

// percentDecode undoes %XX escapes, leaving a malformed one as it is.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// splitParams splits a header field's value at the semicolons outside
// quoted strings; the first piece is the value itself.
func splitParams(v string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '\\':
			i++
		case ';':
			if !quoted {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// plainParam reads parameter key of a header field's raw value as mail
// programs do where RFC 2045's syntax is broken: an unquoted value with
// spaces or parentheses ("filename=informe final (2).pdf"), which Go's
// mime package refuses whole, taken up to the next ";".
func plainParam(raw, key string) string {
	for _, p := range splitParams(raw)[1:] {
		name, val, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(name), key) {
			return strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	return ""
}
