package smtp

import (
	"strings"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The server's replies (RFC 5321 §4.2): their lines, codes and enhanced
// codes (RFC 3463), what each says of the command it answers.

// serverLine reads one reply line; the last of a reply answers the
// oldest command waiting (RFC 2920 §3).
func (p *Parser) serverLine(l *lines.Line) {
	if p.client == data && p.msgGap {
		// The server answers the data only after its end: the "." was
		// in the bytes the capture lost.
		explain.Anomaly(p.S, l.Time, session.FromClient, "message.lost.end")
		p.Queue(p.msgEx)
		p.endMessage(true)
	}
	line := p.S.Keep(p.ReplyText(l.B)) // what is read from it keeps no longer line
	code, sep, ok := replyCode(line)
	if ok && (code[0] < '2' || code[0] > '5' || code[1] > '5') {
		explain.Anomaly(p.S, l.Time, session.FromServer, "code.range", code)
	}
	if !ok {
		explain.Anomaly(p.S, l.Time, session.FromServer, "code.missing", line)
		if p.reply != nil {
			p.reply.AddLine(line)
			return
		}
		// Not a reply: it answers no command, and takes none from
		// those waiting.
		p.FirstReply()
		p.Reply(session.NewLine("", l.Time, line))
		return
	}
	if p.reply == nil {
		p.reply = p.NewResponse(code, l.Time, 1)
	} else if ok && code != p.reply.Status {
		explain.Anomaly(p.S, l.Time, session.FromServer, "code.changes", p.reply.Status, code)
	}
	p.reply.AddLine(line)
	if sep != '-' {
		p.reply.Enhanced = enhancedCode(line)
		p.finishReply()
	}
}

// enhancedCode finds an RFC 3463 status code (class.subject.detail) at the
// start of a reply line's text, as in "250 2.1.0 Ok".
func enhancedCode(line string) string {
	if len(line) < 9 {
		return ""
	}
	f, _, _ := strings.Cut(line[4:], " ")
	parts := strings.Split(f, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || f[0] != line[0] {
		return ""
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return ""
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return ""
			}
		}
	}
	return f
}

// replyCode splits "250-text" / "250 text" / "250" (RFC 5321 §4.2).
func replyCode(line string) (code string, sep byte, ok bool) {
	if len(line) < 3 {
		return "", 0, false
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return "", 0, false
		}
	}
	if len(line) == 3 {
		return line, ' ', true
	}
	if line[3] != ' ' && line[3] != '-' {
		return "", 0, false
	}
	return line[:3], line[3], true
}

func (p *Parser) finishReply() {
	r := p.reply
	p.reply = nil
	p.answerReply(r)
}

// answerReply pairs a complete reply.
func (p *Parser) answerReply(r *session.Response) {
	if p.held != nil && p.settleOn(r) {
		return
	}
	if p.FirstReply() && p.greeting(r) {
		before, _ := p.Waiting()
		p.Greeting(before, r)
		return
	}
	e, ok := p.Next()
	if !ok {
		// RFC 5321 §3.8: a server may close with 421 at any time.
		if r.Status != "421" && p.Stray() {
			explain.Anomaly(p.S, r.Time, session.FromServer, "reply.orphan", r.Status)
		}
		p.Reply(r)
		return
	}
	// What the reply means (a decoded prompt, a refused message) is
	// part of the exchange its sinks are told of.
	p.afterReply(e.Command, r)
	switch c := e.Command; {
	case c.Kind == session.KindCommand && c.Verb == "AUTH":
		e.Loose() // its login held it until this reply (authReply)
	case c.Kind == session.KindMessage && !p.lmtp:
		// A message is queued for its reply once read whole, and msgEx
		// read again only for the next, which replaces it (startMessage).
		// LMTP's has a reply per recipient (lmtpReplies): left alone.
		e.Loose()
	}
	p.Answer(e, r)
}

// queueID reads the id a server gave an accepted message from its reply:
// Postfix's "queued as 0AA8BBA1BD", Sendmail's "0AA8BBA1BD Message
// accepted for delivery", Exim's "OK id=1abcDE-000Fgh-Ij".
func queueID(line string) string {
	f := strings.Fields(line)
	for i, w := range f {
		switch {
		case strings.EqualFold(w, "as") && i > 0 && strings.EqualFold(f[i-1], "queued") && i+1 < len(f):
			return strings.Trim(f[i+1], "<>.;,()")
		case strings.HasPrefix(strings.ToLower(w), "id="):
			return strings.Trim(w[3:], "<>.;,()")
		case i+2 < len(f) && strings.EqualFold(f[i+1], "Message") && strings.HasPrefix(strings.ToLower(f[i+2]), "accepted"):
			return strings.Trim(w, "<>.;,()")
		}
	}
	return ""
}

