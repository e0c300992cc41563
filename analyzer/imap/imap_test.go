package imap

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
)

var (
	C = st.C
	S = st.S
)

func run(steps ...st.Step) *session.Session {
	return st.RunSpec(Spec(), proto.Options{}, steps...)
}

// The seed's IMAP session with Dovecot.
var seedSteps = []st.Step{
	S("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE AUTH=PLAIN] Dovecot (Ubuntu) ready.\r\n"),
	C("1 authenticate plain\r\n"), S("+ \r\n"), C("AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M=\r\n"),
	S("1 OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] Logged in\r\n"),
	C("2 namespace\r\n"), S("* NAMESPACE ((\"\" \".\")) NIL NIL\r\n2 OK Namespace completed.\r\n"),
	C("3 ID (\"name\" \"Icedove\" \"version\" \"38.6.0\")\r\n"), S("* ID (\"name\" \"Dovecot\")\r\n3 OK ID completed.\r\n"),
	C("4 list (subscribed) \"\" \"*\" return (special-use)\r\n"),
	S("* LIST (\\Subscribed \\Trash) \".\" Trash\r\n* LIST (\\Subscribed \\Sent) \".\" Sent\r\n4 OK List completed.\r\n"),
	C("6 select \"INBOX\"\r\n"),
	S("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 13 EXISTS\r\n* 0 RECENT\r\n6 OK [READ-WRITE] Select completed (0.000 secs).\r\n"),
	C("7 UID fetch 1:* (FLAGS)\r\n"), S("* 1 FETCH (UID 3 FLAGS (\\Seen))\r\n* 2 FETCH (UID 4 FLAGS (\\Seen))\r\n7 OK Fetch completed.\r\n"),
	C("8 IDLE\r\n"), S("+ idling\r\n"), S("* 14 EXISTS\r\n"), C("DONE\r\n"), S("8 OK Idle completed.\r\n"),
	C("9 logout\r\n"), S("* BYE Logging out\r\n9 OK Logout completed.\r\n"),
}

func TestSeedSession(t *testing.T) {
	want := []string{
		"- => OK",
		"1 AUTHENTICATE plain => +",
		"continuation 1 AUTHENTICATE AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M= => OK",
		"2 NAMESPACE => OK",
		`3 ID ("name" "Icedove" "version" "38.6.0") => OK`,
		`4 LIST (subscribed) "" "*" return (special-use) => OK`,
		`6 SELECT "INBOX" => OK`,
		"7 UID FETCH 1:* (FLAGS) => OK",
		"8 IDLE => +",
		"continuation 8 IDLE DONE => OK",
		"9 LOGOUT => OK",
	}
	for name, steps := range map[string][]st.Step{"whole": seedSteps, "bytewise": st.Bytewise(seedSteps)} {
		t.Run(name, func(t *testing.T) {
			s := run(steps...)
			if d := st.Diff(st.Pairs(s), want); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if got := s.Exchanges[9].Response.Lines; len(got) != 2 || got[0] != "* 14 EXISTS" {
				t.Errorf("IDLE data: got %q, want the EXISTS then the completion", got)
			}
			if got := s.Exchanges[6].Response.Lines; len(got) != 4 {
				t.Errorf("SELECT: got %d lines, want 4", len(got))
			}
			if len(s.Auth) != 1 || s.Auth[0].Username != "alumnoimap" || s.Auth[0].Password != "alumnoimappass" || !*s.Auth[0].Success {
				t.Errorf("auth: got %+v", s.Auth)
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("anomalies: %v", s.Anomalies)
			}
		})
	}
}

func TestLiterals(t *testing.T) {
	tests := []struct {
		name  string
		steps []st.Step
		want  []string
	}{{
		name:  "LOGIN with synchronizing literals: each part answered by +",
		steps: []st.Step{S("* OK ready\r\n"), C("a1 LOGIN {5}\r\n"), S("+ Ready\r\n"), C("alice {6}\r\n"), S("+ \r\n"), C("secret\r\n"), S("a1 OK done\r\n")},
		want:  []string{"- => OK", "a1 LOGIN {5} => +", "continuation a1 LOGIN alice {6} => +", "continuation a1 LOGIN secret => OK"},
	}, {
		name:  "non-synchronizing literal (RFC 7888) needs no +",
		steps: []st.Step{S("* OK ready\r\n"), C("a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n"), S("a1 OK done\r\n")},
		want:  []string{"- => OK", "a1 LOGIN {5+} alice {6+} secret => OK"},
	}, {
		name: "a FETCH literal holding a fake completion is body, not a reply",
		steps: []st.Step{S("* OK ready\r\n"), C("a2 FETCH 1 BODY[]\r\n"),
			S("* 1 FETCH (BODY[] {38}\r\nSubject: x\r\n\r\na2 OK fake completion\r\n)\r\na2 OK Fetch completed.\r\n"),
			C("a3 NOOP\r\n"), S("a3 OK\r\n")},
		want: []string{"- => OK", "a2 FETCH 1 BODY[] => OK", "a3 NOOP => OK"},
	}, {
		name: "APPEND with a synchronizing literal holding a message",
		steps: []st.Step{S("* OK ready\r\n"), C("a4 APPEND INBOX {23}\r\n"), S("+ Ready for literal data\r\n"),
			C("Subject: hola\r\n\r\nbody\r\n\r\n"), S("a4 OK [APPENDUID 1 2] Append completed.\r\n")},
		want: []string{"- => OK", "a4 APPEND INBOX {23} => +", "continuation a4 APPEND <message 23 bytes> => OK"},
	}, {
		name:  "pipelined commands completed out of order pair by tag",
		steps: []st.Step{S("* OK ready\r\n"), C("b1 NOOP\r\nb2 CHECK\r\n"), S("b2 OK check\r\nb1 OK noop\r\n")},
		want:  []string{"- => OK", "b1 NOOP => OK", "b2 CHECK => OK"},
	}, {
		name:  "tagged NO instead of + for a literal",
		steps: []st.Step{S("* OK ready\r\n"), C("c1 APPEND INBOX {99999999}\r\n"), S("c1 NO [TOOBIG] too big\r\n"), C("c2 NOOP\r\n"), S("c2 OK\r\n")},
		want:  []string{"- => OK", "c1 APPEND INBOX {99999999} => NO", "c2 NOOP => OK"},
	}, {
		name:  "STARTTLS: the rest is TLS",
		steps: []st.Step{S("* OK ready\r\n"), C("d1 STARTTLS\r\n"), S("d1 OK Begin TLS\r\n"), C("\x16\x03\x01\x00\x20d2 NOOP\r\n")},
		want:  []string{"- => OK", "d1 STARTTLS => OK"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.CheckPairs(t, run, tc.steps, tc.want)
		})
	}
}

