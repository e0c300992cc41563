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
	// counted: the session keeps no record of it (session.MaxAuth), only
	// its outcome's count.
	counted bool
	dec     *sasl.Decoder // nil where the protocol carries credentials itself

	// What of a SASL exchange has crossed, to tell a response from a
	// command typed ahead of the outcome.
	initial    bool // the command carried an initial response
	responses  int  // client responses taken
	challenges int  // server challenges seen
	over       bool // the outcome came, or the client cancelled with "*"
	// The responses as sent, to decode again without those the server
	// turned out not to read as responses (Strand); the first
	// maxReplayed only, which every known mechanism stays within.
	sent     []string
	overflow bool // sent is missing responses past maxReplayed
}

// maxReplayed bounds the responses an attempt keeps to decode again.
const maxReplayed = 4

// Awaiting pairs each login command not yet answered with the attempt
// it began. Logins typed ahead or pipelined are answered in order, so a
// reply ends its own command's attempt, not the last one begun: the
// first of two pipelined USER/PASS may fail and the second succeed.
type Awaiting struct{ list []awaited }

type awaited struct {
	cmd *session.Command
	a   *Attempt
}

// maxAwaiting bounds the logins waiting for their replies; past it the
// oldest is given up, its result unknown.
const maxAwaiting = 64

// Add notes that cmd began attempt a.
func (w *Awaiting) Add(cmd *session.Command, a *Attempt) {
	if len(w.list) == maxAwaiting {
		w.drop(1)
	}
	w.list = append(w.list, awaited{cmd, a})
}

// drop forgets the first n logins, moving the rest to the front: a list
// that slid forward was made anew every few logins of a flood.
func (w *Awaiting) drop(n int) {
	rest := copy(w.list, w.list[n:])
	clear(w.list[rest:])
	w.list = w.list[:rest]
}

// Answered is the attempt cmd began, now answered, or nil; those added
// before it were never answered (the capture lost their replies).
func (w *Awaiting) Answered(cmd *session.Command) *Attempt {
	for i, x := range w.list {
		if x.cmd == cmd {
			w.drop(i + 1)
			return x.a
		}
	}
	return nil
}

// BeginAuth records an authentication by mechanism mech begun at t.
func (c *Conn) BeginAuth(mech string, t time.Time) *Attempt {
	a := &Attempt{c: c, rec: &session.Auth{Mechanism: mech, Time: t}}
	a.counted = !c.S.AddAuth(a.rec)
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
	a.initial = true
	a.sent = append(a.sent, initial)
	cmd.Decoded = a.dec.Response(initial)
	cmd.Secret = a.dec.Secret
	if a.dec.Secret && a.c.Opts.Redact {
		cmd.Args = mech + " " + sasl.Redacted
		if cmd.Line != "" {
			typed, _, _ := strings.Cut(cmd.Line, " ")
			cmd.Line = typed + " " + cmd.Args
		}
	}
	a.sync()
}

// Takes reports whether the server reads the client's next line as a
// response of this SASL exchange (RFC 4422 §3): while a challenge waits
// for its answer, or while the mechanism takes more responses than were
// sent, typed ahead of their challenges or not. Any other line is a
// command typed ahead of the outcome (a student who pastes "AUTH PLAIN
// ..." and "MAIL FROM:" at once); its reply follows the outcome.
func (a *Attempt) Takes() bool {
	if a.dec == nil || a.over {
		return false
	}
	n, _ := sasl.Responses(a.rec.Mechanism, a.initial)
	return a.responses < max(n, a.challenges)
}

// Response decodes a client line answering a challenge into cmd.
func (a *Attempt) Response(cmd *session.Command, line string) {
	if a.dec == nil {
		return
	}
	a.responses++
	if len(a.sent) < maxReplayed {
		a.sent = append(a.sent, line)
	} else {
		a.overflow = true
	}
	if strings.TrimSpace(line) == "*" {
		a.over = true // RFC 4422 §3.5: the client cancels
	}
	cmd.Decoded = a.dec.Response(line)
	cmd.Secret = a.dec.Secret
	if a.dec.Secret {
		cmd.Args = a.c.Opts.Mask(line)
	}
	a.sync()
}

// Challenge records a server challenge, the base64 text after "334 " or
// "+ ", and shows it decoded on the reply r that carried it.
func (a *Attempt) Challenge(r *session.Response, b64 string) {
	a.challenges++
	if a.dec != nil {
		r.Decoded = a.dec.Challenge(b64)
	}
}

// Strand takes back the last n responses: the outcome came before the
// server asked for them, so it read them as commands of their own (IMAP's
// tag says so). The credentials are decoded again from the others, so
// none is recorded that the server was never sent as one.
func (a *Attempt) Strand(n int) {
	if a.dec == nil || n <= 0 || a.overflow {
		return
	}
	keep := a.sent[:max(len(a.sent)-n, 0)]
	a.dec = sasl.New(a.rec.Mechanism, a.c.Opts.Redact)
	a.rec.Username, a.rec.Password = "", ""
	for _, l := range keep {
		a.dec.Response(l)
	}
	a.sent, a.responses = keep, max(a.responses-n, 0)
	a.sync()
}

// End records the outcome, from the reply that ended the exchange.
func (a *Attempt) End(ok bool) {
	if a.counted && a.rec.Success == nil {
		a.c.S.AuthEnded(a.rec, ok)
	}
	a.over = true
	a.sync()
	a.rec.End(ok)
}

func (a *Attempt) sync() {
	if a.dec != nil {
		a.rec.Username, a.rec.Password = a.dec.Username, a.c.Opts.Mask(a.dec.Password)
	}
}