// serverName is the host name the server's greeting gave ("220
// mail.redes.unlp.edu.ar ESMTP Postfix"), lower case, or "".
func (p *Parser) serverName() string {
	for _, e := range p.S.Exchanges {
		if e.Command == nil && e.Response != nil && e.Response.Status == "220" && len(e.Response.Lines) > 0 {
			if f := strings.Fields(e.Response.Lines[0][min(4, len(e.Response.Lines[0])):]); len(f) > 0 {
				return strings.ToLower(f[0])
			}
			return ""
		}
		if e.Command != nil {
			return "" // the greeting comes first
		}
	}
	return ""
}

// greeting reports whether r, the server's first reply, is its greeting
// (RFC 5321 §3.1): in a capture seen from the start, a 220, 554 or 421;
// in one that began later, a 220 while no STARTTLS waits, since 220
// answers no other command.
func (p *Parser) greeting(r *session.Response) bool {
	if !p.S.Midstream {
		return r.Status == "220" || r.Status == "554" || r.Status == "421"
	}
	e, waiting := p.Waiting()
	return r.Status == "220" && (!waiting || e.Command.Verb != "STARTTLS")
}

// afterReply applies what a reply means for the session's state.
func (p *Parser) afterReply(cmd *session.Command, r *session.Response) {
	ok := len(r.Status) == 3 && r.Status[0] == '2'
	if cmd.Kind == session.KindMessage || (cmd.Verb == "BDAT" && cmd.Message != nil) {
		if cmd.Message != nil {
			m := p.S.Messages[*cmd.Message]
			// The replies to the transaction's MAIL and RCPT came
			// before this one (RFC 2920 order), also those of a
			// client that sent them with the data.
			m.MailFrom, m.MailParams, m.RcptTo, m.RcptToMore = p.mailFrom.addr, p.mailFrom.params, p.rcptTo, p.rcptMore
			// LMTP: taken if any recipient's reply took it.
			m.Accepted = session.Bool(ok || p.perRcpt > 0 && m.Accepted != nil && *m.Accepted)
			if ok {
				if id := queueID(r.Lines[len(r.Lines)-1]); !session.VersionShaped(id) && m.QueueID == "" {
					m.QueueID = id
				}
				m.QueuedBy = p.serverName()
			}
		}
		if p.perRcpt--; p.perRcpt > 0 {
			return // the envelope holds until the last recipient's reply
		}
		p.perRcpt = 0
		p.mailFrom, p.rcptTo, p.rcptMore = path{}, nil, 0
		return
	}
	switch cmd.Verb {
	case "EHLO", "HELO", "LHLO", "RSET":
		if ok {
			p.mailFrom, p.rcptTo, p.rcptMore = path{}, nil, 0
		}
		if ok && (cmd.Verb == "EHLO" || cmd.Verb == "LHLO") && len(r.Lines) > 1 {
			// RFC 5321 §4.1.1.1: the lines after the first name the
			// extensions.
			caps := make([]string, 0, len(r.Lines)-1)
			for _, l := range r.Lines[1:] {
				if len(l) > 4 {
					caps = append(caps, l[4:])
				}
			}
			p.S.SetCapabilities(caps)
		}
	case "MAIL":
		if ok {
			p.mailFrom, p.rcptTo, p.rcptMore = parsePath(cmd.Args, "FROM:"), nil, 0
		}
	case "RCPT":
		if ok {
			if len(p.rcptTo) < session.MaxRecipients {
				p.rcptTo = append(p.rcptTo, parsePath(cmd.Args, "TO:").addr)
			} else {
				p.rcptMore++
			}
		}
	case "AUTH":
		p.authReply(cmd, r)
	case "STARTTLS":
		if r.Status == "220" {
			p.StartTLS()
		}
	}
}

// authReply follows RFC 4954 §4: 334 carries a challenge and asks for a
// response; any other reply ends the exchange, 235 with success. A reply
// to an AUTH command is its own attempt's, even when another AUTH was
// typed ahead of it; a reply to a response is the current attempt's.
func (p *Parser) authReply(cmd *session.Command, r *session.Response) {
	a := p.auth
	if cmd.Kind == session.KindCommand {
		a = p.logins.Answered(cmd)
	}
	if a == nil {
		return
	}
	if r.Status == "334" {
		a.Challenge(r, strings.TrimSpace(strings.TrimPrefix(r.Lines[len(r.Lines)-1], "334")))
		return
	}
	a.End(r.Status == "235")
	if a == p.auth {
		p.auth = nil
	}
}
