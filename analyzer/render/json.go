package render

import (
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// JSONVersion is the version of the JSON export format; it changes when a
// field changes meaning or goes away.
const JSONVersion = 1

// Document is the whole JSON export.
type Document struct {
	Version  int                `json:"version"`
	Sessions []*session.Session `json:"sessions"`
	Stats    StatsDoc           `json:"stats"`
}

// StatsDoc is the statistics part of the export.
type StatsDoc struct {
	Capture   Capture          `json:"capture"`
	Protocols []stats.Protocol `json:"protocols"`
}

// JSON writes one indented document.
func JSON(w io.Writer, d Document) error {
	safe := make([]*session.Session, len(d.Sessions))
	for i, s := range d.Sessions {
		safe[i] = utf8Session(s)
	}
	d.Sessions = safe
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "<message 45 bytes>", not "\u003cmessage..."
	return enc.Encode(d)
}

// JSONLine writes one session as one line (JSON Lines), with the format
// version in every line so that each stands alone.
func JSONLine(w io.Writer, s *session.Session) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Version int `json:"version"`
		*session.Session
	}{JSONVersion, utf8Session(s)})
}

// utf8Session returns s, or a copy of it whose strings from the wire that
// are not UTF-8 have each bad byte written as \xNN: encoding/json would
// turn them into U+FFFD and lose them.
func utf8Session(s *session.Session) *session.Session {
	if sessionIsUTF8(s) {
		return s
	}
	c := *s
	c.Capabilities = utf8All(s.Capabilities)
	c.Exchanges = make([]session.Exchange, len(s.Exchanges))
	for i, e := range s.Exchanges {
		if e.Command != nil {
			cmd := *e.Command
			cmd.Tag, cmd.Verb, cmd.Args, cmd.Decoded = utf8String(cmd.Tag), utf8String(cmd.Verb), utf8String(cmd.Args), utf8String(cmd.Decoded)
			cmd.Body = utf8All(cmd.Body)
			e.Command = &cmd
		}
		if e.Response != nil {
			r := *e.Response
			r.Status, r.Lines, r.Body = utf8String(r.Status), utf8All(r.Lines), utf8All(r.Body)
			e.Response = &r
		}
		c.Exchanges[i] = e
	}
	c.Auth = make([]session.Auth, len(s.Auth))
	for i, a := range s.Auth {
		a.Mechanism, a.Username, a.Password = utf8String(a.Mechanism), utf8String(a.Username), utf8String(a.Password)
		c.Auth[i] = a
	}
	c.Messages = make([]session.Message, len(s.Messages))
	for i, m := range s.Messages {
		m.MailFrom, m.From, m.To, m.Cc = utf8String(m.MailFrom), utf8String(m.From), utf8String(m.To), utf8String(m.Cc)
		m.Subject, m.Date, m.MessageID = utf8String(m.Subject), utf8String(m.Date), utf8String(m.MessageID)
		m.RcptTo = utf8All(m.RcptTo)
		c.Messages[i] = m
	}
	c.Anomalies = make([]session.Anomaly, len(s.Anomalies))
	for i, a := range s.Anomalies {
		a.Text = utf8String(a.Text)
		c.Anomalies[i] = a
	}
	return &c
}

// sessionIsUTF8 is the common case, checked without copying.
func sessionIsUTF8(s *session.Session) bool {
	ok := func(ss ...string) bool {
		for _, x := range ss {
			if !utf8.ValidString(x) {
				return false
			}
		}
		return true
	}
	for _, e := range s.Exchanges {
		if c := e.Command; c != nil && (!ok(c.Tag, c.Verb, c.Args, c.Decoded) || !ok(c.Body...)) {
			return false
		}
		if r := e.Response; r != nil && (!ok(r.Status) || !ok(r.Lines...) || !ok(r.Body...)) {
			return false
		}
	}
	for _, a := range s.Auth {
		if !ok(a.Mechanism, a.Username, a.Password) {
			return false
		}
	}
	for _, m := range s.Messages {
		if !ok(m.MailFrom, m.From, m.To, m.Cc, m.Subject, m.Date, m.MessageID) || !ok(m.RcptTo...) {
			return false
		}
	}
	for _, a := range s.Anomalies {
		if !ok(a.Text) {
			return false
		}
	}
	return ok(s.Capabilities...)
}

func utf8String(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteString(`\x` + hex2(s[i]))
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

func utf8All(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = utf8String(s)
	}
	return out
}
