package pop3

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/spill"
)

var (
	C = st.C
	S = st.S
)

func run(steps ...st.Step) *session.Session {
	return st.RunSpec(Spec(), proto.Options{}, steps...)
}

// The seed's POP3 session with Dovecot, as the lab's client sent it.
var seedSteps = []st.Step{
	S("+OK Dovecot (Ubuntu) ready.\r\n"),
	C("AUTH\r\n"), S("+OK\r\nPLAIN\r\n.\r\n"),
	C("CAPA\r\n"), S("+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN\r\n.\r\n"),
	C("AUTH PLAIN\r\n"), S("+ \r\n"), C("AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz\r\n"), S("+OK Logged in.\r\n"),
	C("STAT\r\n"), S("+OK 4 2105\r\n"),
	C("LIST\r\n"), S("+OK 4 messages:\r\n1 717\r\n2 334\r\n3 326\r\n4 728\r\n.\r\n"),
	C("UIDL\r\n"), S("+OK\r\n1 0000000356eaa394\r\n2 0000000456eaa394\r\n3 0000000556eaa394\r\n4 0000000656eaa394\r\n.\r\n"),
	C("RETR 4\r\n"), S("+OK 728 octets\r\nReturn-Path: <alumnoimap@redes.unlp.edu.ar>\r\nTo: alumnopop@redes.unlp.edu.ar\r\n" +
		"From: alumnoimap <alumnoimap@redes.unlp.edu.ar>\r\nSubject: Mensaje2220\r\n\r\nlllllllllaaaaaaaaa\r\n..\r\n.\r\n"),
	C("QUIT\r\n"), S("+OK Logging out.\r\n"),
}

