// Package findings judges finished sessions: what a reader of a mail
// capture should be told, each with a stable kind, a severity, a time and
// a sentence that says why. The kinds are listed with what triggers them
// in the README ("Findings").
package findings

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Kinds.
const (
	CleartextCredentials = "cleartext-credentials"
	FromMismatch         = "from-mismatch"
	UnauthenticatedLocal = "unauthenticated-local"
	TLSNotUsed           = "tls-not-used"
	AuthFailures         = "auth-failures"
	RecipientEnumeration = "recipient-enumeration"
	RelayAttempt         = "relay-attempt"
	SMTPSmuggling        = "smtp-smuggling"
	NonstandardPort      = "nonstandard-port"
	SenderNotUser        = "sender-not-authenticated-user"
	StartTLSStripped     = "starttls-stripped"
)

// Severities.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Options tune the judgments.
type Options struct {
	// Domains are the mail domains the servers serve (with their
	// subdomains); empty: each SMTP server's greeting names its host.
	Domains []string
	// AuthFailures is how many failed authentications from one client,
	// over all its sessions, make a finding (0: 3).
	AuthFailures int
	// RefusedRecipients is how many refused RCPT in one session make a
	// finding of enumeration (0: 5).
	RefusedRecipients int
}

// Judge judges sessions as they end; it remembers authentication failures
// per client across sessions.
type Judge struct {
	opts     Options
	failures map[netip.Addr]int
}

// maxClients bounds the clients remembered; past it the counts restart.
const maxClients = 100000

// New returns a Judge.
func New(o Options) *Judge {
	if o.AuthFailures <= 0 {
		o.AuthFailures = 3
	}
	if o.RefusedRecipients <= 0 {
		o.RefusedRecipients = 5
	}
	domains := make([]string, 0, len(o.Domains))
	for _, d := range o.Domains {
		domains = append(domains, strings.ToLower(strings.Trim(d, ". ")))
	}
	o.Domains = domains
	return &Judge{opts: o, failures: map[netip.Addr]int{}}
}

// Session adds to s the findings it deserves.
func (j *Judge) Session(s *session.Session) {
	credentials(s)
	tlsNotUsed(s)
	starttlsStripped(s)
	j.authFailures(s)
	if s.Protocol == "smtp" {
		j.smtp(s)
	}
	if s.Detected == "content" {
		add(s, NonstandardPort, Low, s.Start, "nonstandard-port",
			strings.ToUpper(string(s.Protocol)), port(s.Server))
	}
}

// add records a finding whose text is the catalog's key, in English;
// the finding keeps the key and arguments for views in other languages.
func add(s *session.Session, kind, severity string, t time.Time, key string, args ...any) {
	key = "ui.finding." + key
	s.Findings = append(s.Findings, session.Finding{Kind: kind, Severity: severity, Time: t,
		Text: fmt.Sprintf(explain.Say(key, explain.English), args...), Key: key, Args: args})
}

// credentials: what authenticated in clear. A password or token is
// readable by anyone on the path; a digest (CRAM-MD5, APOP) can be
// attacked offline.
func credentials(s *session.Session) {
	for _, a := range s.Auth {
		if !s.InClear(a.Time) || a.Username == "" && a.Password == "" {
			continue
		}
		switch a.Mechanism {
		case "CRAM-MD5", "APOP", "DIGEST-MD5":
			add(s, CleartextCredentials, Medium, a.Time, "credentials.digest", a.Mechanism, a.Username)
		default:
			what := "password"
			if a.Mechanism == "XOAUTH2" {
				what = "token"
			}
			add(s, CleartextCredentials, High, a.Time, "credentials."+what, a.Mechanism, a.Username)
		}
	}
}

// tlsNotUsed: the server offered to encrypt and the session did not.
func tlsNotUsed(s *session.Session) {
	if s.TLS != session.TLSNone || !s.TLSOffered {
		return
	}
	what, sev := "nothing", Low
	switch {
	case len(s.Auth) > 0:
		what, sev = "credentials", Medium
	case len(s.Messages) > 0:
		what, sev = "messages", Medium
	}
	add(s, TLSNotUsed, sev, s.Start, "tls-not-used."+what)
}

