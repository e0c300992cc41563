// Package smtp parses SMTP sessions (RFC 5321) seen passively, with
// PIPELINING (RFC 2920), CHUNKING/BDAT (RFC 3030), AUTH (RFC 4954),
// STARTTLS (RFC 3207) and enhanced status codes (RFC 3463).
//
// Replies pair with commands first-in first-out: RFC 2920 requires the
// server to answer pipelined commands in order, so a FIFO of pending
// commands is exact where timestamps are not.
package smtp

import (
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/wire"
)

// Parser follows one SMTP session.
type Parser struct {
	s    *session.Session
	opts wire.Options
	cli  *wire.Splitter
	srv  *wire.Splitter
	tls  wire.TLSWatch

	pending wire.Pending
	reply   *session.Response // multi-line reply being read
	paired  bool              // some reply has answered a command
	replied bool              // the server has replied at all

	dataEx    int // the DATA exchange whose 354 opens a message, or -1
	msg       *message.Builder
	msgEx     int // exchange carrying the message being read
	bdatLast  bool
	inMessage bool

	auth        *sasl.Decoder
	authIdx     int
	authWaiting bool // a 334 asks the client for a response

	mailFrom string
	rcptTo   []string
}

// New returns a parser that fills s.
func New(s *session.Session, opts wire.Options) *Parser {
	return &Parser{s: s, opts: opts, cli: wire.NewSplitter(opts.MaxLine), srv: wire.NewSplitter(opts.MaxLine), dataEx: -1, msgEx: -1}
}

// Feed pushes bytes seen in direction d.
func (p *Parser) Feed(d session.Dir, t time.Time, b []byte) {
	if d == session.FromServer {
		p.pending.ServerData(t)
	}
	if d == session.FromClient {
		p.tls.Feed(p.s, d, t, b, p.cli, clientSide{p}, "STARTTLS")
	} else {
		p.tls.Feed(p.s, d, t, b, p.srv, serverSide{p}, "STARTTLS")
	}
}

// Gap tells the parser n bytes were lost in direction d.
func (p *Parser) Gap(d session.Dir, t time.Time, n int) {
	if p.tls.On {
		return
	}
	if d == session.FromClient {
		p.cli.Gap(n)
		if p.msg != nil {
			p.msg.Lost(n)
		}
	} else {
		p.srv.Gap(n)
		p.pending.ServerGap()
	}
}

// Close ends the session at t.
func (p *Parser) Close(t time.Time) {
	p.cli.Flush(clientSide{p})
	p.srv.Flush(serverSide{p})
	if p.reply != nil {
		p.s.Anomaly(t, session.FromServer, "multi-line reply cut short")
		p.finishReply()
	}
	if p.msg != nil {
		p.s.Anomaly(t, session.FromClient, "message cut short")
		p.endMessage(true)
	}
}

type clientSide struct{ p *Parser }

func (c clientSide) Line(l wire.Line) { c.p.clientLine(l) }

// Counted receives BDAT chunk bytes (RFC 3030 §2).
func (c clientSide) Counted(b []byte, t time.Time, last bool) {
	p := c.p
	if p.msg != nil {
		p.msg.Write(b)
	}
	if last && p.bdatLast {
		p.endMessage(false)
	}
}

type serverSide struct{ p *Parser }

func (s serverSide) Line(l wire.Line)                { s.p.serverLine(l) }
func (s serverSide) Counted([]byte, time.Time, bool) {}

func (p *Parser) clientLine(l wire.Line) {
	if l.Cut {
		p.s.Anomaly(l.Time, session.FromClient, "client line longer than the limit was cut")
	}
	if p.inMessage {
		p.messageLine(l)
		return
	}
	if p.dataEx >= 0 {
		// RFC 5321 §4.1.1.4: the client sends the message only after 354;
		// if that reply is not seen yet, it was sent and is in flight.
		r := p.s.Exchanges[p.dataEx].Response
		p.dataEx = -1
		if r == nil || r.Status == "354" {
			p.startMessage(l.Time, "DATA")
			p.messageLine(l)
			return
		}
	}
	if p.authWaiting {
		p.authWaiting = false
		text := string(l.B)
		cmd := &session.Command{Kind: session.KindContinuation, Verb: "AUTH", Args: text, Time: l.Time}
		if p.auth != nil {
			cmd.Decoded = p.auth.Response(text)
			p.maskArgs(cmd, text)
			p.syncAuth()
		}
		p.push(cmd)
		return
	}
	p.command(l)
}

// verbs are the commands of RFC 5321 and its common extensions; others
// are recorded as anomalies (X-verbs are private extensions, RFC 5321
// §4.1.5).
var verbs = map[string]bool{
	"HELO": true, "EHLO": true, "MAIL": true, "RCPT": true, "DATA": true, "BDAT": true, "RSET": true,
	"VRFY": true, "EXPN": true, "HELP": true, "NOOP": true, "QUIT": true, "AUTH": true, "STARTTLS": true,
	"ETRN": true, "TURN": true, "ATRN": true, "BURL": true, "LHLO": true, "SEND": true, "SOML": true, "SAML": true,
}