func TestLoginLiteralCredentials(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a1 LOGIN {5}\r\n"), S("+ Ready\r\n"), C("alice \"p w\"\r\n"), S("a1 NO bad\r\n"))
	if len(s.Auth) != 1 || s.Auth[0].Username != "alice" || s.Auth[0].Password != "p w" || *s.Auth[0].Success {
		t.Errorf("got %+v", s.Auth)
	}
}

func TestFetchedMessageSummarized(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a2 UID FETCH 7 (BODY.PEEK[])\r\n"),
		S("* 1 FETCH (UID 7 BODY[] {45}\r\nFrom: a@b\r\nSubject: =?ISO-8859-1?Q?Ca=F1a?=\r\n)\r\na2 OK done\r\n"))
	if len(s.Messages) != 1 {
		t.Fatalf("got %d messages", len(s.Messages))
	}
	if m := s.Messages[0]; m.Subject != "Caña" || m.From != "a@b" || m.Size != 45 || m.Via != "FETCH" {
		t.Errorf("got %+v", m)
	}
}

func TestCompressStopsParsing(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a COMPRESS DEFLATE\r\n"), S("a OK compressing\r\n\x78\x9cgarbage\r\n"), C("\x78\x9cb NOOP\r\n"))
	want := []string{"- => OK", "a COMPRESS DEFLATE => OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" || !s.Compressed || len(s.Anomalies) != 0 {
		t.Errorf("got %v compressed=%v anomalies=%v\n%s", st.Pairs(s), s.Compressed, s.Anomalies, d)
	}
}

func TestFetchItem(t *testing.T) {
	tests := []struct {
		line, item, content string
		ok                  bool
	}{
		{"* 1 FETCH (BODY[] {310}", "BODY[]", "", true},
		{"* 1 FETCH (UID 7 RFC822 {310}", "RFC822", "", true},
		{"* 1 FETCH (RFC822.HEADER {310}", "RFC822.HEADER", "header", true},
		{"* 1 FETCH (UID 1 RFC822.SIZE 473 BODY[HEADER.FIELDS (SUBJECT FROM)] {45}", "BODY[HEADER.FIELDS (SUBJECT FROM)]", "header", true},
		{"* 1 FETCH (BODY[]<0> {100}", "BODY[]<0>", "partial", true},
		{"* 1 FETCH (BODY.PEEK[TEXT]<200> {100}", "BODY.PEEK[TEXT]<200>", "partial", true},
		{"* 1 FETCH (BINARY[] {9}", "BINARY[]", "", true},
		{"* 1 FETCH (BINARY.PEEK[] ~{9}", "BINARY.PEEK[]", "", true},
		{"* 1 FETCH (BINARY[2] ~{9}", "BINARY[2]", "part", true},
		{"* 1 FETCH (BODY[1] {20}", "BODY[1]", "part", true},
		{"* 1 FETCH (BODY[1.2.MIME] {20}", "BODY[1.2.MIME]", "header", true},
		{"* 1 FETCH (BODY[TEXT] {20}", "BODY[TEXT]", "text", true},
		{"* 1 FETCH (RFC822.TEXT {20}", "RFC822.TEXT", "text", true},
		{"* 1 FETCH (ENVELOPE (NIL {5}", "", "", false},
		{"* 1 FETCH (BODY (\"TEXT\" {5}", "", "", false},
	}
	for _, tc := range tests {
		item, content, ok := fetchItem(tc.line)
		if item != tc.item || content != tc.content || ok != tc.ok {
			t.Errorf("fetchItem(%q) = %q %q %v, want %q %q %v", tc.line, item, content, ok, tc.item, tc.content, tc.ok)
		}
	}
}

// TestFetchOfSeveralMessages: a Thunderbird-style FETCH 1:3 gives one
// message per literal, each with its number, UID and item, on the line
// that carried it.
func TestFetchOfSeveralMessages(t *testing.T) {
	var steps []st.Step
	steps = append(steps, S("* OK ready\r\n"), C("a FETCH 1:3 (UID BODY.PEEK[])\r\n"))
	for i := 1; i <= 3; i++ {
		body := fmt.Sprintf("Subject: m%d\r\n\r\nhola\r\n", i)
		steps = append(steps, S(fmt.Sprintf("* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n", i, 10+i, len(body), body)))
	}
	steps = append(steps, S("a OK done\r\n"))
	for name, cut := range map[string][]st.Step{"whole": steps, "bytewise": st.Bytewise(steps)} {
		s := run(cut...)
		var got []string
		for _, m := range s.Messages {
			got = append(got, fmt.Sprintf("#%d UID %d %s %s", m.Seq, m.UID, m.Item, m.Subject))
		}
		want := []string{"#1 UID 11 BODY[] m1", "#2 UID 12 BODY[] m2", "#3 UID 13 BODY[] m3"}
		if d := st.Diff(got, want); d != "" {
			t.Fatalf("%s: messages differ:\n%s", name, d)
		}
		r := s.Exchanges[1].Response
		if fmt.Sprint(r.Messages, r.MessageLines) != "[0 1 2] [0 1 2]" {
			t.Errorf("%s: reply carries messages %v on lines %v of %q", name, r.Messages, r.MessageLines, r.Lines)
		}
	}
}

// TestIdleDataKeepsItsTime: the EXISTS that IDLE announces keeps the
// time it arrived, before the client's DONE.
func TestIdleDataKeepsItsTime(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a IDLE\r\n"), S("+ idling\r\n"), S("* 6 EXISTS\r\n"), C("DONE\r\n"), S("a OK done\r\n"))
	r := s.Exchanges[2].Response
	if len(r.Lines) != 2 || len(r.LineTimes) != 2 {
		t.Fatalf("IDLE completion: lines %q, times %v", r.Lines, r.LineTimes)
	}
	done := s.Exchanges[2].Command.Time
	if !r.LineTime(0).Before(done) || r.LineTime(1).Before(done) {
		t.Errorf("EXISTS at %v and completion at %v, DONE at %v: want the EXISTS before DONE", r.LineTime(0), r.LineTime(1), done)
	}
}

// TestMidstreamAndOneSided: a capture that starts inside IDLE ends it at
// the lone DONE; a capture of the server's direction alone gives one
// exchange per completion with its data, and no anomaly.
func TestMidstreamAndOneSided(t *testing.T) {
	s := st.NewSession(Name)
	s.Midstream, s.BytesClient = true, 6
	st.Run(New(proto.Env{Session: s}), S("* OK Still here\r\n"), C("DONE\r\n"), S("* 3 EXISTS\r\nA12 OK Idle completed.\r\n"),
		C("A13 NOOP\r\n"), S("A13 OK\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"continuation A12 IDLE DONE => OK", "A13 NOOP => OK"}); d != "" {
		t.Errorf("mid-IDLE: exchanges differ:\n%s", d)
	}
	if len(s.Anomalies) != 0 || len(s.Exchanges[0].Response.Lines) != 3 || s.Exchanges[0].Command.Tag != "A12" {
		t.Errorf("mid-IDLE: anomalies %v, reply %q, tag %q", s.Anomalies, s.Exchanges[0].Response.Lines, s.Exchanges[0].Command.Tag)
	}

	s = st.NewSession(Name)
	st.Run(New(proto.Env{Session: s}), S("* OK ready\r\n"), S("C1 OK Logged in\r\n"), S("* 2 EXISTS\r\n* 0 RECENT\r\nC2 OK Select completed\r\n"),
		S("* BYE bye\r\nC3 OK Logout\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"- => OK", "- => OK", "- => OK", "- => OK"}); d != "" {
		t.Errorf("server only: exchanges differ:\n%s", d)
	}
	if len(s.Anomalies) != 0 || len(s.Exchanges[2].Response.Lines) != 3 {
		t.Errorf("server only: anomalies %v, select reply %q", s.Anomalies, s.Exchanges[2].Response.Lines)
	}
}

// TestAuthenticateTypedAhead: the base64 sent before the "+" is the
// response to AUTHENTICATE, not a command.
func TestAuthenticateTypedAhead(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("1 authenticate plain\r\nAGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M=\r\n"), S("+ \r\n1 OK Logged in\r\n"))
	want := []string{"- => OK", "1 AUTHENTICATE plain => +", "continuation 1 AUTHENTICATE AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M= => OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if len(s.Anomalies) != 0 || s.Auth[0].Username != "alumnoimap" || s.Auth[0].Success == nil || !*s.Auth[0].Success {
		t.Errorf("anomalies %v, auth %+v", s.Anomalies, s.Auth[0])
	}
}

// TestUnilateralData: EXISTS between commands is allowed (RFC 9051 §5.2).
func TestUnilateralData(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a NOOP\r\n"), S("a OK\r\n"), S("* 4 EXISTS\r\n"), C("b NOOP\r\n"), S("b OK\r\n"))
	if len(s.Anomalies) != 0 {
		t.Errorf("anomalies: %v", s.Anomalies)
	}
}

func TestUnknownCommandIsAnomaly(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a FROB\r\nb XAPPLEPUSHSERVICE\r\nc UID FROB 1\r\n"), S("a BAD no\r\nb OK\r\nc BAD no\r\n"))
	var got []string
	for _, a := range s.Anomalies {
		got = append(got, a.Text)
	}
	if len(got) != 2 || got[0] != `unknown command "FROB"` || got[1] != `unknown command "UID FROB"` {
		t.Errorf("got %q", got)
	}
}

func TestLinesBeforeGreeting(t *testing.T) {
	s := run(C("a1 CAPABILITY\r\n"), S("* OK ready\r\n* CAPABILITY IMAP4rev1\r\na1 OK done\r\n"), C("a2 LOGOUT\r\n"), S("* BYE\r\na2 OK\r\n"))
	want := []string{"- => OK", "a1 CAPABILITY => OK", "a2 LOGOUT => OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Error(d)
	}
	if got := s.Exchanges[1].Response.Lines; len(got) != 2 || got[0] != "* CAPABILITY IMAP4rev1" {
		t.Errorf("CAPABILITY lines: %q", got)
	}
}

func TestCapabilities(t *testing.T) {
	s := run(seedSteps...)
	// The latest list: the one in the tagged OK of the authentication.
	if got := strings.Join(s.Capabilities, " "); got != "IMAP4rev1 LITERAL+ SASL-IR" {
		t.Errorf("got %q", got)
	}
}

// TestPipelinedUntaggedData: with two commands open, data the second one
// asked for is not given to the first just because it completes first.
func TestPipelinedUntaggedData(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a FETCH 1 (FLAGS)\r\nb SEARCH UNSEEN\r\nc LIST \"\" *\r\n"),
		S("* SEARCH 2 3\r\n* 1 FETCH (FLAGS (\\Seen))\r\n* LIST () \"/\" INBOX\r\n* 4 EXISTS\r\na OK done\r\nb OK done\r\nc OK done\r\n"))
	want := map[int][]string{
		1: {"* 1 FETCH (FLAGS (\\Seen))", "* 4 EXISTS", "a OK done"},
		2: {"* SEARCH 2 3", "b OK done"},
		3: {"* LIST () \"/\" INBOX", "c OK done"},
	}
	for i, lines := range want {
		if d := st.Diff(s.Exchanges[i].Response.Lines, lines); d != "" {
			t.Errorf("exchange %d:\n%s", i, d)
		}
	}
}

