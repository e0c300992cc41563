package smtp

import (
	"fmt"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

// FuzzParser feeds scripted conversations (see sessiontest.Script): the
// parser must not panic, and how the bytes are cut into segments must not
// change the exchanges.
func FuzzParser(f *testing.F) {
	st.FuzzSpecWith(f, Spec(), everyLineOnce, seedSteps,
		"220 mx\r\n\x00BDAT 5\r\nabc",                          // chunk longer than the stream
		"220 mx\r\n\x00BDAT 99999999999999999999\r\n",          // size overflows
		"220 mx\r\n\x00AUTH PLAIN\r\n\x00334 \r\n\x00=\r\n",    // empty initial response
		"250-a\r\n251 b\r\n",                                   // code changes inside a reply
		"220 mx\r\n\x00DATA\r\n\x00354 go\r\n\x00.\r\n",        // empty message
		"220 mx\r\n\x00STARTTLS\r\n\x00220 go\r\n\x00\x16\x03", // TLS after STARTTLS
		"\x00MAIL FROM:<a>\r\n\x00\xff\x10\x00RCPT TO:<b>\r\n", // gap then data
		// A bare-LF dot: the replies that follow decide where DATA ended.
		"220 mx\r\n\x00DATA\r\n\x00354 go\r\n\x00a\n.\nMAIL FROM:<x>\r\nDATA\r\nb\n.\nc\r\n.\r\n\x00250 a\r\n250 b\r\n354 c\r\n250 d\r\n",
		"220 mx\r\n\x00DATA\r\n\x00354 go\r\n\x00a\n.\n\x00250 a\r\n\x00QUIT\n\x00221 b\r\n",
		// Pipelined (RFC 2920), AUTH and DATA among them: past a bound
		// of one exchange, records are reused (CheckPastTheBound).
		"220 mx\r\n\x00EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nNOOP\r\nDATA\r\n\x00250 a\r\n250 b\r\n250 c\r\n250 d\r\n354 e\r\n\x00x\r\n.\r\nAUTH PLAIN AGI=\r\nNOOP\r\nRSET\r\n\x00250 f\r\n535 g\r\n250 h\r\n250 i\r\n",
		// Transactions pipelined whole, messages and all, before any
		// reply; a DATA answered after its message began; a DATA refused
		// and the lines after it: each DATA's and message's records are
		// lent once answered.
		"220 mx\r\n\x00MAIL FROM:<a@b>\r\nDATA\r\nx\r\n.\r\nMAIL FROM:<a@b>\r\nDATA\r\ny\r\n.\r\nNOOP\r\n\x00250 a\r\n354 b\r\n250 c\r\n250 d\r\n354 e\r\n250 f\r\n250 g\r\n",
		"220 mx\r\n\x00DATA\r\nx\r\n\x00354 go\r\n\x00.\r\nDATA\r\n\x00250 ok\r\n554 no\r\n\x00NOOP\r\n\x00250 ok\r\n",
		// Runs of lines read at once, with odd bytes and endings in them.
		"220 mx\r\n\x00DATA\r\n\x00354 go\r\n\x00a\r\nb\rc\r\n..d\r\nf\ng\r\n..h\r\ni\r\n.\r\n\x00250 ok\r\n",
	)
}

// everyLineOnce: each server line is in exactly one reply, in order,
// unless an upgrade to TLS hid the rest.
func everyLineOnce(steps []st.Step, s *session.Session) string {
	want := st.ServerLines(steps)
	var got []string
	for _, e := range s.Exchanges {
		if e.Response != nil {
			got = append(got, e.Response.Lines...)
		}
	}
	if s.TLS != session.TLSNone || s.ExchangesDropped > 0 {
		return ""
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d server lines, %d in replies", len(want), len(got))
	}
	return ""
}