func (p *Parser) command(l wire.Line) {
	line := string(l.B)
	verb, args := splitVerb(line)
	cmd := &session.Command{Kind: session.KindCommand, Verb: verb, Args: args, Line: line, Time: l.Time}
	if !verbs[verb] && !strings.HasPrefix(verb, "X") {
		p.s.Anomaly(l.Time, session.FromClient, "unknown command "+strconv.Quote(verb))
	}
	switch verb {
	case "AUTH":
		mech, initial, _ := strings.Cut(args, " ")
		p.auth = sasl.New(mech, p.opts.Redact)
		p.s.Auth = append(p.s.Auth, session.Auth{Mechanism: wire.Upper(mech), Time: l.Time})
		p.authIdx = len(p.s.Auth) - 1
		if initial != "" {
			cmd.Decoded = p.auth.Response(initial)
			if p.auth.Secret && p.opts.Redact {
				cmd.Args = mech + " " + p.opts.Mask(initial)
				cmd.Line = cmd.Verb + " " + cmd.Args
			}
			p.syncAuth()
		}
	case "DATA":
		p.dataEx = p.push(cmd)
		return
	case "BDAT":
		// RFC 3030 §4: "BDAT" SP chunk-size [ SP end-marker ]. Anything
		// else is refused by the server, which then reads no chunk.
		f := strings.Fields(args)
		n, err := int64(0), error(nil)
		if len(f) > 0 {
			n, err = strconv.ParseInt(f[0], 10, 64)
		}
		if len(f) == 0 || len(f) > 2 || err != nil || n < 0 || (len(f) == 2 && !strings.EqualFold(f[1], "LAST")) {
			p.s.Anomaly(l.Time, session.FromClient, "BDAT with bad arguments: "+args)
			break
		}
		p.bdatLast = len(f) == 2
		cmd.Size = n
		idx := p.push(cmd)
		if p.msg == nil {
			p.msg = p.opts.NewMessage()
		}
		p.msgEx = idx
		if n == 0 && p.bdatLast {
			p.endMessage(false)
			return
		}
		p.cli.Expect(n)
		return
	}
	p.push(cmd)
}

// push appends a command's exchange and queues it for its reply.
func (p *Parser) push(cmd *session.Command) int {
	idx := p.s.AddExchange(session.Exchange{Command: cmd})
	p.pending.Push(idx)
	return idx
}

func (p *Parser) startMessage(t time.Time, via string) {
	p.inMessage = true
	p.msg = p.opts.NewMessage()
	p.msgEx = p.s.AddExchange(session.Exchange{Command: &session.Command{Kind: session.KindMessage, Verb: via, Time: t}})
}

// messageLine takes one line of a DATA body (RFC 5321 §4.5.2 dot-stuffing).
func (p *Parser) messageLine(l wire.Line) {
	content, end := wire.Unstuff(l.B)
	if !end {
		p.msg.Line(content)
		return
	}
	p.inMessage = false
	p.pending.Push(p.msgEx)
	p.endMessage(false)
}

// endMessage summarizes the message being read and attaches it to its
// exchange, with the envelope it was sent under.
func (p *Parser) endMessage(cut bool) {
	m := p.msg.Summary()
	m.Truncated = m.Truncated || cut
	cmd := p.s.Exchanges[p.msgEx].Command
	m.Via, m.Time = cmd.Verb, cmd.Time
	if cmd.Kind == session.KindCommand {
		m.Via = "BDAT"
	}
	m.MailFrom, m.RcptTo = p.mailFrom, p.rcptTo
	if cmd.Kind == session.KindMessage {
		cmd.Size = m.Size
		cmd.Args = summaryArgs(m)
	}
	cmd.Body = p.msg.BodyLines()
	cmd.Message = p.s.AddMessage(m)
	p.msg = nil
	p.inMessage = false
	p.bdatLast = false
}

func summaryArgs(m session.Message) string {
	return strconv.FormatInt(m.Size, 10) + " bytes"
}

func (p *Parser) syncAuth() {
	if p.authIdx < len(p.s.Auth) && p.auth != nil {
		a := &p.s.Auth[p.authIdx]
		a.Username, a.Password = p.auth.Username, p.opts.Mask(p.auth.Password)
	}
}

// maskArgs hides a SASL response that carried a secret, when redacting.
func (p *Parser) maskArgs(cmd *session.Command, text string) {
	if p.auth.Secret {
		cmd.Args = p.opts.Mask(text)
	}
}

