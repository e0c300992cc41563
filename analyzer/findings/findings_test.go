package findings

import (
	"slices"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ok(b bool) *bool { return &b }

func smtpSession(ex ...*session.Exchange) *session.Session {
	greeting := &session.Exchange{Response: &session.Response{Status: "220", Lines: []string{"220 mx.example.test ESMTP"}}}
	return &session.Session{ID: 1, Protocol: "smtp", Client: "192.0.2.7:40000", Server: "192.0.2.25:25", Start: t0,
		TLS: session.TLSNone, Detected: "port", Exchanges: append([]*session.Exchange{greeting}, ex...)}
}

func rcpt(addr, status string) *session.Exchange {
	return &session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: "RCPT", Path: addr, Time: t0},
		Response: &session.Response{Status: status}}
}

func kinds(s *session.Session) []string {
	var out []string
	for _, f := range s.Findings {
		out = append(out, f.Kind+"/"+f.Severity)
	}
	slices.Sort(out)
	return out
}

// TestEachKind: each kind fires on what it names, and not on the case
// next to it.
func TestEachKind(t *testing.T) {
	tests := []struct {
		name    string
		session func() *session.Session
		want    []string
	}{
		{"password in clear", func() *session.Session {
			s := smtpSession()
			s.Auth = []*session.Auth{{Mechanism: "PLAIN", Username: "u", Password: "p", Success: ok(true), Time: t0}}
			return s
		}, []string{"cleartext-credentials/high"}},
		{"digest in clear", func() *session.Session {
			s := smtpSession()
			s.Auth = []*session.Auth{{Mechanism: "CRAM-MD5", Username: "u", Success: ok(true), Time: t0}}
			return s
		}, []string{"cleartext-credentials/medium"}},
		{"credentials over implicit TLS are not seen", func() *session.Session {
			s := smtpSession()
			s.TLS = session.TLSImplicit
			return s
		}, nil},
		{"STARTTLS offered, not used", func() *session.Session {
			s := smtpSession()
			s.TLSOffered = true
			return s
		}, []string{"tls-not-used/low"}},
		{"STARTTLS used", func() *session.Session {
			s := smtpSession()
			s.TLSOffered, s.TLS = true, session.TLSStart
			return s
		}, nil},
		{"From: not the envelope's sender", func() *session.Session {
			s := smtpSession()
			s.Messages = []*session.Message{{MailFrom: "a@other.test", From: "Boss <boss@other.test>", Accepted: ok(true), Time: t0}}
			return s
		}, []string{"from-mismatch/medium"}},
		{"From: the envelope's sender, in another case", func() *session.Session {
			s := smtpSession()
			s.Messages = []*session.Message{{MailFrom: "A@other.test", From: "A <a@other.test>", Accepted: ok(true), Time: t0}}
			return s
		}, nil},
		{"local sender without authentication", func() *session.Session {
			s := smtpSession()
			s.Messages = []*session.Message{{MailFrom: "pepe@example.test", Accepted: ok(true), Time: t0}}
			return s
		}, []string{"unauthenticated-local/high"}},
		{"local sender, authenticated", func() *session.Session {
			s := smtpSession()
			s.Auth = []*session.Auth{{Mechanism: "CRAM-MD5", Username: "pepe", Success: ok(true), Time: t0}}
			s.TLS = session.TLSStart
			s.Messages = []*session.Message{{MailFrom: "pepe@example.test", Accepted: ok(true), Time: t0}}
			return s
		}, []string{"cleartext-credentials/medium"}},
		{"VRFY", func() *session.Session {
			return smtpSession(&session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: "VRFY", Time: t0}})
		}, []string{"recipient-enumeration/medium"}},
		{"many recipients refused", func() *session.Session {
			var ex []*session.Exchange
			for range 5 {
				ex = append(ex, rcpt("x@example.test", "550"))
			}
			return smtpSession(ex...)
		}, []string{"recipient-enumeration/medium"}},
		{"relay accepted", func() *session.Session { return smtpSession(rcpt("v@elsewhere.test", "250")) }, []string{"relay-attempt/high"}},
		{"relay refused", func() *session.Session { return smtpSession(rcpt("v@elsewhere.test", "554")) }, []string{"relay-attempt/low"}},
		{"local recipient", func() *session.Session { return smtpSession(rcpt("v@example.test", "250")) }, nil},
		{"smuggling", func() *session.Session {
			s := smtpSession()
			s.Messages = []*session.Message{{Flags: []string{"lone-dot-bare-lf", "bare-lf"}, Time: t0}}
			return s
		}, []string{"smtp-smuggling/high"}},
		{"sent as another user of the domain", func() *session.Session {
			s := smtpSession()
			s.TLS, s.Auth = session.TLSImplicit, []*session.Auth{{Username: "alumnoimap", Success: ok(true), Time: t0}}
			s.Messages = []*session.Message{{MailFrom: "alumnopop@example.test", Accepted: ok(true), Time: t0}}
			return s
		}, []string{"sender-not-authenticated-user/medium"}},
		{"sent as oneself, also with the domain in the user name", func() *session.Session {
			s := smtpSession()
			s.TLS, s.Auth = session.TLSImplicit, []*session.Auth{{Username: "Alumnoimap@example.test", Success: ok(true), Time: t0}}
			s.Messages = []*session.Message{{MailFrom: "alumnoimap@example.test", From: "Alumno <alumnoimap@example.test>", Accepted: ok(true), Time: t0}}
			return s
		}, nil},
		{"a From: of another user, the envelope one's own", func() *session.Session {
			s := smtpSession()
			s.TLS, s.Auth = session.TLSImplicit, []*session.Auth{{Username: "alumnoimap", Success: ok(true), Time: t0}}
			s.Messages = []*session.Message{{MailFrom: "alumnoimap@example.test", From: "Decano <decano@example.test>", Accepted: ok(true), Time: t0}}
			return s
		}, []string{"from-mismatch/medium", "sender-not-authenticated-user/medium"}},
		{"STARTTLS masked by a firewall", func() *session.Session {
			s := smtpSession()
			s.Capabilities = []string{"PIPELINING", "SIZE 10240000", "XXXXXXXA", "8BITMIME"}
			return s
		}, []string{"starttls-stripped/high"}},
		{"STARTTLS one letter off", func() *session.Session {
			s := smtpSession()
			s.Capabilities = []string{"PIPELINING", "STARTTLX"}
			return s
		}, []string{"starttls-stripped/high"}},
		{"POP3's STLS masked", func() *session.Session {
			return &session.Session{Protocol: "pop3", Client: "192.0.2.7:1", Start: t0, TLS: session.TLSNone, Capabilities: []string{"TOP", "XXXX", "UIDL"}}
		}, []string{"starttls-stripped/high"}},
		{"extensions that are no mask", func() *session.Session {
			s := smtpSession()
			s.Capabilities = []string{"XFORWARD NAME ADDR", "XCLIENT NAME", "SMTPUTF8", "8BITMIME", "STARTTLS"}
			return s
		}, nil},
		{"STARTTLS offered, then refused", func() *session.Session {
			s := smtpSession(&session.Exchange{Command: &session.Command{Kind: session.KindCommand, Verb: "STARTTLS", Time: t0},
				Response: &session.Response{Status: "454", Lines: []string{"454 4.7.0 TLS not available due to local problem"}}})
			s.TLSOffered = true
			return s
		}, []string{"starttls-stripped/high", "tls-not-used/low"}},
		{"mail on another port", func() *session.Session {
			s := smtpSession()
			s.Detected, s.Server = "content", "192.0.2.25:2626"
			return s
		}, []string{"nonstandard-port/low"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.session()
			New(Options{}).Session(s)
			if got := kinds(s); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for _, f := range s.Findings {
				if f.Text == "" || f.Time.IsZero() {
					t.Errorf("finding without text or time: %+v", f)
				}
			}
		})
	}
}

