// Package explain says in words, in English or Spanish, what each
// command asks and what each reply means, with the RFC section that says
// so: for a student in the first weeks of a networking course who types
// SMTP, POP3 and IMAP by hand. It reads the session model; its catalogs
// hold every text in both languages.
package explain

import (
	"strconv"
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Lang is a language explanations are written in.
type Lang string

// The languages of the catalogs.
const (
	English Lang = "en"
	Spanish Lang = "es"
)

// ParseLang reads a --lang value: "en" or "es".
func ParseLang(s string) (Lang, bool) {
	switch l := Lang(strings.ToLower(s)); l {
	case English, Spanish:
		return l, true
	}
	return "", false
}

// FromEnv picks the language the environment asks for: the first of
// LC_ALL, LC_MESSAGES and LANG that is set, as POSIX orders them;
// Spanish for "es..." and English otherwise.
func FromEnv(getenv func(string) string) Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "es") {
				return Spanish
			}
			return English
		}
	}
	return English
}

// Text is one explanation in both languages, and where it is written.
type Text struct {
	Ref string // the RFC and section
	En  string
	Es  string
}

// In returns the explanation in l, with its reference.
func (t Text) In(l Lang) string {
	s := t.En
	if l == Spanish {
		s = t.Es
	}
	if t.Ref == "" {
		return s
	}
	return s + " (" + t.Ref + ")"
}

// Catalog is every explanation, by key: "smtp.cmd.EHLO",
// "smtp.code.250", "smtp.enh.1.5", "pop3.code.AUTH", "imap.status.NO".
type Catalog map[string]Text

// NewCatalog returns the catalogs of the three protocols.
func NewCatalog() Catalog {
	c := Catalog{}
	for _, part := range []map[string]Text{smtpCatalog(), pop3Catalog(), imapCatalog(), lmtpCatalog(), saslCatalog(), uiCatalog(), messageCatalog(), countsCatalog(), dnsCatalog(), reportCatalog(), findingsCatalog(), anomaliesCatalog()} {
		for k, v := range part {
			c[k] = v
		}
	}
	return c
}

// Command explains client command c of protocol p: what it asks. A
// command the protocol does not have is explained as such.
func (c Catalog) Command(p session.Protocol, cmd *session.Command) []Text {
	if base := c.like(p); base != "" {
		// A dialect: its own words first, its base protocol's for the rest.
		key := string(p) + ".cmd." + strings.ToUpper(cmd.Verb)
		if cmd.Kind == session.KindMessage {
			key = string(p) + ".cmd.message"
		}
		if t, ok := c[key]; ok {
			return []Text{t}
		}
		return c.Command(base, cmd)
	}
	key := string(p) + ".cmd."
	switch {
	case cmd.Kind == session.KindMessage:
		return c.get(key + "message")
	case cmd.Kind == session.KindContinuation && cmd.Verb == "IDLE":
		return c.get(key + "DONE")
	case cmd.Kind == session.KindContinuation:
		return c.get(key + "sasl")
	}
	verb := strings.ToUpper(cmd.Verb)
	if base, ok := strings.CutPrefix(verb, "UID "); ok && p == "imap" {
		if t, ok := c[key+base]; ok {
			return append([]Text{t}, c.get(key+"UID")...)
		}
	}
	if p == "pop3" && verb == "AUTH" && strings.TrimSpace(cmd.Args) == "" {
		return c.get(key + "AUTH.bare")
	}
	if t, ok := c[key+verb]; ok {
		return []Text{t}
	}
	return c.get(key + "unknown")
}

// Reply explains reply r of protocol p to cmd (nil for a greeting): its
// status or code, the response codes it carries, and, for a step of an
// authentication, what the server waits for.
func (c Catalog) Reply(p session.Protocol, cmd *session.Command, r *session.Response) []Text {
	if base := c.like(p); base != "" {
		out := c.Reply(base, cmd, r)
		if cmd != nil && cmd.Kind == session.KindMessage {
			out = append(out, c.get(string(p)+".reply.message")...)
		}
		return out
	}
	out := c.reply(p, r)
	if p == "pop3" && cmd == nil && r.Status == "+OK" {
		out = c.get("pop3.status.greeting")
	}
	out = append(out, c.lines(p, cmd, r)...)
	if r.Status == "334" || r.Status == "+" {
		out = append(out, c.saslStep(cmd, r)...)
	}
	return out
}

// like is the protocol a dialect is explained as where it has no words of
// its own (the catalog's "<protocol>.like"), or "" for a protocol of its
// own.
func (c Catalog) like(p session.Protocol) session.Protocol {
	if t, ok := c[string(p)+".like"]; ok && t.En != string(p) {
		return session.Protocol(t.En)
	}
	return ""
}