// TestGapPastLiteral: a gap that takes a literal's end and the rest of
// its line finishes the message, cut; the completion that follows still
// pairs, and nothing is glued onto it.
func TestGapPastLiteral(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a FETCH 1 BODY[]\r\n"), S("* 1 FETCH (BODY[] {100}\r\nSubject: x\r\n\r\n"),
		st.Step{Dir: session.FromServer, Gap: 90}, S("a OK done\r\n"), C("b LOGOUT\r\n"), S("b OK bye\r\n"))
	want := []string{"- => OK", "a FETCH 1 BODY[] => OK", "b LOGOUT => OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	r := s.Exchanges[1].Response
	if len(r.Lines) != 2 || r.Lines[1] != "a OK done" || len(s.Messages) != 1 || !s.Messages[0].Truncated || s.Messages[0].Subject != "x" {
		t.Errorf("reply %q, messages %+v", r.Lines, s.Messages)
	}
	if len(s.Anomalies) != 1 || !strings.Contains(s.Anomalies[0].Text, "took the end of a literal") {
		t.Errorf("anomalies: %v", s.Anomalies)
	}
}

// TestLiteralEdges: literal8 (RFC 3516) is a literal; "{n-}" is not; a
// LOGIN password sent as a Latin-1 literal keeps its bytes; a literal
// announced at the end of a line cut at the bound is still read as one.
func TestLiteralEdges(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a APPEND INBOX ~{5}\r\n"), S("+ go\r\n"), C("hello\r\n"), S("a OK\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"- => OK", "a APPEND INBOX ~{5} => +", "continuation a APPEND <message 5 bytes> => OK"}); d != "" {
		t.Errorf("literal8: exchanges differ:\n%s", d)
	}
	if _, _, ok := literalSuffix("a LOGIN {5-}"); ok {
		t.Error(`"{5-}" taken for a literal`)
	}
	s = run(S("* OK ready\r\n"), C("a LOGIN bob {5}\r\n"), S("+ go\r\n"), C("p\xe9ss!\r\n"), S("a OK\r\n"))
	if len(s.Auth) != 1 || s.Auth[0].Password != "p\xe9ss!" {
		t.Errorf("LOGIN literal password: got %+v", *s.Auth[0])
	}
	pad := strings.Repeat("A", 300)
	s = st.RunSpec(Spec(), proto.Options{MaxLine: 100}, S("* OK ready\r\n"), C("a APPEND INBOX (\\Seen) \""+pad+"\" {5}\r\n"),
		S("+ go\r\n"), C("hello\r\nb NOOP\r\n"), S("a OK\r\nb OK\r\n"))
	want := []string{"- => OK", "a APPEND INBOX (\\Seen) \"" + pad[:76] + " => +", "continuation a APPEND <message 5 bytes> => OK", "b NOOP => OK"}
	if d := st.Diff(st.Pairs(s), want); d != "" {
		t.Errorf("cut line with a literal: exchanges differ:\n%s", d)
	}
}