// authFailures counts failed authentications per client over sessions.
func (j *Judge) authFailures(s *session.Session) {
	client, err := netip.ParseAddrPort(s.Client)
	if err != nil {
		return
	}
	ip := client.Addr()
	_, failed, _ := s.AuthOutcomes() // those past the bound too
	if failed == 0 {
		return
	}
	if len(j.failures) >= maxClients {
		j.failures = map[netip.Addr]int{}
	}
	j.failures[ip] += failed
	if n := j.failures[ip]; n >= j.opts.AuthFailures {
		add(s, AuthFailures, Medium, s.LastAuthFailure(), "auth-failures", n, ip)
	}
}

// smtp judges the envelope and the messages of an SMTP session.
func (j *Judge) smtp(s *session.Session) {
	ours := j.domains(s)
	authenticated := false
	for _, a := range s.Auth {
		authenticated = authenticated || a.Success != nil && *a.Success
	}
	refused, probes := 0, 0
	var probeTime time.Time
	for _, e := range s.Exchanges {
		c := e.Command
		if c == nil || c.Kind != session.KindCommand {
			continue
		}
		switch c.Verb {
		case "VRFY", "EXPN":
			if probes == 0 {
				probeTime = c.Time
			}
			probes++
		case "RCPT":
			rcpt := c.Path
			accepted := e.Response != nil && len(e.Response.Status) == 3 && e.Response.Status[0] == '2'
			if e.Response != nil && !accepted && e.Response.Status != "" && e.Response.Status[0] == '5' {
				refused++
			}
			if d := domainOf(rcpt); d != "" && len(ours) > 0 && !within(d, ours) && !authenticated {
				if accepted {
					add(s, RelayAttempt, High, c.Time, "relay.accepted", rcpt, strings.Join(ours, ", "))
				} else {
					add(s, RelayAttempt, Low, c.Time, "relay.refused", rcpt, strings.Join(ours, ", "))
				}
			}
		}
	}
	if probes > 0 {
		add(s, RecipientEnumeration, Medium, probeTime, "enumeration.vrfy", probes)
	}
	if refused >= j.opts.RefusedRecipients {
		add(s, RecipientEnumeration, Medium, s.Start, "enumeration.refused", refused)
	}
	user := ""
	for _, a := range s.Auth {
		if a.Success != nil && *a.Success {
			user = a.Username
		}
	}
	for _, m := range s.Messages {
		j.message(s, m, ours, authenticated)
		if user != "" {
			otherUser(s, m, ours, user)
		}
	}
}

// otherUser judges a message an authenticated user sent as another user
// of the server's own domains: in the envelope (MAIL FROM) or in the From:
// the reader sees. An alias or a shared mailbox does it too; a stolen
// password does it to impersonate.
func otherUser(s *session.Session, m *session.Message, ours []string, user string) {
	me, _, _ := strings.Cut(strings.ToLower(user), "@")
	for _, sender := range []string{m.MailFrom, message.Address(m.From)} {
		d := domainOf(sender)
		if d == "" || !within(d, ours) {
			continue
		}
		if local, _, _ := strings.Cut(strings.ToLower(sender), "@"); local != me {
			add(s, SenderNotUser, Medium, m.Time, "sender-not-user", user, sender)
			return
		}
	}
}

