package smtp

import (
	"encoding/base64"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/findings"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/replyq"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

func run(steps ...st.Step) *session.Session {
	return st.RunSpec(Spec(), proto.Options{}, steps...)
}

var (
	C = st.C
	S = st.S
)

// The seed's telnet exercise, typed by hand in lower case.
var seedSteps = []st.Step{
	S("220 mail.redes.unlp.edu.ar ESMTP Postfix (Lihuen-4.01/GNU)\r\n"),
	C("ehlo redes\r\n"),
	S("250-mail.redes.unlp.edu.ar\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n"),
	C("mail from:<alumnoimap@redes.unlp.edu.ar>\r\n"),
	S("250 2.1.0 Ok\r\n"),
	C("rcpt to: <alumnopop@redes.unlp.edu.ar>\r\n"),
	S("250 2.1.5 Ok\r\n"),
	C("data\r\n"),
	S("354 End data with <CR><LF>.<CR><LF>\r\n"),
	C("mensaje 7\r\n"),
	C(".\r\n"),
	S("250 2.0.0 Ok: queued as 42F2333F\r\n"),
	C("quit\r\n"),
	S("221 2.0.0 Bye\r\n"),
}

var seedPairs = []string{
	"- => 220",
	"EHLO redes => 250",
	"MAIL from:<alumnoimap@redes.unlp.edu.ar> => 250",
	"RCPT to: <alumnopop@redes.unlp.edu.ar> => 250",
	"DATA => 354",
	"message DATA 11 bytes => 250",
	"QUIT => 221",
}

func TestSeedExercise(t *testing.T) {
	for name, steps := range map[string][]st.Step{"whole": seedSteps, "bytewise": st.Bytewise(seedSteps)} {
		t.Run(name, func(t *testing.T) {
			s := run(steps...)
			if d := st.Diff(st.Pairs(s), seedPairs); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if len(s.Messages) != 1 {
				t.Fatalf("got %d messages, want 1", len(s.Messages))
			}
			m := s.Messages[0]
			if m.MailFrom != "alumnoimap@redes.unlp.edu.ar" || len(m.RcptTo) != 1 || m.RcptTo[0] != "alumnopop@redes.unlp.edu.ar" {
				t.Errorf("envelope: got %q -> %q", m.MailFrom, m.RcptTo)
			}
			if m.Accepted == nil || !*m.Accepted {
				t.Errorf("message not marked accepted")
			}
			if len(s.Exchanges[1].Response.Lines) != 9 {
				t.Errorf("EHLO reply: got %d lines, want 9", len(s.Exchanges[1].Response.Lines))
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("unexpected anomalies: %v", s.Anomalies)
			}
		})
	}
}

func TestExchanges(t *testing.T) {
	tests := []struct {
		name  string
		steps []st.Step
		want  []string
	}{{
		name: "pipelined commands pair first in, first out (RFC 2920)",
		steps: []st.Step{
			S("220 mx ESMTP\r\n"),
			C("EHLO c\r\n"), S("250-mx\r\n250 PIPELINING\r\n"),
			C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<nobody@y>\r\nDATA\r\n"),
			S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 unknown\r\n354 go ahead\r\n"),
			C("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n"),
			S("250 2.0.0 queued\r\n221 bye\r\n"),
		},
		want: []string{"- => 220", "EHLO c => 250", "MAIL FROM:<a@x> => 250", "RCPT TO:<b@y> => 250",
			"RCPT TO:<nobody@y> => 550", "DATA => 354", "message DATA 21 bytes => 250", "QUIT => 221"},
	}, {
		name: "DATA refused: the next line is a command",
		steps: []st.Step{
			S("220 mx\r\n"), C("DATA\r\n"), S("554 5.5.1 no valid recipients\r\n"), C("QUIT\r\n"), S("221 bye\r\n"),
		},
		want: []string{"- => 220", "DATA => 554", "QUIT => 221"},
	}, {
		name: "AUTH LOGIN continuations are paired with their 334s",
		steps: []st.Step{
			S("220 mx\r\n"), C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("YWx1bW5v\r\n"),
			S("334 UGFzc3dvcmQ6\r\n"), C("c2VjcmV0\r\n"), S("235 2.7.0 ok\r\n"),
		},
		want: []string{"- => 220", "AUTH LOGIN => 334", "continuation AUTH YWx1bW5v => 334", "continuation AUTH c2VjcmV0 => 235"},
	}, {
		name: "BDAT chunks hold bytes that look like commands and the end of DATA",
		steps: []st.Step{
			S("220 mx\r\n"),
			C("BDAT 15\r\nQUIT\r\n.\r\nRSET\r\nBDAT 3 LAST\r\nend"),
			C("QUIT\r\n"),
			S("250 2.0.0 15 octets\r\n250 2.0.0 queued\r\n221 bye\r\n"),
		},
		want: []string{"- => 220", "BDAT 15 => 250", "BDAT 3 LAST => 250", "QUIT => 221"},
	}, {
		name: "a dot-stuffed line does not end DATA",
		steps: []st.Step{
			S("220 mx\r\n"), C("DATA\r\n"), S("354 go\r\n"), C("..\r\n...x\r\n.\r\n"), S("250 ok\r\n"),
		},
		want: []string{"- => 220", "DATA => 354", "message DATA 8 bytes => 250"},
	}, {
		name: "STARTTLS: what follows is TLS and not parsed",
		steps: []st.Step{
			S("220 mx\r\n"), C("STARTTLS\r\n"), S("220 2.0.0 Ready to start TLS\r\n"),
			C("\x16\x03\x01\x00\x05hello"), S("\x16\x03\x03\x00\x02hi"), C("\x17\x03\x03QUIT\r\n"),
		},
		want: []string{"- => 220", "STARTTLS => 220"},
	}, {
		name: "STARTTLS in a decrypted capture: parsing goes on",
		steps: []st.Step{
			S("220 mx\r\n"), C("STARTTLS\r\n"), S("220 2.0.0 Ready\r\n"), C("EHLO again\r\n"), S("250 mx\r\n"),
		},
		want: []string{"- => 220", "STARTTLS => 220", "EHLO again => 250"},
	}, {
		name: "a gap in a command line: resynchronize at the next line",
		steps: []st.Step{
			S("220 mx\r\n"), C("NOOP\r\nVRFY al"), {Dir: session.FromClient, Gap: 10}, C("ice\r\nNOOP\r\n"),
			S("250 ok\r\n"), S("250 ok\r\n"),
		},
		want: []string{"- => 220", "NOOP => 250", "NOOP => 250"},
	}, {
		name: "421 may come at any time",
		steps: []st.Step{
			S("220 mx\r\n"), C("NOOP\r\n"), S("250 ok\r\n"), S("421 4.4.2 timeout\r\n"),
		},
		want: []string{"- => 220", "NOOP => 250", "- => 421"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.CheckPairs(t, run, tc.steps, tc.want)
		})
	}
}

func TestAuthDecoded(t *testing.T) {
	tests := []struct {
		name      string
		steps     []st.Step
		mech      string
		user      string
		pass      string
		succeeded bool
	}{
		{"PLAIN initial response", []st.Step{C("AUTH PLAIN AGFsdW1ub3BvcABzZWNyZXQ=\r\n"), S("235 2.7.0 ok\r\n")}, "PLAIN", "alumnopop", "secret", true},
		{"PLAIN after 334", []st.Step{C("AUTH PLAIN\r\n"), S("334 \r\n"), C("AGFsdW1ub3BvcABzZWNyZXQ=\r\n"), S("535 5.7.8 failed\r\n")}, "PLAIN", "alumnopop", "secret", false},
		{"LOGIN", []st.Step{C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("YWx1bW5v\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("c2VjcmV0\r\n"), S("235 ok\r\n")}, "LOGIN", "alumno", "secret", true},
		{"CRAM-MD5 carries no password", []st.Step{C("AUTH CRAM-MD5\r\n"), S("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
			C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"), S("235 ok\r\n")}, "CRAM-MD5", "tim", "", true},
		{"XOAUTH2", []st.Step{C("AUTH XOAUTH2 dXNlcj1hQGIBYXV0aD1CZWFyZXIgdG9rMQEB\r\n"), S("235 ok\r\n")}, "XOAUTH2", "a@b", "Bearer tok1", true},
		{"LOGIN typed ahead of both prompts", []st.Step{C("AUTH LOGIN\r\nYWx1bW5v\r\nc2VjcmV0\r\n"), S("334 VXNlcm5hbWU6\r\n"),
			S("334 UGFzc3dvcmQ6\r\n"), S("235 ok\r\n")}, "LOGIN", "alumno", "secret", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(append([]st.Step{S("220 mx\r\n")}, tc.steps...)...)
			if len(s.Auth) != 1 {
				t.Fatalf("got %d auth records, want 1", len(s.Auth))
			}
			a := s.Auth[0]
			if a.Mechanism != tc.mech || a.Username != tc.user || a.Password != tc.pass {
				t.Errorf("got %s %q %q, want %s %q %q", a.Mechanism, a.Username, a.Password, tc.mech, tc.user, tc.pass)
			}
			if a.Success == nil || *a.Success != tc.succeeded {
				t.Errorf("success: got %v, want %v", a.Success, tc.succeeded)
			}
		})
	}
}

// TestSASLAsTheServerReadsIt: lines typed before a 334 are SASL data,
// kept as typed; the prompts are decoded; the outcome is the reply that
// ended the exchange.
func TestSASLAsTheServerReadsIt(t *testing.T) {
	s := run(S("220 mx\r\n"), C("auth login\r\nYWx1bW5v\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("c2VjcmV0\r\n"),
		S("334 UGFzc3dvcmQ6\r\n"), S("235 2.7.0 ok\r\n"), C("quit\r\n"), S("221 bye\r\n"))
	want := []string{"- => 220", "AUTH login => 334", "continuation AUTH YWx1bW5v => 334", "continuation AUTH c2VjcmV0 => 235", "QUIT => 221"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if got := s.Exchanges[1].Response.Decoded + "," + s.Exchanges[2].Response.Decoded; got != "Username:,Password:" {
		t.Errorf("decoded prompts: got %q", got)
	}
	if got := s.Exchanges[2].Command.Decoded + "," + s.Exchanges[3].Command.Decoded; got != "user=alumno,password=secret" {
		t.Errorf("decoded responses: got %q", got)
	}
	if len(s.Anomalies) != 0 || len(s.Auth) != 1 || s.Auth[0].Success == nil || !*s.Auth[0].Success {
		t.Errorf("anomalies %v, auth %+v", s.Anomalies, s.Auth)
	}
}

func TestMessageSummary(t *testing.T) {
	s := run(S("220 mx\r\n"), C("MAIL FROM:<pepe@redes.unlp.edu.ar>\r\n"), S("250 ok\r\n"),
		C("RCPT TO:<alumnoimap@redes.unlp.edu.ar>\r\n"), S("250 ok\r\n"), C("DATA\r\n"), S("354 go\r\n"),
		C("From: pepe@redes.unlp.edu.ar\r\nsubject: =?UTF-8?Q?Ol=C3=A1?=\r\n\r\nffff\r\n.\r\n"), S("250 ok\r\n"))
	if len(s.Messages) != 1 {
		t.Fatalf("got %d messages, want 1", len(s.Messages))
	}
	m := s.Messages[0]
	if m.From != "pepe@redes.unlp.edu.ar" || m.Subject != "Olá" || m.Size != 69 {
		t.Errorf("got From %q Subject %q Size %d", m.From, m.Subject, m.Size)
	}
}

func TestReplyWithoutCommandIsAnomaly(t *testing.T) {
	s := run(S("220 mx\r\n"), C("NOOP\r\n"), S("250 ok\r\n250 extra\r\n"))
	if len(s.Anomalies) != 1 {
		t.Fatalf("got %d anomalies, want 1: %v", len(s.Anomalies), s.Anomalies)
	}
}

func TestAnomalies(t *testing.T) {
	tests := []struct {
		name  string
		steps []st.Step
		want  []string // substrings of the anomalies, in order
		pairs []string
	}{
		{"unknown verb", []st.Step{S("220 mx\r\n"), C("FROB x\r\n"), S("502 5.5.2 unknown\r\n")}, []string{`unknown command "FROB"`}, []string{"- => 220", "FROB x => 502"}},
		{"private X-verb is fine", []st.Step{S("220 mx\r\n"), C("XCLIENT ADDR=1.2.3.4\r\n"), S("250 ok\r\n")}, nil, []string{"- => 220", "XCLIENT ADDR=1.2.3.4 => 250"}},
		{"code out of range still pairs", []st.Step{S("220 mx\r\n"), C("NOOP\r\n"), S("699 odd\r\n")}, []string{"reply code 699 out of range"}, []string{"- => 220", "NOOP => 699"}},
		// A line without a code takes no command from those waiting: the
		// NOOP's reply is the 250 after it.
		{"garbage instead of a reply", []st.Step{S("220 mx\r\n"), C("NOOP\r\n"), S("\x01\x02junk\r\n250 ok\r\n")}, []string{"reply line without a 3-digit code"}, []string{"- => 220", "NOOP => 250", "- => "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(tc.steps...)
			var got []string
			for _, a := range s.Anomalies {
				got = append(got, a.Text)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("anomalies: got %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("anomaly %d: got %q, want %q in it", i, got[i], w)
				}
			}
			if d := st.Diff(st.Pairs(s), tc.pairs); d != "" {
				t.Errorf("exchanges differ:\n%s", d)
			}
		})
	}
}

// TestLinesBeforeGreeting: a client that sends before the greeting does
// not make the greeting the reply to its first line.
func TestLinesBeforeGreeting(t *testing.T) {
	s := run(C("garbage\r\nEHLO x\r\n"), S("220 mx\r\n500 what\r\n250 mx\r\n"), C("QUIT\r\n"), S("221 bye\r\n"))
	want := []string{"- => 220", "garbage => 500", "EHLO x => 250", "QUIT => 221"} // unknown: kept as typed
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Errorf("exchanges differ:\n%s", d)
	}
}

func TestEnhancedCodeAndCapabilities(t *testing.T) {
	s := run(seedSteps...)
	if got := s.Exchanges[2].Response.Enhanced; got != "2.1.0" {
		t.Errorf("MAIL reply enhanced code: got %q, want 2.1.0", got)
	}
	if got := s.Exchanges[1].Response.Enhanced; got != "" {
		t.Errorf("EHLO reply has no enhanced code, got %q", got)
	}
	if got := strings.Join(s.Capabilities, ","); got != "PIPELINING,SIZE 10240000,VRFY,ETRN,STARTTLS,ENHANCEDSTATUSCODES,8BITMIME,DSN" {
		t.Errorf("capabilities: got %q", got)
	}
}

// TestServerOnly: with only the server's direction, replies are listed
// in order with no command and no anomaly.
func TestServerOnly(t *testing.T) {
	s := run(S("220 mx\r\n"), S("250-mx\r\n250 PIPELINING\r\n"), S("250 ok\r\n250 ok\r\n354 go\r\n"), S("250 queued\r\n221 bye\r\n"))
	want := []string{"- => 220", "- => 250", "- => 250", "- => 250", "- => 354", "- => 250", "- => 221"}
	if d := st.Diff(st.Pairs(s), want); d != "" || len(s.Anomalies) != 0 {
		t.Errorf("exchanges differ:\n%s\nanomalies: %v", d, s.Anomalies)
	}
}

// TestOnlyCRLFDotCRLFEndsData: a lone "." with a bare LF on either side
// is message text (RFC 5321 §4.1.1.4); what follows is not a command.
func TestOnlyCRLFDotCRLFEndsData(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{`\n.\n`, "hello\n.\nMAIL FROM:<evil@x>\r\n"},
		{`\n.\r\n`, "hello\n.\r\nMAIL FROM:<evil@x>\r\n"},
		{`\r\n.\n`, "hello\r\n.\nMAIL FROM:<evil@x>\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(S("220 mx\r\n"), C("DATA\r\n"), S("354 go\r\n"), C(tc.body+".\r\n"), S("250 queued\r\n"), C("QUIT\r\n"), S("221 bye\r\n"))
			want := []string{"- => 220", "DATA => 354", "message DATA " + fmt.Sprint(len(tc.body)) + " bytes => 250", "QUIT => 221"}
			if d := st.Diff(st.Pairs(s), want); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if len(s.Messages) != 1 || s.Messages[0].Size != int64(len(tc.body)) {
				t.Errorf("messages: %+v, want one of %d bytes", s.Messages, len(tc.body))
			}
			var texts []string
			for _, a := range s.Anomalies {
				texts = append(texts, a.Text)
			}
			if all := strings.Join(texts, "|"); !strings.Contains(all, "smuggling") || !strings.Contains(all, "bare LF") {
				t.Errorf("anomalies: %q, want the lone dot and the bare LF flagged", texts)
			}
		})
	}
	// Bare CR and NUL are flagged once each.
	s := run(S("220 mx\r\n"), C("DATA\r\n"), S("354 go\r\n"), C("a\rb\r\nc\x00d\r\ne\rf\r\n.\r\n"), S("250 ok\r\n"))
	if len(s.Anomalies) != 2 {
		t.Errorf("anomalies: %v, want a bare CR and a NUL", s.Anomalies)
	}
}

// TestGapTakesEndOfData: when the capture lost the "." that ended DATA,
// the server's reply ends the message, cut, and QUIT is a command again.
func TestGapTakesEndOfData(t *testing.T) {
	s := run(S("220 mx\r\n"), C("DATA\r\n"), S("354 go\r\n"), C("Subject: x\r\n\r\nbody\r\n"), st.Step{Dir: session.FromClient, Gap: 3},
		S("250 queued\r\n"), C("QUIT\r\n"), S("221 bye\r\n"))
	want := []string{"- => 220", "DATA => 354", "message DATA 23 bytes => 250", "QUIT => 221"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if m := s.Messages[0]; !m.Truncated || m.Subject != "x" {
		t.Errorf("message: %+v, want subject x, incomplete", m)
	}
}

// TestSizeCountsCutLines: a line past --max-line is cut, and still
// counted whole in the message's size; it is an anomaly.
// TestLongBodyLinesAreKept: --max-line bounds commands and replies, not
// a message's lines: a body line three times the bound, dot-stuffed, is
// saved byte for byte and the message is complete.
func TestLongBodyLinesAreKept(t *testing.T) {
	long := strings.Repeat("x", 300)
	body := "Subject: s\r\n\r\n" + long + "\r\n." + long + "\n" + "end\r\n"
	steps := []st.Step{S("220 mx\r\n"), C("DATA\r\n"), S("354 go\r\n"),
		C("Subject: s\r\n\r\n" + long + "\r\n.." + long + "\nend\r\n.\r\n"), S("250 ok\r\n"), C("QUIT\r\n"), S("221 bye\r\n")}
	for _, cut := range [][]st.Step{steps, st.Bytewise(steps)} {
		s := st.RunSpec(Spec(), proto.Options{MaxLine: 100, KeepBodies: true, MaxBody: 1 << 20}, cut...)
		if len(s.Messages) != 1 || string(s.Messages[0].Body) != body || s.Messages[0].Truncated {
			t.Fatalf("messages: %d, want one of the %d bytes sent, complete; got %+v", len(s.Messages), len(body), s.Messages)
		}
		if d := st.Diff(st.Pairs(s), []string{"- => 220", "DATA => 354", "message DATA 623 bytes => 250", "QUIT => 221"}); d != "" {
			t.Errorf("exchanges differ:\n%s", d)
		}
		for _, a := range s.Anomalies {
			if strings.Contains(a.Text, "cut") {
				t.Errorf("anomaly: %v", a.Text)
			}
		}
	}
}

// TestEarlyTalker: a spam bot sends HELO, MAIL and RCPT before the
// greeting; the greeting answers none of them, also in a capture that
// began after the handshake (220 answers no command but STARTTLS).
func TestEarlyTalker(t *testing.T) {
	steps := []st.Step{C("HELO bot\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"), S("220 mx ESMTP\r\n"), S("250 mx\r\n250 ok\r\n554 no\r\n")}
	want := []string{"HELO bot => 250", "MAIL FROM:<a@x> => 250", "RCPT TO:<b@y> => 554", "- => 220"}
	for _, midstream := range []bool{false, true} {
		s := st.NewSession(Name)
		s.Midstream, s.BytesClient = midstream, 1
		st.Run(New(proto.Env{Session: s}), steps...)
		got := st.Pairs(s)
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if d := st.Diff(got, w); d != "" {
			t.Errorf("midstream %v: exchanges differ:\n%s", midstream, d)
		}
		if s.Exchanges[0].Command != nil {
			t.Errorf("midstream %v: the greeting is not first", midstream)
		}
	}
}

// TestEnvelopeAsWritten: a quoted local part holding ">" is the sender,
// and MAIL's parameters are kept.
func TestEnvelopeAsWritten(t *testing.T) {
	s := run(S("220 mx\r\n"), C("MAIL FROM:<\"<b x>\"@example.test> SIZE=20 BODY=8BITMIME\r\n"), S("250 ok\r\n"),
		C("RCPT TO:<@relay:c@example.test> NOTIFY=NEVER\r\n"), S("250 ok\r\n"), C("DATA\r\n"), S("354 go\r\n"),
		C("Subject: s\r\n\r\nhi\r\n.\r\n"), S("250 ok\r\n"))
	m := s.Messages[0]
	if m.MailFrom != `"<b x>"@example.test` || len(m.RcptTo) != 1 || m.RcptTo[0] != "c@example.test" ||
		m.MailParams["SIZE"] != "20" || m.MailParams["BODY"] != "8BITMIME" {
		t.Errorf("envelope: from %q to %q params %v", m.MailFrom, m.RcptTo, m.MailParams)
	}
}

// TestCommandTypedAfterSASL: a command pasted after the last response a
// mechanism takes is a command, typed ahead of the outcome; its reply
// follows the outcome (RFC 2920 order).
func TestCommandTypedAfterSASL(t *testing.T) {
	const plainIR = "AGFsdW1ub3BvcABzZWNyZXQ="
	tests := []struct {
		name  string
		steps []st.Step
		want  []string
		user  string
	}{{
		name:  "PLAIN with initial response, MAIL before 235",
		steps: []st.Step{C("AUTH PLAIN " + plainIR + "\r\nMAIL FROM:<a@x>\r\n"), S("235 2.7.0 ok\r\n250 2.1.0 Ok\r\n")},
		want:  []string{"AUTH PLAIN " + plainIR + " => 235", "MAIL FROM:<a@x> => 250"},
		user:  "alumnopop",
	}, {
		name:  "PLAIN after its 334, MAIL typed with the data",
		steps: []st.Step{C("AUTH PLAIN\r\n"), S("334 \r\n"), C(plainIR + "\r\nMAIL FROM:<a@x>\r\n"), S("235 ok\r\n250 Ok\r\n")},
		want:  []string{"AUTH PLAIN => 334", "continuation AUTH " + plainIR + " => 235", "MAIL FROM:<a@x> => 250"},
		user:  "alumnopop",
	}, {
		name: "LOGIN, both answers and MAIL pasted at once",
		steps: []st.Step{C("AUTH LOGIN\r\nYWx1bW5v\r\nc2VjcmV0\r\nMAIL FROM:<a@x>\r\n"),
			S("334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n250 Ok\r\n")},
		want: []string{"AUTH LOGIN => 334", "continuation AUTH YWx1bW5v => 334", "continuation AUTH c2VjcmV0 => 235", "MAIL FROM:<a@x> => 250"},
		user: "alumno",
	}, {
		name:  "LOGIN with the user name as initial response",
		steps: []st.Step{C("AUTH LOGIN YWx1bW5v\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("c2VjcmV0\r\nRSET\r\n"), S("235 ok\r\n250 Ok\r\n")},
		want:  []string{"AUTH LOGIN YWx1bW5v => 334", "continuation AUTH c2VjcmV0 => 235", "RSET => 250"},
		user:  "alumno",
	}, {
		name: "CRAM-MD5, one response then NOOP",
		steps: []st.Step{C("AUTH CRAM-MD5\r\n"), S("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
			C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\nNOOP\r\n"), S("235 ok\r\n250 Ok\r\n")},
		want: []string{"AUTH CRAM-MD5 => 334", "continuation AUTH dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw => 235", "NOOP => 250"},
		user: "tim",
	}, {
		// RFC 7628 §3.2.3: the server reports a failure as a challenge,
		// and the client's empty line answers it.
		name: "XOAUTH2's error challenge takes one more response",
		steps: []st.Step{C("AUTH XOAUTH2 dXNlcj1hQGIBYXV0aD1CZWFyZXIgdG9rMQEB\r\n"), S("334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"),
			C("\r\nQUIT\r\n"), S("535 5.7.8 no\r\n221 bye\r\n")},
		want: []string{"AUTH XOAUTH2 dXNlcj1hQGIBYXV0aD1CZWFyZXIgdG9rMQEB => 334", "continuation AUTH => 535", "QUIT => 221"},
		user: "a@b",
	}, {
		name:  "a cancelled exchange: the next line is a command",
		steps: []st.Step{C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("*\r\nQUIT\r\n"), S("501 5.7.0 cancelled\r\n221 bye\r\n")},
		want:  []string{"AUTH LOGIN => 334", "continuation AUTH * => 501", "QUIT => 221"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(append([]st.Step{S("220 mx\r\n")}, tc.steps...)...)
			if d := st.Diff(st.Pairs(s), append([]string{"- => 220"}, tc.want...)); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if len(s.Auth) != 1 || s.Auth[0].Username != tc.user {
				t.Errorf("auth: got %+v, want one attempt by %q", s.Auth, tc.user)
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("anomalies: %v", s.Anomalies)
			}
		})
	}
}

// TestAuthWithoutMechanism: RFC 4954 §4 requires a mechanism; a bare
// AUTH is a syntax error, not a login that failed.
func TestAuthWithoutMechanism(t *testing.T) {
	s := run(S("220 mx\r\n"), C("AUTH\r\n"), S("501 5.5.4 Syntax: AUTH mechanism\r\n"), C("QUIT\r\n"), S("221 bye\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"- => 220", "AUTH => 501", "QUIT => 221"}); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if len(s.Auth) != 0 {
		t.Errorf("got %d authentication attempts, want none: %+v", len(s.Auth), s.Auth[0])
	}
}

// TestAuthTypedAhead: two AUTH PLAIN lines sent before the first reply
// came; each reply ends its own command's attempt.
func TestAuthTypedAhead(t *testing.T) {
	plain := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
	}
	for _, tc := range []struct {
		name, first, second string
		want                []bool
	}{
		{"refused, then taken", "535 5.7.8 no\r\n", "235 2.7.0 ok\r\n", []bool{false, true}},
		{"taken, then refused", "235 2.7.0 ok\r\n", "503 5.5.1 already\r\n", []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(S("220 mx\r\n"), C("AUTH PLAIN "+plain("uno", "a")+"\r\nAUTH PLAIN "+plain("dos", "b")+"\r\n"),
				S(tc.first+tc.second))
			if len(s.Auth) != 2 {
				t.Fatalf("got %d auth records", len(s.Auth))
			}
			for i, want := range tc.want {
				if a := s.Auth[i]; a.Success == nil || *a.Success != want {
					t.Errorf("attempt %d (%s): %v, want %v", i+1, a.Username, a.Success, want)
				}
			}
		})
	}
}

// TestServerDecidesWhereDataEnds: a "." beside a bare LF ends the data
// only if the server's replies say it did (RFC 5321 §4.1.1.4 says it
// does not; Postfix, unless told otherwise, takes it).
func TestServerDecidesWhereDataEnds(t *testing.T) {
	const hidden = "Subject: a\r\n\r\nuno\n.\nMAIL FROM:<x@y>\r\nRCPT TO:<v@y>\r\nDATA\r\nSubject: b\r\n\r\ndos\r\n.\r\n"
	envelope := []st.Step{S("220 mx\r\n"), C("MAIL FROM:<a@y>\r\n"), S("250 ok\r\n"), C("RCPT TO:<b@y>\r\n"), S("250 ok\r\n"), C("DATA\r\n"), S("354 go\r\n")}
	tests := []struct {
		name     string
		steps    []st.Step
		pairs    []string
		messages []string // subject, flags, queue id
		findings []string
	}{{
		// A session typed with nc: every line ends in a bare LF, and
		// Postfix answers the ".\n" at once.
		name:     "typed with bare LFs, answered at the dot",
		steps:    []st.Step{C("Subject: hola\n\ncuerpo\n.\n"), S("250 2.0.0 Ok: queued as 4AB1C\r\n"), C("quit\n"), S("221 2.0.0 Bye\r\n")},
		pairs:    []string{"message DATA 22 bytes => 250", "QUIT => 221"},
		messages: []string{"hola [bare-lf dot-taken] 4AB1C"},
		findings: []string{"smuggling.taken"},
	}, {
		name: "a lenient server: a second message hidden in the first",
		steps: []st.Step{C(hidden), S("250 2.0.0 Ok: queued as AAA\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 Ok: queued as BBB\r\n"),
			C("QUIT\r\n"), S("221 bye\r\n")},
		pairs: []string{"message DATA 18 bytes => 250", "MAIL FROM:<x@y> => 250", "RCPT TO:<v@y> => 250", "DATA => 354",
			"message DATA 19 bytes => 250", "QUIT => 221"},
		messages: []string{"a [bare-lf dot-taken] AAA", "b [smuggled] BBB"},
		findings: []string{"smuggling.taken", "smuggling.hidden"},
	}, {
		name:     "a strict server: one message, the dot is text",
		steps:    []st.Step{C(hidden), S("250 2.0.0 Ok: queued as AAA\r\n"), C("QUIT\r\n"), S("221 bye\r\n")},
		pairs:    []string{"message DATA 77 bytes => 250", "QUIT => 221"},
		messages: []string{"a [bare-lf lone-dot-bare-lf] AAA"},
		findings: []string{"smuggling.dot"},
	}, {
		name:     "a strict server, QUIT pipelined: 221 cannot answer MAIL",
		steps:    []st.Step{C(hidden + "QUIT\r\n"), S("250 2.0.0 Ok: queued as AAA\r\n221 bye\r\n")},
		pairs:    []string{"message DATA 77 bytes => 250", "QUIT => 221"},
		messages: []string{"a [bare-lf lone-dot-bare-lf] AAA"},
		findings: []string{"smuggling.dot"},
	}, {
		name: "a lenient server, QUIT pipelined: 250 cannot answer QUIT",
		steps: []st.Step{C(hidden + "QUIT\r\n"),
			S("250 2.0.0 Ok: queued as AAA\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 Ok: queued as BBB\r\n221 bye\r\n")},
		pairs: []string{"message DATA 18 bytes => 250", "MAIL FROM:<x@y> => 250", "RCPT TO:<v@y> => 250", "DATA => 354",
			"message DATA 19 bytes => 250", "QUIT => 221"},
		messages: []string{"a [bare-lf dot-taken] AAA", "b [smuggled] BBB"},
		findings: []string{"smuggling.taken", "smuggling.hidden"},
	}, {
		name:     "the stream ends after one reply: strict",
		steps:    []st.Step{C(hidden), S("250 2.0.0 Ok: queued as AAA\r\n")},
		pairs:    []string{"message DATA 77 bytes => 250"},
		messages: []string{"a [bare-lf lone-dot-bare-lf] AAA"},
		findings: []string{"smuggling.dot"},
	}}
	for _, tc := range tests {
		for name, steps := range map[string][]st.Step{"whole": append(slices.Clone(envelope), tc.steps...), "bytewise": st.Bytewise(append(slices.Clone(envelope), tc.steps...))} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				s := run(steps...)
				want := append([]string{"- => 220", "MAIL FROM:<a@y> => 250", "RCPT TO:<b@y> => 250", "DATA => 354"}, tc.pairs...)
				if d := st.Diff(st.Pairs(s), want); d != "" {
					t.Fatalf("exchanges differ:\n%s", d)
				}
				var got []string
				for _, m := range s.Messages {
					got = append(got, fmt.Sprintf("%s %v %s", m.Subject, m.Flags, m.QueueID))
				}
				if d := st.Diff(got, tc.messages); d != "" {
					t.Errorf("messages differ:\n%s", d)
				}
				findings.New(findings.Options{}).Session(s)
				var keys []string
				for _, f := range s.Findings {
					if strings.Contains(f.Key, "smuggling") {
						keys = append(keys, strings.TrimPrefix(f.Key, "ui.finding."))
					}
				}
				if d := st.Diff(keys, tc.findings); d != "" {
					t.Errorf("findings differ:\n%s", d)
				}
				for _, a := range s.Anomalies {
					if strings.Contains(a.Text, "answers no command") {
						t.Errorf("anomaly: %s", a.Text)
					}
				}
			})
		}
	}
}

// TestBase64StrayBytes: a stray byte in an attachment's base64 is skipped
// (RFC 2045 §6.8), so the part decodes whole, and said once for the part.
func TestBase64StrayBytes(t *testing.T) {
	msg := "Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" +
		"Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"aG9s\r\n!\r\nYQ==\r\n*\r\n--B--\r\n"
	s := run(S("220 mx\r\n"), C("DATA\r\n"), S("354 go\r\n"), C(msg+".\r\n"), S("250 ok\r\n"))
	if len(s.Messages) != 1 || len(s.Messages[0].Parts) != 1 {
		t.Fatalf("messages %+v", s.Messages)
	}
	if p := s.Messages[0].Parts[0]; p.Size != 4 || p.Skipped != 2 {
		t.Errorf("part %+v: want 4 bytes (hola) and 2 skipped", p)
	}
	var said []string
	for _, a := range s.Anomalies {
		said = append(said, a.Text)
	}
	if len(said) != 1 || !strings.Contains(said[0], `"a.bin": 2 bytes outside the base64 alphabet`) {
		t.Errorf("anomalies %q", said)
	}
}

// TestReplyLinesBounded: a multi-line reply of more lines than a reply
// keeps is still one reply, paired, with the rest counted.
func TestReplyLinesBounded(t *testing.T) {
	long := strings.Repeat("250-x\r\n", session.MaxReplyLines+10) + "250 end\r\n"
	s := run(S("220 mx\r\n"), C("EHLO c\r\n"), S(long), C("QUIT\r\n"), S("221 bye\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"- => 220", "EHLO c => 250", "QUIT => 221"}); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if r := s.Exchanges[1].Response; len(r.Lines) != session.MaxReplyLines || r.LinesDropped != 11 {
		t.Errorf("%d lines kept, %d dropped", len(r.Lines), r.LinesDropped)
	}
}

func lmtpSpec() proto.Spec {
	return proto.Spec{Name: "lmtp", New: NewLMTP}
}

// TestLMTPRepliesPerRecipient: after the data LMTP answers once for each
// recipient accepted, in RCPT order (RFC 2033 §4.2), pipelined as
// Postfix's client sends; a refused recipient gets no reply there. The
// message is taken if any recipient's reply took it, and is final.
func TestLMTPRepliesPerRecipient(t *testing.T) {
	steps := []st.Step{
		S("220 vm Dovecot ready.\r\n"),
		C("LHLO mx\r\n"),
		S("250-vm\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"),
		C("MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<nobody@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n"),
		S("250 2.1.0 OK\r\n250 2.1.5 OK\r\n550 5.1.1 <nobody@x> User doesn't exist\r\n250 2.1.5 OK\r\n354 OK\r\n"),
		C("Subject: hi\r\n\r\nbody\r\n.\r\n"),
		S("452 4.2.2 <b@x> Quota exceeded\r\n250 2.0.0 <c@x> id Saved\r\n"),
		C("QUIT\r\n"),
		S("221 2.0.0 Bye\r\n"),
	}
	want := []string{
		"- => 220", "LHLO mx => 250", "MAIL FROM:<a@x> => 250", "RCPT TO:<b@x> => 250", "RCPT TO:<nobody@x> => 550",
		"RCPT TO:<c@x> => 250", "DATA => 354", "message DATA 21 bytes => 452", "message DATA 21 bytes => 250", "QUIT => 221",
	}
	for name, steps := range map[string][]st.Step{"whole": steps, "bytewise": st.Bytewise(steps)} {
		s := st.RunSpec(lmtpSpec(), proto.Options{}, steps...)
		if d := st.Diff(st.Pairs(s), want); d != "" {
			t.Fatalf("%s: exchanges differ:\n%s", name, d)
		}
		var rcpts []string
		for _, e := range s.Exchanges {
			if c := e.Command; c != nil && c.Kind == session.KindMessage {
				rcpts = append(rcpts, fmt.Sprintf("%s again=%v", c.Recipient, c.Again))
			}
		}
		if strings.Join(rcpts, ", ") != "b@x again=false, c@x again=true" {
			t.Errorf("%s: replies for %q", name, rcpts)
		}
		if len(s.Messages) != 1 {
			t.Fatalf("%s: %d messages", name, len(s.Messages))
		}
		m := s.Messages[0]
		if !m.Final || m.Accepted == nil || !*m.Accepted || strings.Join(m.RcptTo, ",") != "b@x,c@x" {
			t.Errorf("%s: message final %v accepted %v to %q", name, m.Final, m.Accepted, m.RcptTo)
		}
	}
	// In SMTP the same bytes are one reply to the data, and the second
	// answers nothing.
	s := run(steps...)
	if m := s.Messages[0]; m.Final {
		t.Error("an SMTP message is final")
	}
}

// TestUnansweredFloodBounded: commands that no reply answers are held for
// their replies up to replyq.MaxWaiting; past it the oldest are given up,
// said once, and a reply answers the oldest still waiting.
func TestUnansweredFloodBounded(t *testing.T) {
	const over = 3
	s := run(S("220 mx\r\n"), C(strings.Repeat("NOOP\r\n", replyq.MaxWaiting+over)), S("250 ok\r\n"))
	for i, e := range s.Exchanges[1:] {
		if answered := e.Response != nil; answered != (i == over) {
			t.Fatalf("NOOP %d answered: %v", i, answered)
		}
	}
	if got := st.AnomalyKeys(s); !slices.Equal(got, []string{"client->server ui.anomaly.reply.waiting.bound"}) {
		t.Errorf("anomalies %v", got)
	}
}

// TestRecipientsBounded: a message lists session.MaxRecipients accepted
// recipients and counts the rest.
func TestRecipientsBounded(t *testing.T) {
	const over = 2
	steps := []st.Step{S("220 mx\r\n"), C("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n")}
	for i := range session.MaxRecipients + over {
		steps = append(steps, C(fmt.Sprintf("RCPT TO:<r%d@b>\r\n", i)), S("250 ok\r\n"))
	}
	s := run(append(steps, C("DATA\r\n"), S("354 go\r\n"), C("Subject: s\r\n\r\nx\r\n.\r\n"), S("250 queued\r\n"))...)
	if len(s.Messages) != 1 {
		t.Fatalf("%d messages", len(s.Messages))
	}
	m := s.Messages[0]
	if len(m.RcptTo) != session.MaxRecipients || m.RcptToMore != over || m.RcptTo[0] != "r0@b" {
		t.Errorf("%d recipients listed (%q first), %d more; want %d, %d", len(m.RcptTo), m.RcptTo[0], m.RcptToMore, session.MaxRecipients, over)
	}
}

// TestLongLinesKeepFlat: a session of a thousand 60 KB commands and
// replies (120 MB) keeps session.MaxLineText of them, then the start of
// each, said once, and nothing read from a line (its verb, its reply
// code) holds the rest of it in memory.
func TestLongLinesKeepFlat(t *testing.T) {
	const n = 1000
	p := Spec().New(proto.Env{Session: st.NewSession("smtp")})
	long := strings.Repeat("x", 60000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st.Run(p, S("220 mx\r\n"))
	for range n {
		p.Feed(session.FromClient, st.T0, []byte("NOOP "+long+"\r\n"))
		p.Feed(session.FromServer, st.T0, []byte("250 "+long+"\r\n"))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	s := p.(*Parser).S
	e := s.Exchanges[len(s.Exchanges)-1]
	if len(e.Command.Line) != session.ShortLine || len(e.Response.Lines[0]) != session.ShortLine || e.Command.Verb != "NOOP" || e.Response.Status != "250" {
		t.Errorf("the last exchange keeps %d and %d bytes (%s, %s)", len(e.Command.Line), len(e.Response.Lines[0]), e.Command.Verb, e.Response.Status)
	}
	if got := st.AnomalyKeys(s); !slices.Equal(got, []string{"client->server ui.anomaly.bound.text"}) {
		t.Errorf("anomalies %v", got)
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 3*session.MaxLineText {
		t.Errorf("the live heap grew by %d MB for %d MB of lines", grew>>20, 2*n*len(long)>>20)
	}
	runtime.KeepAlive(p)
}

// TestACommandIsOneRecord: a command and its exchange are one allocation
// (session.NewExchange), besides its line: a flood of NOOPs allocates two
// records a command, not three.
func TestACommandIsOneRecord(t *testing.T) {
	p := Spec().New(proto.Env{Session: st.NewSession("smtp")})
	p.Feed(session.FromServer, st.T0, []byte("220 mx ESMTP\r\n"))
	const n = 1000
	flood := []byte(strings.Repeat("NOOP\r\n", n))
	per := testing.AllocsPerRun(5, func() { p.Feed(session.FromClient, st.T0, flood) }) / n
	if per > 2.2 {
		t.Errorf("%.2f allocations a command, want 2 (its line, its exchange)", per)
	}
}

// A flood of one command no reply answers costs one allocation a
// command, its exchange: the line's string is made once (CommandLine),
// where it was made for each. Lines that differ each have their own.
func TestCommandFloodAllocatesARecordACommand(t *testing.T) {
	flood := func(n int) []st.Step {
		return []st.Step{S("220 mx\r\n"), C(strings.Repeat("NOOP\r\n", n))}
	}
	allocs := func(n int) float64 {
		steps := flood(n)
		return testing.AllocsPerRun(5, func() { st.RunSpec(Spec(), proto.Options{}, steps...) })
	}
	if per := (allocs(4000) - allocs(2000)) / 2000; per > 1.2 {
		t.Errorf("%.2f allocations a command, want one (its exchange)", per)
	}
	s := st.RunSpec(Spec(), proto.Options{}, S("220 mx\r\n"), C("NOOP\r\nNOOP\r\nnoop\r\nNOOP x\r\nNOOP\r\n"))
	var got []string
	for _, e := range s.Exchanges {
		if e.Command != nil {
			got = append(got, e.Command.Line)
		}
	}
	if fmt.Sprint(got) != "[NOOP NOOP noop NOOP x NOOP]" {
		t.Errorf("lines %q", got)
	}
}

// TestPastTheBoundReusesRecords: past the session's bound an exchange
// that nothing holds once answered, or given up unanswered past
// replyq.MaxWaiting, lends its record to the next command
// (proto.Conn.Record) and its reply's to the next reply (NewResponse),
// and a run of one reply line is one string (proto.Conn.ReplyText): a
// flood of commands there allocates nothing, where it made three records
// for an answered command (its exchange, its reply, the reply's line) and
// one for one unanswered. What the exchanges
// said is held to the same run without a bound by the fuzz seeds
// (sessiontest.CheckPastTheBound).
func TestPastTheBoundReusesRecords(t *testing.T) {
	for name, step := range map[string][]st.Step{
		"answered":   {C(strings.Repeat("NOOP\r\n", 100)), S(strings.Repeat("250 ok\r\n", 100))},
		"unanswered": {C(strings.Repeat("NOOP\r\n", 100))},
	} {
		t.Run(name, func(t *testing.T) {
			s := st.NewSession("smtp")
			s.Limits.Exchanges = 1
			p := Spec().New(proto.Env{Session: s})
			st.Run(p, S("220 mx\r\n"))
			// Past MaxWaiting, so that the unanswered are given up.
			for range replyq.MaxWaiting / 100 {
				for _, x := range step {
					p.Feed(x.Dir, st.T0, []byte(x.Data))
				}
			}
			per := testing.AllocsPerRun(20, func() {
				for _, x := range step {
					p.Feed(x.Dir, st.T0, []byte(x.Data))
				}
			}) / 100
			if per > 0.1 {
				t.Errorf("%.2f allocations a command past the bound, want none", per)
			}
			if past := s.Past(); past.Sent < replyq.MaxWaiting || past.Commands["NOOP"] != past.Sent {
				t.Errorf("past the bound: %d sent, %d NOOPs counted", past.Sent, past.Commands["NOOP"])
			}
		})
	}
}
