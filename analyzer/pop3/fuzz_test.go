package pop3

import (
	"testing"

	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

// FuzzParser feeds scripted conversations (see sessiontest.Script): the
// parser must not panic, and how the bytes are cut into segments must not
// change the exchanges.
func FuzzParser(f *testing.F) {
	st.FuzzSpec(f, Spec(), seedSteps,
		"+OK ready\r\n\x00RETR 1\r\n\x00+OK\r\nSubject: x\r\n",                  // body cut short
		"+OK ready\r\n\x00LIST\r\nUIDL 1\r\n\x00+OK\r\n1 2\r\n.\r\n+OK 1 a\r\n", // pipelined
		"+OK\r\n\x00AUTH PLAIN\r\n\x00+ \r\n\x00*\r\n\x00-ERR cancelled\r\n",    // cancelled AUTH
		"+OK\r\n\x00STLS\r\n\x00+OK\r\n\x00\x16\x03\x01",                        // TLS after STLS
		"garbage without status\r\n\x00\r\n",                                    // malformed
		// Runs of body lines, and bare-LF dots the next line decides.
		"+OK\r\n\x00RETR 1\r\nSTAT\r\n\x00+OK\r\na\r\nb\n.\nc\r\nd\n.\n+OK 1 2\r\n",
		// Runs through bare-LF dots that the line after makes text, and
		// those it does not: a status, "+", a stuffed dot, another dot.
		"+OK\r\n\x00RETR 1\r\nNOOP\r\n\x00+OK\r\nx\n.\nx\n.\n..\n.\n.\r\nx\n.\n+\n.\n+ go\n.\n.\n-ERR no\r\n",
		"+OK\r\n\x00RETR 1\r\n\x00+OK\r\nx\n.\nx\n.\n\x00x\n.\n\x00+OK done\r\n",
	)
}