// saslStep says what a SASL challenge asks for, by the mechanism the
// command named (AUTH PLAIN, AUTHENTICATE LOGIN) and, for LOGIN, by the
// prompt it decoded.
func (c Catalog) saslStep(cmd *session.Command, r *session.Response) []Text {
	switch {
	case strings.EqualFold(r.Decoded, "Username:"):
		return c.get("sasl.LOGIN.user")
	case strings.EqualFold(r.Decoded, "Password:"):
		return c.get("sasl.LOGIN.pass")
	case cmd == nil || cmd.Kind != session.KindCommand || (cmd.Verb != "AUTH" && cmd.Verb != "AUTHENTICATE"):
		return nil
	}
	mech, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(cmd.Args)), " ")
	if mech == "LOGIN" {
		// Some servers prompt without the "Username:" text.
		return c.get("sasl.LOGIN.user")
	}
	if t, ok := c["sasl."+mech]; ok {
		return []Text{t}
	}
	return c.get("sasl.other")
}

// lines explains what a reply's lines list, each kind once: the keywords
// of an EHLO reply (RFC 5321 §4.1.1.1) and of POP3's CAPA (RFC 2449 §6),
// and IMAP's untagged data (RFC 9051 §7).
func (c Catalog) lines(p session.Protocol, cmd *session.Command, r *session.Response) []Text {
	var out []Text
	seen := map[string]bool{}
	say := func(key string) {
		if t, ok := c[key]; ok && !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	word := func(s string) string {
		w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		w, _, _ = strings.Cut(w, "=")
		return strings.ToUpper(w)
	}
	switch {
	case p == "smtp" && cmd != nil && (cmd.Verb == "EHLO" || cmd.Verb == "LHLO") && r.Status == "250":
		for _, l := range r.Lines[min(1, len(r.Lines)):] {
			if len(l) > 4 {
				say("smtp.ext." + word(l[4:]))
			}
		}
	case p == "pop3" && cmd != nil && cmd.Verb == "CAPA" && r.Status == "+OK":
		for _, l := range r.Lines[min(1, len(r.Lines)):] {
			say("pop3.capa." + word(l))
		}
	case p == "imap":
		for _, l := range r.Lines {
			rest, ok := strings.CutPrefix(l, "* ")
			if !ok {
				continue
			}
			w := word(rest)
			if _, err := strconv.Atoi(w); err == nil { // "* 3 FETCH"
				_, after, _ := strings.Cut(rest, " ")
				w = word(after)
			}
			if w != strings.ToUpper(r.Status) { // "* BYE" alone: its status says it
				say("imap.data." + w)
			}
		}
	}
	return out
}

func (c Catalog) reply(p session.Protocol, r *session.Response) []Text {
	switch p {
	case "smtp":
		return c.smtpReply(r)
	case "pop3":
		out := c.get("pop3.status." + r.Status)
		if len(r.Lines) > 0 {
			for _, code := range ResponseCodes(r.Lines[:1]) {
				out = append(out, c.get("pop3.code."+code)...)
			}
		}
		return out
	case "imap":
		var out []Text
		if len(r.Lines) > 0 && strings.HasPrefix(r.Lines[len(r.Lines)-1], "* ") && r.Status == "OK" {
			out = c.get("imap.status.greeting")
		} else {
			out = c.get("imap.status." + r.Status)
		}
		for _, code := range ResponseCodes(r.Lines) {
			out = append(out, c.get("imap.code."+code)...)
		}
		return out
	}
	return nil
}

// StatusLine is the line of r its explanation goes under: POP3's status
// comes first (RFC 1939 §3), SMTP's last line ends the reply (RFC 5321
// §4.2.1) and IMAP's tagged completion comes last (RFC 9051 §7.1).
func StatusLine(p session.Protocol, r *session.Response) int {
	if p == "pop3" {
		return 0
	}
	return len(r.Lines) - 1
}

func (c Catalog) smtpReply(r *session.Response) []Text {
	code := r.Status
	if len(code) != 3 {
		return nil
	}
	var out []Text
	if t, ok := c["smtp.code."+code]; ok {
		out = append(out, t)
	} else {
		// A code no RFC lists is read by its digits (RFC 5321 §4.2.1).
		out = append(out, c.get("smtp.class."+code[:1])...)
		out = append(out, c.get("smtp.subject."+code[1:2])...)
	}
	if e := strings.SplitN(r.Enhanced, ".", 3); len(e) == 3 {
		if t, ok := c["smtp.enh."+e[1]+"."+e[2]]; ok {
			out = append(out, t)
		} else {
			out = append(out, c.get("smtp.enh."+e[1]+".0")...)
		}
	}
	return out
}

func (c Catalog) get(key string) []Text {
	if t, ok := c[key]; ok {
		return []Text{t}
	}
	return nil
}

// ResponseCodes are the bracketed response codes status lines carry
// ("-ERR [AUTH] ...", "a1 OK [READ-WRITE] ...", "* OK [UIDNEXT 4]"), in
// order, each once (RFC 2449 §8, RFC 9051 §7.1).
func ResponseCodes(lines []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lines {
		fields := strings.SplitN(l, " ", 3)
		// The code follows the status: the first word (POP3) or the
		// second (IMAP's tag or "*").
		for i := 1; i < len(fields) && i <= 2; i++ {
			if !strings.HasPrefix(fields[i], "[") {
				continue
			}
			code := strings.TrimPrefix(fields[i], "[")
			if j := strings.IndexAny(code, " ]"); j >= 0 {
				code = code[:j]
			}
			code = strings.ToUpper(code)
			if code != "" && !seen[code] {
				seen[code] = true
				out = append(out, code)
			}
			break
		}
	}
	return out
}