// TestLiteralCorners: the cases of issue 10's review, each a sequence
// that once gave a wrong session.
func TestLiteralCorners(t *testing.T) {
	tests := []struct {
		name  string
		steps []st.Step
		want  []string
	}{{
		name:  "{0} synchronizing literal: each + answers its part",
		steps: []st.Step{S("* OK ready\r\n"), C("a1 LOGIN {0}\r\n"), S("+ go\r\n"), C(" {4}\r\n"), S("+ go\r\n"), C("pass\r\n"), S("a1 OK done\r\n")},
		want:  []string{"- => OK", "a1 LOGIN {0} => +", `continuation a1 LOGIN "" {4} => +`, "continuation a1 LOGIN pass => OK"},
	}, {
		name: "NO to a non-synchronizing literal: the client sends it anyway (RFC 7888)",
		steps: []st.Step{S("* OK ready\r\n"), C("a1 APPEND INBOX {17+}\r\n"), S("a1 NO [TOOBIG] no\r\n"),
			C("a2 NOOP\r\nb NOOP\r\n\r\n"), C("d NOOP\r\n"), S("d OK\r\n")},
		want: []string{"- => OK", "a1 APPEND INBOX {17+} <message 17 bytes> => NO", "d NOOP => OK"},
	}, {
		name: "a + takes no untagged data of another command",
		steps: []st.Step{S("* OK ready\r\n"), C("a SEARCH ALL\r\nb APPEND INBOX {3}\r\n"), S("* SEARCH 1 2\r\n+ go\r\n"), C("abc\r\n"),
			S("a OK searched\r\nb OK appended\r\n")},
		want: []string{"- => OK", "a SEARCH ALL => OK", "b APPEND INBOX {3} => +", "continuation b APPEND <message 3 bytes> => OK"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.CheckPairs(t, run, tc.steps, tc.want)
			s := run(tc.steps...)
			for _, e := range s.Exchanges {
				if e.Response != nil && e.Response.Status == "+" && len(e.Response.Lines) != 1 {
					t.Errorf("a + took other lines: %q", e.Response.Lines)
				}
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("anomalies: %v", s.Anomalies)
			}
		})
	}
}