// TestAuthFailuresAcrossSessions: failures from one client add up over
// its sessions; another client's do not count.
func TestAuthFailuresAcrossSessions(t *testing.T) {
	j := New(Options{})
	fail := func(client string) *session.Session {
		s := &session.Session{Protocol: "pop3", Client: client, Start: t0, TLS: session.TLSImplicit,
			Auth: []*session.Auth{{Mechanism: "USER", Username: "u", Success: ok(false), Time: t0}}}
		j.Session(s)
		return s
	}
	fail("192.0.2.7:1")
	fail("192.0.2.8:1")
	if s := fail("192.0.2.7:2"); len(s.Findings) != 0 {
		t.Errorf("two failures: %v", kinds(s))
	}
	if s := fail("192.0.2.7:3"); !slices.Equal(kinds(s), []string{"auth-failures/medium"}) {
		t.Errorf("third failure: %v", kinds(s))
	}
}

// TestDomainsOption: the servers' domains can be named instead of read
// from the greeting.
func TestDomainsOption(t *testing.T) {
	s := smtpSession(rcpt("v@elsewhere.test", "250"))
	New(Options{Domains: []string{"elsewhere.test"}}).Session(s)
	if len(s.Findings) != 0 {
		t.Errorf("got %v", kinds(s))
	}
}