func TestSeedSession(t *testing.T) {
	want := []string{
		"- => +OK", "AUTH => +OK", "CAPA => +OK", "AUTH PLAIN => +",
		"continuation AUTH AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz => +OK",
		"STAT => +OK", "LIST => +OK", "UIDL => +OK", "RETR 4 => +OK", "QUIT => +OK",
	}
	for name, steps := range map[string][]st.Step{"whole": seedSteps, "bytewise": st.Bytewise(seedSteps)} {
		t.Run(name, func(t *testing.T) {
			s := run(steps...)
			if d := st.Diff(st.Pairs(s), want); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if got := s.Exchanges[6].Response.Lines; len(got) != 5 || got[4] != "4 728" {
				t.Errorf("LIST lines: got %q", got)
			}
			if len(s.Auth) != 1 || s.Auth[0].Username != "alumnopop" || s.Auth[0].Password != "alumnopoppass" || s.Auth[0].Success == nil || !*s.Auth[0].Success {
				t.Errorf("auth: got %+v", s.Auth)
			}
			if len(s.Messages) != 1 || s.Messages[0].Subject != "Mensaje2220" || s.Messages[0].Via != "RETR" {
				t.Fatalf("messages: got %+v", s.Messages)
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("anomalies: %v", s.Anomalies)
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
		name:  "LIST and UIDL with an argument answer on one line",
		steps: []st.Step{S("+OK ready\r\n"), C("LIST 2\r\n"), S("+OK 2 334\r\n"), C("UIDL 2\r\n"), S("+OK 2 abc\r\n"), C("NOOP\r\n"), S("+OK\r\n")},
		want:  []string{"- => +OK", "LIST 2 => +OK", "UIDL 2 => +OK", "NOOP => +OK"},
	}, {
		name:  "-ERR to RETR has no body",
		steps: []st.Step{S("+OK ready\r\n"), C("RETR 9\r\n"), S("-ERR no such message\r\n"), C("QUIT\r\n"), S("+OK bye\r\n")},
		want:  []string{"- => +OK", "RETR 9 => -ERR", "QUIT => +OK"},
	}, {
		name: "pipelined commands (RFC 2449) pair in order, bodies included",
		steps: []st.Step{S("+OK ready\r\n"), C("STAT\r\nTOP 1 0\r\nLIST\r\nQUIT\r\n"),
			S("+OK 1 20\r\n+OK\r\nSubject: x\r\n\r\n.\r\n+OK\r\n1 20\r\n.\r\n+OK bye\r\n")},
		want: []string{"- => +OK", "STAT => +OK", "TOP 1 0 => +OK", "LIST => +OK", "QUIT => +OK"},
	}, {
		name:  "a body line that looks like a status stays in the body",
		steps: []st.Step{S("+OK ready\r\n"), C("RETR 1\r\n"), S("+OK\r\n-ERR not a reply\r\n+OK nor this\r\n.\r\n"), C("QUIT\r\n"), S("+OK\r\n")},
		want:  []string{"- => +OK", "RETR 1 => +OK", "QUIT => +OK"},
	}, {
		name:  "USER and PASS",
		steps: []st.Step{S("+OK ready\r\n"), C("USER alumnopop\r\n"), S("+OK\r\n"), C("PASS secreto\r\n"), S("-ERR [AUTH] Authentication failed.\r\n")},
		want:  []string{"- => +OK", "USER alumnopop => +OK", "PASS secreto => -ERR"},
	}, {
		name:  "STLS: the rest is TLS",
		steps: []st.Step{S("+OK ready\r\n"), C("STLS\r\n"), S("+OK Begin TLS\r\n"), C("\x16\x03\x01\x02\x00"), S("\x16\x03\x03\x00\x10")},
		want:  []string{"- => +OK", "STLS => +OK"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.CheckPairs(t, run, tc.steps, tc.want)
		})
	}
}

func TestUserPassAuth(t *testing.T) {
	s := run(S("+OK ready\r\n"), C("USER alumnopop\r\n"), S("+OK\r\n"), C("PASS secreto\r\n"), S("+OK Logged in.\r\n"))
	if len(s.Auth) != 1 {
		t.Fatalf("got %d auth records", len(s.Auth))
	}
	a := s.Auth[0]
	if a.Mechanism != "USER" || a.Username != "alumnopop" || a.Password != "secreto" || a.Success == nil || !*a.Success {
		t.Errorf("got %+v", a)
	}
}

// TestPipelinedLogins: each reply ends its own login's attempt, however
// many were sent before the first reply came.
func TestPipelinedLogins(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replies string
		want    []bool
	}{
		{"refused, then taken", "+OK\r\n-ERR\r\n+OK\r\n+OK in\r\n", []bool{false, true}},
		{"taken, then refused", "+OK\r\n+OK in\r\n+OK\r\n-ERR\r\n", []bool{true, false}},
		{"both refused", "+OK\r\n-ERR\r\n+OK\r\n-ERR\r\n", []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(S("+OK ready\r\n"), C("USER a\r\nPASS uno\r\nUSER b\r\nPASS dos\r\n"), S(tc.replies))
			if len(s.Auth) != len(tc.want) {
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

// TestSASLLoginsTypedAhead: two AUTH PLAIN with their initial responses
// sent before the first reply; each reply ends its own attempt.
func TestSASLLoginsTypedAhead(t *testing.T) {
	plain := func(user, pass string) string {
		return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
	}
	for _, tc := range []struct {
		name, replies string
		want          []bool
	}{
		{"refused, then taken", "-ERR no\r\n+OK in\r\n", []bool{false, true}},
		{"taken, then refused", "+OK in\r\n-ERR already\r\n", []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(S("+OK ready\r\n"), C("AUTH PLAIN "+plain("uno", "a")+"\r\nAUTH PLAIN "+plain("dos", "b")+"\r\n"), S(tc.replies))
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

func TestGapInBodyKeepsPairing(t *testing.T) {
	s := run(S("+OK ready\r\n"), C("RETR 1\r\n"), S("+OK\r\nSubject: x\r\n\r\nab"), st.Step{Dir: session.FromServer, Gap: 100},
		S("cd\r\nmore\r\n.\r\n"), C("QUIT\r\n"), S("+OK bye\r\n"))
	want := []string{"- => +OK", "RETR 1 => +OK", "QUIT => +OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if !s.Messages[0].Truncated {
		t.Errorf("message with lost bytes not marked incomplete")
	}
}

func TestUnknownCommandIsAnomaly(t *testing.T) {
	s := run(S("+OK ready\r\n"), C("FROB\r\n"), S("-ERR Unknown command\r\n"), C("XTND XMIT\r\n"), S("-ERR no\r\n"))
	if len(s.Anomalies) != 1 || s.Anomalies[0].Text != `unknown command "FROB"` {
		t.Errorf("got %+v", s.Anomalies)
	}
	if d := st.Diff(st.Pairs(s), []string{"- => +OK", "FROB => -ERR", "XTND XMIT => -ERR"}); d != "" {
		t.Error(d)
	}
}

func TestLinesBeforeGreeting(t *testing.T) {
	s := run(C("CAPA\r\n"), S("+OK ready\r\n+OK\r\nUSER\r\n.\r\n"), C("QUIT\r\n"), S("+OK bye\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"- => +OK", "CAPA => +OK", "QUIT => +OK"}); d != "" {
		t.Error(d)
	}
}

// TestSASLTypedAhead: after a failed PASS, Dovecot delays its "+"; the
// base64 typed before it is the SASL response, not a command, and the
// +OK that ends the exchange says it succeeded.
func TestSASLTypedAhead(t *testing.T) {
	s := run(S("+OK ready\r\n"), C("USER alumnopop\r\n"), S("+OK\r\n"), C("PASS wrong\r\n"), S("-ERR [AUTH] Authentication failed.\r\n"),
		C("AUTH PLAIN\r\n"), C("AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz\r\n"), S("+ \r\n"), S("+OK Logged in.\r\n"),
		C("TOP 1 0\r\n"), S("+OK\r\nSubject: x\r\n\r\n.\r\n"), C("TOP 1 2\r\n"), S("+OK\r\nSubject: x\r\n\r\nuno\r\ndos\r\n.\r\n"),
		C("RETR 1\r\n"), S("+OK\r\nSubject: x\r\n\r\nuno\r\ndos\r\ntres\r\n.\r\n"))
	want := []string{"- => +OK", "USER alumnopop => +OK", "PASS wrong => -ERR", "AUTH PLAIN => +",
		"continuation AUTH AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz => +OK", "TOP 1 0 => +OK", "TOP 1 2 => +OK", "RETR 1 => +OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if len(s.Anomalies) != 0 {
		t.Errorf("anomalies: %v", s.Anomalies)
	}
	if len(s.Auth) != 2 || s.Auth[1].Username != "alumnopop" || s.Auth[1].Success == nil || !*s.Auth[1].Success ||
		s.Auth[0].Success == nil || *s.Auth[0].Success {
		t.Errorf("auth: got %+v %+v, want USER failed then PLAIN alumnopop succeeded", s.Auth[0], s.Auth[len(s.Auth)-1])
	}
	var got []string
	for _, m := range s.Messages {
		got = append(got, fmt.Sprintf("%s #%d %q %s", m.Via, m.Seq, m.Content, m.Subject))
	}
	if d := st.Diff(got, []string{`TOP #1 "header" x`, `TOP #1 "partial" x`, `RETR #1 "" x`}); d != "" {
		t.Errorf("messages differ:\n%s", d)
	}
}

// TestServerOnly: with only the server's direction, a +OK followed by
// lines that are not a status took a body; replies stay in order, with
// no anomaly.
func TestServerOnly(t *testing.T) {
	s := run(S("+OK ready\r\n"), S("+OK\r\n"), S("+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"), S("-ERR no\r\n"), S("+OK bye\r\n"))
	want := []string{"- => +OK", "- => +OK", "- => +OK", "- => -ERR", "- => +OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" || len(s.Anomalies) != 0 {
		t.Errorf("exchanges differ:\n%s\nanomalies: %v", d, s.Anomalies)
	}
	if got := s.Exchanges[2].Response.Lines; len(got) != 3 || got[2] != "2 200" {
		t.Errorf("LIST body: got %q", got)
	}
}

// TestGapTakesEndOfBody: when the capture lost the "." that ended a
// RETR, the next status line ends the body, cut.
func TestGapTakesEndOfBody(t *testing.T) {
	s := run(S("+OK ready\r\n"), C("RETR 1\r\n"), S("+OK\r\nSubject: x\r\n"), st.Step{Dir: session.FromServer, Gap: 40},
		C("QUIT\r\n"), S("+OK bye\r\n"))
	want := []string{"- => +OK", "RETR 1 => +OK", "QUIT => +OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if len(s.Messages) != 1 || !s.Messages[0].Truncated {
		t.Errorf("messages: %+v, want one, incomplete", s.Messages)
	}
}

// TestLangAndCutLines: LANG without an argument lists languages (RFC
// 6856); a body line past --max-line is counted whole; a server line cut
// at the bound is an anomaly.
func TestLangAndCutLines(t *testing.T) {
	long := strings.Repeat("y", 300)
	s := st.RunSpec(Spec(), proto.Options{MaxLine: 100}, S("+OK ready\r\n"), C("LANG\r\n"), S("+OK languages\r\nen English\r\nes Español\r\n.\r\n"),
		C("RETR 1\r\n"), S("+OK\r\nSubject: s\r\n\r\n"+long+"\r\n.\r\n"), C("QUIT\r\n"), S("+OK\r\n"))
	want := []string{"- => +OK", "LANG => +OK", "RETR 1 => +OK", "QUIT => +OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	// --max-line bounds replies, not a message's lines: it is complete.
	if len(s.Messages) != 1 || s.Messages[0].Size != int64(14+302) || s.Messages[0].Truncated {
		t.Errorf("messages: %+v, want one of %d bytes, complete", s.Messages, 14+302)
	}
	if len(s.Anomalies) != 0 {
		t.Errorf("anomalies: %v", s.Anomalies)
	}
}

// TestCommandTypedAfterSASL: STAT pasted with the last response the
// mechanism takes is a command; its reply follows the outcome (RFC 2449
// §6.6 pipelining order).
func TestCommandTypedAfterSASL(t *testing.T) {
	const plain = "AGFsdW1ub3BvcABhbHVtbm9wb3BwYXNz"
	tests := []struct {
		name  string
		steps []st.Step
		want  []string
	}{{
		name:  "PLAIN, its data and STAT pasted at once",
		steps: []st.Step{C("AUTH PLAIN\r\n" + plain + "\r\nSTAT\r\n"), S("+ \r\n+OK Logged in.\r\n+OK 1 42\r\n")},
		want:  []string{"AUTH PLAIN => +", "continuation AUTH " + plain + " => +OK", "STAT => +OK"},
	}, {
		name:  "PLAIN with initial response, then STAT",
		steps: []st.Step{C("AUTH PLAIN " + plain + "\r\nSTAT\r\n"), S("+OK Logged in.\r\n+OK 1 42\r\n")},
		want:  []string{"AUTH PLAIN " + plain + " => +OK", "STAT => +OK"},
	}, {
		name: "LOGIN: two responses, then LIST and its listing",
		steps: []st.Step{C("AUTH LOGIN\r\nYWx1bW5vcG9w\r\nc2VjcmV0\r\nLIST\r\n"),
			S("+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n+OK 1 messages\r\n1 42\r\n.\r\n")},
		want: []string{"AUTH LOGIN => +", "continuation AUTH YWx1bW5vcG9w => +", "continuation AUTH c2VjcmV0 => +OK", "LIST => +OK"},
	}, {
		name: "CRAM-MD5: one response, then STAT",
		steps: []st.Step{C("AUTH CRAM-MD5\r\n"), S("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
			C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\nSTAT\r\n"), S("+OK\r\n+OK 0 0\r\n")},
		want: []string{"AUTH CRAM-MD5 => +", "continuation AUTH dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw => +OK", "STAT => +OK"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(append([]st.Step{S("+OK ready\r\n")}, tc.steps...)...)
			if d := st.Diff(st.Pairs(s), append([]string{"- => +OK"}, tc.want...)); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if len(s.Auth) != 1 || s.Auth[0].Success == nil || !*s.Auth[0].Success {
				t.Errorf("auth: got %+v, want one that succeeded", s.Auth)
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("anomalies: %v", s.Anomalies)
			}
		})
	}
}

// TestBareLFDotInABody: a "." beside a bare LF ends a RETR body only if
// the server's next line is a status; otherwise it is text, kept as it
// came, and said; a stream that ends after it ended there.
func TestBareLFDotInABody(t *testing.T) {
	tests := []struct {
		name      string
		body      string // the server's bytes after "+OK\r\n"
		after     []st.Step
		msg       string
		anomalies int
	}{
		{"a server of bare LFs", "Subject: x\n\nbody\n.\n", []st.Step{C("QUIT\r\n"), S("+OK bye\n")}, "Subject: x\n\nbody\n", 0},
		{"a dot in the text", "Subject: x\r\n\r\nline\n.\nmore\r\n.\r\n", []st.Step{C("QUIT\r\n"), S("+OK bye\r\n")}, "Subject: x\r\n\r\nline\n.\nmore\r\n", 1},
		{"the stream ends after it", "Subject: x\n\nbody\n.\n", nil, "Subject: x\n\nbody\n", 0},
	}
	for _, tc := range tests {
		for name, steps := range map[string][]st.Step{
			"whole":    append([]st.Step{S("+OK ready\r\n"), C("RETR 1\r\n"), S("+OK\r\n" + tc.body)}, tc.after...),
			"bytewise": st.Bytewise(append([]st.Step{S("+OK ready\r\n"), C("RETR 1\r\n"), S("+OK\r\n" + tc.body)}, tc.after...)),
		} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				s := st.RunSpec(Spec(), proto.Options{KeepBodies: true}, steps...)
				if len(s.Messages) != 1 || string(s.Messages[0].Body) != tc.msg || s.Messages[0].Truncated {
					t.Fatalf("messages %+v, want one of %q", s.Messages, tc.msg)
				}
				if len(s.Anomalies) != tc.anomalies {
					t.Errorf("anomalies %v, want %d", s.Anomalies, tc.anomalies)
				}
				if tc.after != nil {
					if d := st.Diff(st.Pairs(s), []string{"- => +OK", "RETR 1 => +OK", "QUIT => +OK"}); d != "" {
						t.Errorf("exchanges differ:\n%s", d)
					}
				}
			})
		}
	}
}

// A mailbox downloaded in --full: past the session's first MiB of kept
// bodies, each is spilled, and the buffer it grew in keeps the next one
// (message.Spare). Every body reads back as it was sent, the ones kept
// in a buffer spilled and used again included, and read back one after
// the other into one buffer (KeptBodyIn), the longest before the others.
func TestSpilledBodiesKeepTheirBytes(t *testing.T) {
	steps := []st.Step{S("+OK ready\r\n")}
	var want []string
	for i := range 6 {
		body := fmt.Sprintf("Subject: %d\r\n\r\n", i) + strings.Repeat(fmt.Sprintf("line %d of message %d\r\n", i, i), 20000+5000*i)
		want = append(want, body)
		steps = append(steps, C(fmt.Sprintf("RETR %d\r\n", i+1)), S("+OK\r\n"+body+".\r\n"))
	}
	steps = append(steps, C("QUIT\r\n"), S("+OK bye\r\n"))
	store := spill.New("")
	defer store.Close()
	spare := message.NewSpare()
	s := st.RunSpec(Spec(), proto.Options{KeepBodies: true, Bodies: store, Spare: spare}, steps...)
	if len(s.Messages) != len(want) {
		t.Fatalf("%d messages, want %d", len(s.Messages), len(want))
	}
	spilled := 0
	var buf []byte
	for _, i := range []int{5, 0, 1, 2, 3, 4} {
		m := s.Messages[i]
		if m.Body == nil {
			spilled++
		}
		if got := string(m.KeptBody()); got != want[i] {
			t.Errorf("message %d: %d bytes read back, want %d (%q...)", i, len(got), len(want[i]), got[:min(len(got), 40)])
		}
		var in []byte
		in, buf = m.KeptBodyIn(buf)
		if string(in) != want[i] {
			t.Errorf("message %d read back into one buffer: %d bytes, want %d", i, len(in), len(want[i]))
		}
	}
	if spilled < 3 || spare.Get() == nil {
		t.Errorf("%d bodies spilled, and no buffer left spare: the test no longer reuses one", spilled)
	}
}

// A body of bare-LF dots that turn out to be text (a hostile shape: four
// bytes a held dot) allocates nothing for each past the anomalies' bound:
// the dot is written from the parser, not from a slice made for it.
func TestHeldDotsAllocateNothing(t *testing.T) {
	allocs := func(n int) float64 {
		steps := []st.Step{S("+OK ready\r\n"), C("RETR 1\r\n"), S("+OK\r\nSubject: x\r\n\r\n" + strings.Repeat("x\n.\n", n) + "y\r\n.\r\n")}
		return testing.AllocsPerRun(5, func() {
			s := st.NewSession("pop3")
			s.Limits.Anomalies = session.DefaultMaxAnomalies // past it, counted
			st.Run(Spec().New(proto.Env{Session: s}), steps...)
		})
	}
	if per := (allocs(4000) - allocs(2000)) / 2000; per > 0.1 {
		t.Errorf("%.2f allocations a held dot, want none", per)
	}
}

// TestBareLFDotsReadInRuns: a body of lines and bare-LF dots read at once
// (a dot that the next line in the same bytes makes text goes on in the
// run) says what it says read a byte at a time: the same message, and an
// anomaly for each dot read as text, in order; a status line after a dot
// still ends the body there.
func TestBareLFDotsReadInRuns(t *testing.T) {
	const n = 500
	body := "Subject: x\r\n\r\n" + strings.Repeat("x\n.\n", n) + "y\r\n"
	steps := []st.Step{S("+OK ready\r\n"), C("RETR 1\r\nNOOP\r\n"), S("+OK\r\n" + body + ".\n+OK\r\n")}
	if d := st.CheckSegmentation(Spec(), proto.Options{}, steps); d != "" {
		t.Fatal(d)
	}
	s := st.RunSpec(Spec(), proto.Options{}, steps...)
	dots := 0
	for _, k := range st.AnomalyKeys(s) {
		if strings.HasSuffix(k, "pop3.dot.text") {
			dots++
		}
	}
	if len(s.Messages) != 1 || s.Messages[0].Size != int64(len(body)) || dots != n || len(s.Exchanges) != 3 || s.Exchanges[2].Response == nil {
		t.Errorf("%d messages, %d dots read as text, %d exchanges: want one of %d bytes, %d, 3 (NOOP answered)", len(s.Messages), dots, len(s.Exchanges), len(body), n)
	}
}
