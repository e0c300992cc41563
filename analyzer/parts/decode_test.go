package parts

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// qpDecode runs in through the quoted-printable decoder step bytes at a
// time.
func qpDecode(in string, step int) (string, int64) {
	var out bytes.Buffer
	d := &qp{out: &out}
	for i := 0; i < len(in); i += step {
		d.write([]byte(in[i:min(i+step, len(in))]))
	}
	d.finish()
	return out.String(), d.size()
}

// TestQuotedPrintable: RFC 2045 §6.7 as mail programs read it, in pieces
// of any size; where Go's reader decodes the input, the same bytes.
func TestQuotedPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"caf=C3=A9\r\n", "café\r\n"},
		{"caf=c3=a9\r\n", "café\r\n"},                           // lower-case hex, as encoders write it
		{"soft =\r\nbreak\r\n", "soft break\r\n"},               // a soft line break
		{"soft =  \r\nbreak\n", "soft break\n"},                 // white space after it, and a bare LF
		{"trailing   \r\nspace\t\r\n", "trailing\r\nspace\r\n"}, // white space at a line's end goes
		{"a = b\r\n", "a = b\r\n"},                              // an "=" that starts nothing is itself
		{"=4x and =4\r\n", "=4x and =4\r\n"},                    // so is one with one digit
		{"end=", "end"},                                         // a soft break at the very end
		{"mid\rline\r\n", "mid\rline\r\n"},                      // a CR inside a line is kept
		{"a\x01b=41\r\n", "a\x01bA\r\n"},                        // Go's reader stops at the control byte
		{"no end  ", "no end"},
	} {
		for _, step := range []int{1, 2, 3, len(tc.in) + 1} {
			got, n := qpDecode(tc.in, step)
			if got != tc.want || n != int64(len(tc.want)) {
				t.Errorf("%q in pieces of %d: %q (%d bytes), want %q", tc.in, step, got, n, tc.want)
			}
		}
		if ref, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(tc.in))); err == nil && string(ref) != tc.want {
			t.Errorf("%q: Go's reader gives %q, the decoder %q", tc.in, ref, tc.want)
		}
	}
}
