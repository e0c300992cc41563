package proto

import (
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Attempt follows one authentication and keeps its record in the session
// up to date: a SASL exchange (RFC 4422: SMTP AUTH, POP3 AUTH, IMAP
// AUTHENTICATE) or a protocol's own USER/PASS, APOP, LOGIN.
type Attempt struct {
	c   *Conn
	rec *session.Auth
	dec *sasl.Decoder // nil where the protocol carries credentials itself
}

// BeginAuth records an authentication by mechanism mech begun at t.
func (c *Conn) BeginAuth(mech string, t time.Time) *Attempt {
	a := &Attempt{c: c, rec: &session.Auth{Mechanism: mech, Time: t}}
	c.S.Auth = append(c.S.Auth, a.rec)
	return a
}

// BeginSASL records a SASL authentication by mechanism mech begun at t,
// whose credentials are decoded as they pass.
func (c *Conn) BeginSASL(mech string, t time.Time) *Attempt {
	a := c.BeginAuth(lines.Upper(mech), t)
	a.dec = sasl.New(mech, c.Opts.Redact)
	return a
}

// Record is the attempt's entry in the session.
func (a *Attempt) Record() *session.Auth { return a.rec }

// SetCredentials records credentials the protocol carried itself.
func (a *Attempt) SetCredentials(user, password string) {
	a.rec.Username, a.rec.Password = user, a.c.Opts.Mask(password)
}

// Initial decodes the initial response that cmd carried after the
// mechanism name (RFC 4954 §4, RFC 4959), masking it in cmd when it holds
// a secret and output is redacted.
func (a *Attempt) Initial(cmd *session.Command, mech, initial string) {
	cmd.Decoded = a.dec.Response(initial)
	if a.dec.Secret && a.c.Opts.Redact {
		cmd.Args = mech + " " + sasl.Redacted
		if cmd.Line != "" {
			typed, _, _ := strings.Cut(cmd.Line, " ")
			cmd.Line = typed + " " + cmd.Args
		}
	}
	a.sync()
}

// Response decodes a client line answering a challenge into cmd.
func (a *Attempt) Response(cmd *session.Command, line string) {
	if a.dec == nil {
		return
	}
	cmd.Decoded = a.dec.Response(line)
	if a.dec.Secret {
		cmd.Args = a.c.Opts.Mask(line)
	}
	a.sync()
}

// Challenge records a server challenge, the base64 text after "334 " or
// "+ ", and shows it decoded on the reply r that carried it.
func (a *Attempt) Challenge(r *session.Response, b64 string) {
	if a.dec != nil {
		r.Decoded = a.dec.Challenge(b64)
	}
}

// End records the outcome, from the reply that ended the exchange.
func (a *Attempt) End(ok bool) {
	a.sync()
	a.rec.Success = session.Bool(ok)
}

func (a *Attempt) sync() {
	if a.dec != nil {
		a.rec.Username, a.rec.Password = a.dec.Username, a.c.Opts.Mask(a.dec.Password)
	}
}
