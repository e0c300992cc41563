package imap

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

// FuzzParser feeds scripted conversations (see sessiontest.Script): the
// parser must not panic, and how the bytes are cut into segments must not
// change the exchanges.
func FuzzParser(f *testing.F) {
	st.FuzzSpecWith(f, Spec(), plusIsContinuation, seedSteps,
		"* OK\r\n\x00a LOGIN {5}\r\n\x00+ go\r\n\x00alice {3+}\r\npwd\r\n\x00a OK\r\n", // literals
		"* OK\r\n\x00a FETCH 1 BODY[]\r\n\x00* 1 FETCH (BODY[] {999}\r\nshort",         // literal longer than the stream
		"* OK\r\n\x00a IDLE\r\n\x00+ idling\r\n* 3 EXISTS\r\n\x00DONE\r\n\x00a OK\r\n", // IDLE
		"* OK\r\n\x00a APPEND x {0}\r\n\x00+ ok\r\n\x00\r\n\x00a OK\r\n",               // empty literal
		"* OK\r\n\x00a COMPRESS DEFLATE\r\n\x00a OK\r\n\x00\x78\x9c",                   // compressed after
		"b OK no such tag\r\n+ unexpected\r\n",                                         // replies with no command
		"* OK\r\n\x00a LOGIN {18446744073709551616}\r\n",                               // literal size overflows
		// Past a bound of one exchange, records are reused
		// (CheckPastTheBound): completed while the client still sends
		// the command (RFC 7888), held by a login, SASL typed ahead.
		"* OK\r\n\x00a1 NOOP\r\n\x00a1 OK\r\n\x00a2 APPEND box {3+}\r\n\x00a2 BAD no\r\n\x00abc x\r\na3 NOOP\r\n\x00a3 OK done\r\n",
		"* OK\r\n\x00a1 NOOP\r\n\x00a1 OK\r\n\x00a2 LOGIN {4+}\r\nuser {4+}\r\npass\r\n\x00a2 OK in\r\n\x00a3 NOOP\r\n\x00a3 OK\r\n",
		"* OK\r\n\x00a1 NOOP\r\n\x00a1 OK\r\n\x00a2 AUTHENTICATE PLAIN\r\nAGEAYg==\r\na3 NOOP\r\n\x00a2 NO no\r\na3 OK\r\nAGEAYg== BAD what\r\n",
	)
}

// plusIsContinuation: every "+" line the server sent (outside literals)
// is a continuation reply, and there are no others.
func plusIsContinuation(steps []st.Step, s *session.Session) string {
	for _, st := range steps {
		if strings.ContainsAny(st.Data, "{}") {
			return "" // literals: a "+" inside one is data
		}
	}
	want := 0
	for _, l := range st.ServerLines(steps) {
		if l = strings.TrimSuffix(l, "\r"); l == "+" || strings.HasPrefix(l, "+ ") {
			want++
		}
	}
	got := 0
	for _, e := range s.Exchanges {
		if e.Response != nil && e.Response.Status == "+" {
			got++
		}
	}
	if s.TLS != session.TLSNone || s.Compressed {
		return ""
	}
	if got != want {
		return fmt.Sprintf("%d \"+\" lines, %d continuation replies", want, got)
	}
	return ""
}

// FuzzField: field reads ASCII a byte at a time and splits as it did
// with unicode.IsSpace throughout.
func FuzzField(f *testing.F) {
	for _, s := range []string{"", " ", "* 3 FETCH", "\t*\u00a0LIST x", "a\u2003b", "\xff \xc2", " \x85x", "x\v\fy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantRest := strings.TrimLeftFunc(s, unicode.IsSpace), ""
		if i := strings.IndexFunc(want, unicode.IsSpace); i >= 0 {
			want, wantRest = want[:i], want[i:]
		}
		if got, rest := field(s); got != want || rest != wantRest {
			t.Fatalf("field(%q) = %q, %q; want %q, %q", s, got, rest, want, wantRest)
		}
	})
}
