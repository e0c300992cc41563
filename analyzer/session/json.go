package session

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// MarshalJSON writes the message with its kept body as lines ("body"),
// present only when full output kept it.
func (m *Message) MarshalJSON() ([]byte, error) {
	type plain Message // without this method
	var body []string
	if m.HasBody() {
		body = JSONSafeAll(m.BodyLines())
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		*plain
		Body []string `json:"body,omitempty"`
	}{(*plain)(m), body})
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), err
}

// JSONSafe returns s with each byte that is not part of valid UTF-8
// written as \xNN: encoding/json would turn it into U+FFFD and lose it.
func JSONSafe(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteString(`\x`)
			b.WriteByte(digits[s[i]>>4])
			b.WriteByte(digits[s[i]&15])
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// JSONSafeAll applies JSONSafe to each string.
func JSONSafeAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = JSONSafe(s)
	}
	return out
}