func (p *Parser) serverLine(l wire.Line) {
	line := string(l.B)
	code, sep, ok := replyCode(line)
	if ok && (code[0] < '2' || code[0] > '5' || code[1] > '5') {
		p.s.Anomaly(l.Time, session.FromServer, "reply code "+code+" out of range (RFC 5321 §4.2)")
	}
	if !ok {
		p.s.Anomaly(l.Time, session.FromServer, "reply line without a 3-digit code: "+line)
		if p.reply != nil {
			p.reply.Lines = append(p.reply.Lines, line)
			return
		}
		code, sep = "", ' '
	}
	if p.reply == nil {
		p.reply = &session.Response{Status: code, Time: l.Time}
	} else if ok && code != p.reply.Status {
		p.s.Anomaly(l.Time, session.FromServer, "multi-line reply changes its code from "+p.reply.Status+" to "+code)
	}
	p.reply.Lines = append(p.reply.Lines, line)
	p.reply.Time = l.Time
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
	first := !p.replied
	p.replied = true
	// RFC 5321 §3.1: the server speaks first. Its first reply is the
	// greeting even when an impatient (or hostile) client already sent
	// lines, which the replies after it answer.
	if first && !p.s.Midstream && (r.Status == "220" || r.Status == "554" || r.Status == "421") {
		at, waiting := p.pending.First()
		if !waiting {
			p.s.AddExchange(session.Exchange{Response: r})
			return
		}
		// It goes before the lines sent too early, keeping replies in
		// the order they came.
		p.s.InsertExchange(at, session.Exchange{Response: r})
		p.pending.Shift(at)
		for _, i := range []*int{&p.dataEx, &p.msgEx} {
			if *i >= at {
				*i++
			}
		}
		return
	}
	idx, ok := p.pending.Next(p.s)
	if !ok {
		// RFC 5321 §3.8: a server may close with 421 at any time.
		if r.Status != "421" && (p.paired || (len(p.s.Exchanges) > 0 && !p.s.Midstream)) {
			p.s.Anomaly(r.Time, session.FromServer, "reply "+r.Status+" answers no command")
		}
		p.s.AddExchange(session.Exchange{Response: r})
		return
	}
	p.paired = true
	p.s.Answer(idx, r)
	p.afterReply(p.s.Exchanges[idx].Command, r)
}

// afterReply applies what a reply means for the session's state.
func (p *Parser) afterReply(cmd *session.Command, r *session.Response) {
	ok := len(r.Status) == 3 && r.Status[0] == '2'
	if cmd.Kind == session.KindMessage || (cmd.Verb == "BDAT" && cmd.Message != nil) {
		if cmd.Message != nil {
			p.s.Messages[*cmd.Message].Accepted = session.Bool(ok)
		}
		p.mailFrom, p.rcptTo = "", nil
		return
	}
	switch cmd.Verb {
	case "EHLO", "HELO", "RSET":
		if ok {
			p.mailFrom, p.rcptTo = "", nil
		}
		if ok && cmd.Verb == "EHLO" && len(r.Lines) > 1 {
			// RFC 5321 §4.1.1.1: the lines after the first name the
			// extensions.
			caps := make([]string, 0, len(r.Lines)-1)
			for _, l := range r.Lines[1:] {
				if len(l) > 4 {
					caps = append(caps, l[4:])
				}
			}
			p.s.Capabilities = caps
		}
	case "MAIL":
		if ok {
			p.mailFrom, p.rcptTo = pathArg(cmd.Args, "FROM:"), nil
		}
	case "RCPT":
		if ok {
			p.rcptTo = append(p.rcptTo, pathArg(cmd.Args, "TO:"))
		}
	case "AUTH":
		p.authReply(r)
	case "STARTTLS":
		if r.Status == "220" {
			p.tls.Start(p.srv)
			p.s.TLS = session.TLSStart
		}
	}
}

func (p *Parser) authReply(r *session.Response) {
	if p.auth == nil {
		return
	}
	if r.Status == "334" {
		p.authWaiting = true
		text := strings.TrimSpace(strings.TrimPrefix(r.Lines[len(r.Lines)-1], "334"))
		p.auth.Challenge(text)
		return
	}
	p.authWaiting = false
	p.syncAuth()
	if p.authIdx < len(p.s.Auth) {
		p.s.Auth[p.authIdx].Success = session.Bool(r.Status == "235")
	}
	p.auth = nil
}

// pathArg extracts the address of "FROM:<a@b> SIZE=1" style arguments,
// tolerating a space after the colon and missing brackets as real clients
// (and people at a telnet prompt) send them.
func pathArg(args, prefix string) string {
	a := strings.TrimSpace(args)
	if len(a) >= len(prefix) && strings.EqualFold(a[:len(prefix)], prefix) {
		a = strings.TrimSpace(a[len(prefix):])
	}
	if strings.HasPrefix(a, "<") {
		if i := strings.IndexByte(a, '>'); i > 0 {
			return a[1:i]
		}
	}
	if i := strings.IndexByte(a, ' '); i >= 0 {
		a = a[:i]
	}
	return a
}

// splitVerb splits a command line into its verb, upper-cased since verbs
// are case-insensitive (RFC 5321 §2.4), and its arguments.
func splitVerb(line string) (verb, args string) {
	line = strings.TrimRight(line, " \t")
	v, a, _ := strings.Cut(line, " ")
	return wire.Upper(v), strings.TrimLeft(a, " ")
}