// TestWrongLiteralLength: a server literal shorter than what follows
// leaves a ")" line; it is no completion, and the next response resyncs.
func TestWrongLiteralLength(t *testing.T) {
	s := run(S("* OK ready\r\n"), C("a FETCH 1 BODY[]\r\n"), S("* 1 FETCH (BODY[] {12}\r\nSubject: x\r\nmore than announced\r\n)\r\na OK done\r\n"),
		C("b NOOP\r\n"), S("b OK\r\n"))
	if d := st.Diff(st.Pairs(s), []string{"- => OK", "a FETCH 1 BODY[] => OK", "b NOOP => OK"}); d != "" {
		t.Fatalf("exchanges differ:\n%s", d)
	}
	if len(s.Anomalies) != 1 || !strings.Contains(s.Anomalies[0].Text, "not a response") {
		t.Errorf("anomalies: %v", s.Anomalies)
	}
}

// TestCommandTypedAfterSASL: a tagged command pasted after the response
// the mechanism takes is a command of its own, and its untagged data is
// its own, not a greeting's; a response no "+" asked for before the
// completion was read by the server as a command, tagged by its first
// word.
func TestCommandTypedAfterSASL(t *testing.T) {
	const plain = "AGFsdW1ub2ltYXAAYWx1bW5vaW1hcHBhc3M="
	tests := []struct {
		name  string
		steps []st.Step
		want  []string
		user  string
		ok    bool
	}{{
		name: "PLAIN, its data and SELECT pasted at once",
		steps: []st.Step{C("a1 AUTHENTICATE PLAIN\r\n" + plain + "\r\na2 SELECT inbox\r\n"),
			S("+ \r\na1 OK Logged in\r\n* 1 EXISTS\r\n* OK [UIDNEXT 2] Predicted next UID\r\na2 OK [READ-WRITE] Select completed\r\n")},
		want: []string{"a1 AUTHENTICATE PLAIN => +", "continuation a1 AUTHENTICATE " + plain + " => OK", "a2 SELECT inbox => OK"},
		user: "alumnoimap", ok: true,
	}, {
		name:  "PLAIN with initial response, then SELECT",
		steps: []st.Step{C("a1 AUTHENTICATE PLAIN " + plain + "\r\na2 SELECT inbox\r\n"), S("a1 OK Logged in\r\n* 1 EXISTS\r\na2 OK Select completed\r\n")},
		want:  []string{"a1 AUTHENTICATE PLAIN " + plain + " => OK", "a2 SELECT inbox => OK"},
		user:  "alumnoimap", ok: true,
	}, {
		name: "LOGIN: two responses, then NOOP",
		steps: []st.Step{C("a1 AUTHENTICATE LOGIN\r\nYWx1bW5vaW1hcA==\r\nc2VjcmV0\r\na2 NOOP\r\n"),
			S("+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\na1 OK Logged in\r\na2 OK NOOP completed\r\n")},
		want: []string{"a1 AUTHENTICATE LOGIN => +", "continuation a1 AUTHENTICATE YWx1bW5vaW1hcA== => +",
			"continuation a1 AUTHENTICATE c2VjcmV0 => OK", "a2 NOOP => OK"},
		user: "alumnoimap", ok: true,
	}, {
		name: "CRAM-MD5: one response, then NOOP",
		steps: []st.Step{C("a1 AUTHENTICATE CRAM-MD5\r\n"), S("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
			C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\na2 NOOP\r\n"), S("a1 OK Logged in\r\na2 OK NOOP completed\r\n")},
		want: []string{"a1 AUTHENTICATE CRAM-MD5 => +", "continuation a1 AUTHENTICATE dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw => OK", "a2 NOOP => OK"},
		user: "tim", ok: true,
	}, {
		// Dovecot answers an unknown mechanism at once, then reads the
		// typed-ahead data as a command tagged with its base64.
		name: "refused with a response typed ahead",
		steps: []st.Step{C("a1 AUTHENTICATE PLAIN\r\n" + plain + "\r\na2 NOOP\r\n"),
			S("a1 NO [CANNOT] Plaintext authentication disallowed\r\n" + plain + " BAD Error in IMAP command received by server.\r\na2 OK NOOP completed\r\n")},
		want: []string{"a1 AUTHENTICATE PLAIN => NO", plain + " => BAD", "a2 NOOP => OK"},
		user: "", ok: false,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(append([]st.Step{S("* OK ready\r\n")}, tc.steps...)...)
			if d := st.Diff(st.Pairs(s), append([]string{"- => OK"}, tc.want...)); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			if len(s.Auth) != 1 || s.Auth[0].Username != tc.user || s.Auth[0].Success == nil || *s.Auth[0].Success != tc.ok {
				t.Errorf("auth: got %+v, want one by %q, success %v", s.Auth, tc.user, tc.ok)
			}
			for _, a := range s.Anomalies {
				if !strings.Contains(a.Text, "tag") { // the stranded base64 has no verb
					t.Errorf("anomaly: %v", a)
				}
			}
			last := s.Exchanges[len(s.Exchanges)-1]
			if len(last.Response.Lines) < 2 && strings.Contains(tc.want[len(tc.want)-1], "SELECT") {
				t.Errorf("SELECT's untagged data went elsewhere: %q", last.Response.Lines)
			}
		})
	}
}

// TestLiteralsByGrammar: a literal is only where RFC 9051 §9 puts one,
// and a synchronizing literal owns nothing until its "+" came.
func TestLiteralsByGrammar(t *testing.T) {
	tests := []struct {
		name     string
		steps    []st.Step
		pairs    []string
		messages []string // via, item, content, range, size
		user     string
	}{{
		name: "a refused {0} does not swallow the next command",
		steps: []st.Step{C("a1 LOGIN {0}\r\n"), S("a1 BAD Missing arguments\r\n"),
			C("a2 LOGIN bob secret\r\n"), S("a2 OK Logged in\r\n")},
		pairs: []string{"a1 LOGIN {0} => BAD", "a2 LOGIN bob secret => OK"},
		user:  "bob",
	}, {
		name:  "an accepted {0} is the empty string",
		steps: []st.Step{C("a1 LOGIN {0}\r\n"), S("+ OK\r\n"), C(" secret\r\n"), S("a1 NO [AUTHENTICATIONFAILED] failed\r\n")},
		pairs: []string{"a1 LOGIN {0} => +", "continuation a1 LOGIN \"\" secret => NO"},
	}, {
		name: "APPEND's mailbox as a literal is a name, its last literal the message",
		steps: []st.Step{C("a1 APPEND {5}\r\n"), S("+ OK\r\n"), C("INBOX (\\Seen) {11}\r\n"), S("+ OK\r\n"),
			C("Subject: x\r\n"), S("a1 OK [APPENDUID 1 1] Append completed.\r\n")},
		pairs:    []string{"a1 APPEND {5} => +", "continuation a1 APPEND INBOX (\\Seen) {11} => +", "continuation a1 APPEND <message 11 bytes> => OK"},
		messages: []string{"APPEND   11"},
	}, {
		name:  "a status text ending in {3} is text",
		steps: []st.Step{C("a1 NOOP\r\n"), S("a1 OK done {3}\r\n"), C("a2 NOOP\r\n"), S("a2 OK done\r\n")},
		pairs: []string{"a1 NOOP => OK", "a2 NOOP => OK"},
	}, {
		name: "BINARY.PEEK[] carries the message",
		steps: []st.Step{C("a1 FETCH 1 (BINARY.PEEK[])\r\n"),
			S("* 1 FETCH (BINARY[] ~{12}\r\nSubject: x\r\n)\r\na1 OK Fetch completed.\r\n")},
		pairs:    []string{"a1 FETCH 1 (BINARY.PEEK[]) => OK"},
		messages: []string{"FETCH BINARY[]  12"},
	}, {
		name: "a partial fetch is a partial",
		steps: []st.Step{C("a1 FETCH 1 (BODY.PEEK[]<0.12>)\r\n"),
			S("* 1 FETCH (BODY[]<0> {12}\r\nSubject: x\r\n)\r\na1 OK Fetch completed.\r\n")},
		pairs:    []string{"a1 FETCH 1 (BODY.PEEK[]<0.12>) => OK"},
		messages: []string{"FETCH BODY[]<0> partial &{0 12} 12"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := run(append([]st.Step{S("* OK ready\r\n")}, tc.steps...)...)
			if d := st.Diff(st.Pairs(s), append([]string{"- => OK"}, tc.pairs...)); d != "" {
				t.Fatalf("exchanges differ:\n%s", d)
			}
			var got []string
			for _, m := range s.Messages {
				r := ""
				if m.Range != nil {
					r = fmt.Sprint(m.Range)
				}
				got = append(got, strings.TrimSpace(fmt.Sprintf("%s %s %s %s %d", m.Via, m.Item, m.Content, r, m.Size)))
			}
			want := tc.messages
			for i := range want {
				want[i] = strings.Join(strings.Fields(want[i]), " ")
			}
			for i := range got {
				got[i] = strings.Join(strings.Fields(got[i]), " ")
			}
			if d := st.Diff(got, want); d != "" {
				t.Errorf("messages differ:\n%s", d)
			}
			if tc.user != "" {
				last := s.Auth[len(s.Auth)-1]
				if last.Username != tc.user || last.Password != "secret" {
					t.Errorf("login: got %q %q, want %q secret", last.Username, last.Password, tc.user)
				}
			}
			if len(s.Anomalies) != 0 {
				t.Errorf("anomalies: %v", s.Anomalies)
			}
		})
	}
}

// TestUntaggedFloodBounded: a flood of untagged data keeps the reply's
// first lines, counts the rest, and says so once.
func TestUntaggedFloodBounded(t *testing.T) {
	flood := strings.Repeat("* 1 EXISTS\r\n", session.MaxReplyLines+500)
	s := run(S("* OK ready\r\n"), C("a1 NOOP\r\n"), S(flood+"a1 OK done\r\n"))
	r := s.Exchanges[len(s.Exchanges)-1].Response
	if len(r.Lines) != session.MaxReplyLines+1 || r.LinesDropped != 500 || r.Status != "OK" {
		t.Errorf("%d lines kept, %d dropped, status %q; want %d, 500, OK", len(r.Lines), r.LinesDropped, r.Status, session.MaxReplyLines+1)
	}
	if len(s.Anomalies) != 1 || !strings.Contains(s.Anomalies[0].Text, "500 more lines") {
		t.Errorf("anomalies %v", s.Anomalies)
	}
}

// TestManyLiteralsInOneLine: a response or a command of thousands of
// literals costs what its bytes do (each literal used to scan, upper-case
// or copy the whole line so far: a 600 KB response took minutes), its
// text is kept up to the line bound, and its messages keep their UID.
func TestManyLiteralsInOneLine(t *testing.T) {
	const n = 4000
	opts := proto.Options{MaxLine: 1024}
	allocated := func(steps ...st.Step) (*session.Session, uint64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := st.RunSpec(Spec(), opts, steps...)
		runtime.ReadMemStats(&after)
		return s, after.TotalAlloc - before.TotalAlloc
	}
	fetch := "* 1 FETCH (UID 7 " + strings.Repeat("BODY[1] {1}\r\nx ", n) + "FLAGS (\\Seen))\r\na1 OK done\r\n"
	s, bytes := allocated(S("* OK hi\r\n"), C("a1 FETCH 1 (UID BODY[1])\r\n"), S(fetch))
	if len(s.Messages) != n || s.Messages[0].UID != 7 || s.Messages[n-1].UID != 7 {
		t.Fatalf("%d messages, UIDs %d..%d; want %d, 7", len(s.Messages), s.Messages[0].UID, s.Messages[len(s.Messages)-1].UID, n)
	}
	r := s.Exchanges[len(s.Exchanges)-1].Response
	if len(r.Lines) != 2 || len(r.Lines[0]) != 1024 || len(r.Messages) != n {
		t.Errorf("response of %d lines, the first of %d bytes, %d messages; want 2, 1024 (the bound), %d", len(r.Lines), len(r.Lines[0]), len(r.Messages), n)
	}
	if got := st.AnomalyKeys(s); !slices.Equal(got, []string{"server->client ui.anomaly.imap.line.long"}) {
		t.Errorf("anomalies %v", got)
	}
	// Each literal is a message here, with its builder and MIME reader:
	// some KiB each, and no more as the line grows.
	if per := bytes / uint64(len(fetch)); per > 200 {
		t.Errorf("%d bytes allocated for a %d-byte response: %d per byte", bytes, len(fetch), per)
	}

	search := "a2 SEARCH " + strings.Repeat("TEXT {1+}\r\nx ", n) + "ALL\r\n"
	s, bytes = allocated(S("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"), C(search), S("a2 OK done\r\n"))
	cmd := s.Exchanges[len(s.Exchanges)-1].Command
	if len(cmd.Args) != 1024 || !strings.HasPrefix(cmd.Args, "TEXT {1+} x TEXT {1+} x") {
		t.Errorf("command args of %d bytes, %.20q...; want 1024 (the bound)", len(cmd.Args), cmd.Args)
	}
	if per := bytes / uint64(len(search)); per > 30 {
		t.Errorf("%d bytes allocated for a %d-byte command: %d per byte", bytes, len(search), per)
	}
}

// TestHeldDataCostsWhatItTakes: data another open command asked for
// waits for it, in order, while thousands of other completions come and
// go, and those cost what they take, not what waits (each used to read
// every held line again: 8 000 NOOPs behind 10 000 LIST lines took 18 s).
func TestHeldDataCostsWhatItTakes(t *testing.T) {
	const held, noops = 5000, 4000
	var list strings.Builder
	for i := range held {
		fmt.Fprintf(&list, "* LIST () \"/\" box%d\r\n", i)
	}
	steps := []st.Step{S("* OK hi\r\n"), C("a1 LIST \"\" *\r\n"), S(list.String())}
	for i := range noops {
		steps = append(steps, C(fmt.Sprintf("b%d NOOP\r\n", i)), S(fmt.Sprintf("* %d EXISTS\r\nb%d OK done\r\n", i, i)))
	}
	steps = append(steps, S("a1 OK listed\r\n"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := run(steps...)
	runtime.ReadMemStats(&after)
	r := s.Exchanges[1].Response
	if r == nil || len(r.Lines) != held+1 || r.Lines[0] != `* LIST () "/" box0` || r.Lines[held-1] != fmt.Sprintf(`* LIST () "/" box%d`, held-1) {
		t.Fatalf("LIST's response: %+v", r)
	}
	for i, e := range s.Exchanges[2:] {
		if r := e.Response; e.Command.Verb != "NOOP" || r == nil || len(r.Lines) != 2 || r.Lines[0] != fmt.Sprintf("* %d EXISTS", i) {
			t.Fatalf("NOOP %d's response: %+v", i, r)
		}
	}
	in := uint64(0)
	for _, step := range steps {
		in += uint64(len(step.Data))
	}
	if per := (after.TotalAlloc - before.TotalAlloc) / in; per > 200 {
		t.Errorf("%d bytes allocated for %d bytes in: %d per byte", after.TotalAlloc-before.TotalAlloc, in, per)
	}
}

// TestOpenCommandsBounded: past maxOpen commands awaiting completion the
// oldest are given up, once said, and the rest still pair by tag.
func TestOpenCommandsBounded(t *testing.T) {
	const n = maxOpen + 500
	var cli, srv strings.Builder
	for i := range n {
		fmt.Fprintf(&cli, "c%d NOOP\r\n", i)
	}
	for i := n - 1; i >= 0; i-- { // the newest first: each tag is looked for
		fmt.Fprintf(&srv, "c%d OK done\r\n", i)
	}
	s := run(S("* OK hi\r\n"), C(cli.String()), S(srv.String()))
	paired := 0
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Response != nil && e.Response.Lines[0] == e.Command.Tag+" OK done" {
			paired++
		}
	}
	if paired != maxOpen {
		t.Errorf("%d commands paired, want %d (the newest)", paired, maxOpen)
	}
	if got := st.AnomalyKeys(s); len(got) == 0 || got[0] != "client->server ui.anomaly.imap.open.bound" || slices.Contains(got[1:], got[0]) {
		t.Errorf("anomalies %v", got[:min(len(got), 3)])
	}
}

// TestManyPartsBounded: a command keeps maxSegs parts for its
// completion; those let go before it are left as the completion leaves a
// LOGIN's (secret, masked), and the "+" that comes after still answers
// the part the server has read.
func TestManyPartsBounded(t *testing.T) {
	const n = 3 * maxSegs
	steps := []st.Step{S("* OK hi\r\n"), C("a1 LOGIN {6}\r\n"), S("+ go\r\n"), C("alumno {6}\r\n")}
	for range n - 1 {
		steps = append(steps, S("+ go\r\n"), C("secret {6}\r\n"))
	}
	steps = append(steps, S("+ go\r\n"), C("secret\r\n"), S("a1 OK done\r\n"))
	s := st.RunSpec(Spec(), proto.Options{Redact: true}, steps...)
	parts := 0
	for _, e := range s.Exchanges {
		c := e.Command
		if c == nil || c.Verb != "LOGIN" {
			continue
		}
		parts++
		if !c.Secret || strings.Contains(c.Args, "secret") {
			t.Fatalf("part %d: secret %v, args %q", parts, c.Secret, c.Args)
		}
		if e.Response == nil {
			t.Errorf("part %d unanswered", parts)
		}
	}
	if parts != n+2 {
		t.Errorf("%d parts, want %d", parts, n+2)
	}
}

// TestDataForTheClosedIsNotHeld: once the command that asked for a kind
// of data has completed, that data goes to the next completion, not held
// for it.
func TestDataForTheClosedIsNotHeld(t *testing.T) {
	s := run(S("* OK hi\r\n"), C("a1 LIST \"\" *\r\n"), S("* LIST () \"/\" x\r\na1 OK\r\n"),
		C("a2 NOOP\r\n"), S("* LIST () \"/\" y\r\na2 OK\r\n"))
	r := s.Exchanges[len(s.Exchanges)-1].Response
	if r == nil || len(r.Lines) != 2 || r.Lines[0] != `* LIST () "/" y` {
		t.Fatalf("NOOP's response: %+v", r)
	}
}

// TestOwnerMasks: owners as masks say what owners says, for every
// response name and every verb, those it names and others.
func TestOwnerMasks(t *testing.T) {
	if len(askerBit) > 64 || len(ownerNames) > 256 {
		t.Fatalf("%d verbs, %d names: past the masks", len(askerBit), len(ownerNames))
	}
	verbs := []string{"NOOP", "CAPABILITY", "APPEND", "UID EXPUNGE", "XVERB"}
	for _, vs := range owners {
		verbs = append(verbs, vs...)
	}
	for name, vs := range owners {
		i := ownerIndex[name]
		if ownerNames[i] != name {
			t.Fatalf("%s at %d: %q", name, i, ownerNames[i])
		}
		for _, verb := range verbs {
			if got, want := ownerAskers[i]&askerBit[verb] != 0, slices.Contains(vs, verb); got != want {
				t.Errorf("%s asks for %s: %v, want %v", verb, name, got, want)
			}
		}
	}
}

// TestOpenCountsForgetTheClosed: what counts the open commands holds the
// open ones only, whatever verbs and tags the client made up before.
func TestOpenCountsForgetTheClosed(t *testing.T) {
	p := Spec().New(proto.Env{Session: st.NewSession("imap")}).(*Parser)
	steps := []st.Step{S("* OK hi\r\n")}
	for i := range 5000 {
		verb := []string{fmt.Sprintf("XVERB%d", i), "LIST \"\" *", "UID FETCH 1 FLAGS"}[i%3]
		steps = append(steps, C(fmt.Sprintf("t%d %s\r\n", i, verb)), S(fmt.Sprintf("t%d OK\r\n", i)))
	}
	st.Run(p, steps...)
	if len(p.open) != 0 || p.openMask != 0 || p.openAskers != [64]uint16{} || len(p.openTags) != 0 {
		t.Errorf("%d open; verbs %b open, counts of %d tags kept", len(p.open), p.openMask, len(p.openTags))
	}
}

// TestOwnerName: an untagged line's response name is read as
// strings.Fields splits the line, without its copies.
func TestOwnerName(t *testing.T) {
	fields := func(line string) string {
		f := strings.Fields(line)
		if len(f) < 2 {
			return ""
		}
		name := lines.Upper(f[1])
		if len(f) > 2 && name[0] >= '0' && name[0] <= '9' {
			name = lines.Upper(f[2])
		}
		if _, ok := owners[name]; !ok {
			return ""
		}
		return name
	}
	for _, line := range []string{"* 3 FETCH (FLAGS ())", "* list () \"/\" x", "*  \t SEARCH 1 2", "* 3", "* 3 ", "*", "",
		"* \u00a0LIST x", "* 12\u2003fetch", "a1 OK done", "* STATUS", "* 5 EXISTS", "  * LSUB"} {
		if got, want := ownerNames[ownerName(line)], fields(line); got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
}

// TestACommandsRecords: a NOOP and its completion with a line of data
// allocate six records: the command's line, its state and first part
// (room for it is in the state), its exchange with the command, the two
// server lines, and the response with room for them. A flood of them
// pays for each.
func TestACommandsRecords(t *testing.T) {
	if per := noopAllocs(st.NewSession("imap")); per > 6.2 {
		t.Errorf("%.2f allocations a NOOP and its completion, want 6", per)
	}
}

// TestPastTheBoundReusesRecords: past the session's bound a completed
// command lends its state, its exchange and its response's records to
// the next (done, proto.Conn.Release): a NOOP and its completion with a
// line of data allocate their three lines only, not six records. What
// the exchanges said is held to the same run without a bound by the
// fuzz seeds (sessiontest.CheckPastTheBound).
func TestPastTheBoundReusesRecords(t *testing.T) {
	s := st.NewSession("imap")
	s.Limits.Exchanges = 1
	if per := noopAllocs(s); per > 3.2 {
		t.Errorf("%.2f allocations a NOOP and its completion past the bound, want 3 (its lines)", per)
	}
	if past := s.Past(); past.Commands["NOOP"] < 1000 || past.Replies["OK"] != past.Commands["NOOP"] {
		t.Errorf("past the bound: %v NOOPs, %v OKs counted", past.Commands["NOOP"], past.Replies["OK"])
	}
}

// noopAllocs is what a NOOP and its completion with a line of data
// allocate in s, in batches of a hundred pipelined, ten times over.
func noopAllocs(s *session.Session) float64 {
	p := Spec().New(proto.Env{Session: s})
	p.Feed(session.FromServer, st.T0, []byte("* OK hi\r\n"))
	const n = 100
	var cli, srv strings.Builder
	for i := range n {
		fmt.Fprintf(&cli, "b%d NOOP\r\n", i)
		fmt.Fprintf(&srv, "* %d EXISTS\r\nb%d OK done\r\n", i, i)
	}
	c, r := []byte(cli.String()), []byte(srv.String())
	return testing.AllocsPerRun(10, func() {
		p.Feed(session.FromClient, st.T0, c)
		p.Feed(session.FromServer, st.T0, r)
	}) / n
}

// TestAfterLastSpaceOrParen: where the last word starts is what
// strings.LastIndexAny says, on short and long strings, UTF-8 or not.
func TestAfterLastSpaceOrParen(t *testing.T) {
	for _, s := range []string{"", " ", "(", "BODY", " BODY", "(BODY", "UID 7 BODY", "* 1 FETCH (BODY", "a(b c", "ñ(ü BODY", "\xff(\xfe", "x\xe2\x80\xa8 y", "(((", "  \t"} {
		if got, want := afterLastSpaceOrParen(s), strings.LastIndexAny(s, " (")+1; got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	}
}