// starttlsStripped judges a capability list where the keyword that offers
// TLS was masked by something on the path ("XXXXXXXA", "STARTTLX": some
// firewalls do it so that clients stay in clear), and an offer of TLS
// refused when taken.
func starttlsStripped(s *session.Session) {
	for _, c := range s.Capabilities {
		word, _, _ := strings.Cut(c, " ")
		if maskedTLS(strings.ToUpper(word), s.Protocol) {
			add(s, StartTLSStripped, High, s.Start, "starttls.masked", word)
			return
		}
	}
	if !s.TLSOffered {
		return
	}
	for _, e := range s.Exchanges {
		c, r := e.Command, e.Response
		if c == nil || c.Kind != session.KindCommand || r == nil || c.Verb != "STARTTLS" && c.Verb != "STLS" {
			continue
		}
		if r.Status != "220" && r.Status != "+OK" && r.Status != "OK" && len(r.Lines) > 0 {
			add(s, StartTLSStripped, High, c.Time, "starttls.refused", r.Lines[len(r.Lines)-1])
			return
		}
	}
}

// maskedTLS reports whether a capability keyword is the TLS offer masked:
// as long as STARTTLS (STLS in POP3) and mostly X, or one letter from it.
func maskedTLS(w string, p session.Protocol) bool {
	want := "STARTTLS"
	if p == "pop3" {
		want = "STLS"
	}
	if w == want || len(w) != len(want) {
		return false
	}
	x, diff := 0, 0
	for i := range len(w) {
		if w[i] == 'X' {
			x++
		}
		if w[i] != want[i] {
			diff++
		}
	}
	return x >= len(w)-1 || diff == 1
}

// message judges one message sent over SMTP.
func (j *Judge) message(s *session.Session, m *session.Message, ours []string, authenticated bool) {
	// One finding per message, for the most the server is known to have
	// done: took the dot, took a message hidden after one, or could.
	switch {
	case slices.Contains(m.Flags, "smuggled") && m.Accepted != nil && *m.Accepted:
		add(s, SMTPSmuggling, High, m.Time, "smuggling.hidden")
	case slices.Contains(m.Flags, "dot-taken"):
		add(s, SMTPSmuggling, High, m.Time, "smuggling.taken")
	case slices.Contains(m.Flags, "lone-dot-bare-lf"):
		add(s, SMTPSmuggling, High, m.Time, "smuggling.dot")
	case slices.Contains(m.Flags, "bare-lf"):
		add(s, SMTPSmuggling, Medium, m.Time, "smuggling.lf")
	}
	if from, forged := message.ForgedFrom(m); forged {
		add(s, FromMismatch, Medium, m.Time, "from-mismatch", from, m.MailFrom)
	}
	accepted := m.Accepted != nil && *m.Accepted
	if d := domainOf(m.MailFrom); accepted && !authenticated && d != "" && within(d, ours) {
		add(s, UnauthenticatedLocal, High, m.Time, "unauthenticated-local", m.MailFrom)
	}
}

// domains are the server's domains: the option, or the host its greeting
// names ("220 mail.redes.unlp.edu.ar ESMTP").
func (j *Judge) domains(s *session.Session) []string {
	if len(j.opts.Domains) > 0 {
		return j.opts.Domains
	}
	for _, e := range s.Exchanges {
		if e.Command == nil && e.Response != nil && e.Response.Status == "220" && len(e.Response.Lines) > 0 {
			f := strings.Fields(strings.TrimLeft(e.Response.Lines[0][3:], " -"))
			if len(f) > 0 && strings.Contains(f[0], ".") {
				return []string{strings.ToLower(strings.TrimSuffix(f[0], "."))}
			}
			return nil
		}
	}
	return nil
}

// within reports whether domain d is one of ours, or a domain that one of
// ours is in (the greeting names the host mail.redes.unlp.edu.ar; mail
// from redes.unlp.edu.ar is the server's own), with at least two labels.
func within(d string, ours []string) bool {
	for _, o := range ours {
		if d == o || strings.HasSuffix(d, "."+o) || strings.Contains(d, ".") && strings.HasSuffix(o, "."+d) {
			return true
		}
	}
	return false
}

func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(addr[i+1:], "[]"))
}

func port(endpoint string) string {
	if ap, err := netip.ParseAddrPort(endpoint); err == nil {
		return fmt.Sprint(ap.Port())
	}
	return endpoint
}
