package smtp

import (
	"bytes"
	"slices"
	"strconv"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The message a DATA or BDAT command carries (RFC 5321 §4.1.1.4, RFC
// 3030): its lines, dot-stuffing and odd bytes, its end.

// chunk receives BDAT chunk bytes (RFC 3030 §2).
func (p *Parser) chunk(b []byte, t time.Time, last bool) {
	if msg := p.Message(session.FromClient); msg != nil {
		msg.Write(b)
	}
	if last && p.bdatLast {
		p.endMessage(false)
	}
}

// startMessage opens the message that follows DATA's 354.
func (p *Parser) startMessage(t time.Time) {
	p.client = data
	p.Cli.Pieces = true // a message's lines are saved whatever their length
	p.Cli.Runs = true
	msg := p.StartMessage(session.FromClient, "DATA", t)
	if p.hidden {
		p.flag(msg, "smuggled")
	}
	p.msgEx = p.Add(session.Command{Kind: session.KindMessage, Verb: "DATA", Time: t})
}

// Flags of odd bytes in a message, each reported once per message.
const (
	bareLF uint8 = 1 << iota
	bareCR
	hasNUL
)

// messageLine takes one line of a DATA body (RFC 5321 §4.5.2 dot-stuffing).
// CRLF "." CRLF ends the data (RFC 5321 §4.1.1.4). A lone "." after or
// before a bare LF is message text to a strict server and the end to a
// lenient one: the server's replies decide (dataend.go).
func (p *Parser) messageLine(l *lines.Line) {
	if l.More || l.Cont {
		p.longLine(l)
		return
	}
	content, end := lines.Unstuff(l.B)
	if end && l.End == lines.CRLF && p.lastEnd == lines.CRLF {
		p.Queue(p.msgEx)
		p.endMessage(false)
		p.lmtpReplies()
		return
	}
	if end && !p.strict && p.replaying < maxDepth {
		p.hold(l)
		return
	}
	msg := p.Message(session.FromClient)
	p.oddBytes(l)
	if end {
		explain.Anomaly(p.S, l.Time, session.FromClient, "smuggling.dot")
		p.flag(msg, "lone-dot-bare-lf")
		content = l.B
	}
	if l.End == lines.LF {
		msg.LineLF(content)
	} else {
		msg.Line(content)
	}
	if l.Dropped > 0 {
		msg.Lost(l.Dropped) // past --max-line: counted, not kept
	}
}

// messageRun takes plain lines of a DATA body at once: none begins with
// "." (RFC 5321 §4.5.2), so each is its own content. A run that holds an
// odd byte or ending not yet flagged in this message is read line by
// line, so that the flag comes where the line path puts it; so is one
// while a bare-LF dot waits for the server's reading (dataend.go).
func (p *Parser) messageRun(r lines.Run) bool {
	if p.client != data || p.held != nil {
		return false
	}
	if p.oddEnds != bareLF|bareCR|hasNUL {
		lf := r.LF > 0 && p.oddEnds&bareLF == 0
		cr := p.oddEnds&bareCR == 0 && bytes.Count(r.B, []byte{'\r'}) > r.Lines-r.LF
		nul := p.oddEnds&hasNUL == 0 && bytes.IndexByte(r.B, 0) >= 0
		if lf || cr || nul {
			return false
		}
	}
	p.Message(session.FromClient).Write(r.B)
	p.lastEnd = r.Last
	return true
}

// longLine takes a piece of a message line longer than --max-line: it is
// no "." and no end, only text (dot-unstuffed where the line begins).
func (p *Parser) longLine(l *lines.Line) {
	msg := p.Message(session.FromClient)
	p.oddBytes(l)
	content := l.B
	if !l.Cont {
		content, _ = lines.Unstuff(l.B)
	}
	switch {
	case l.More:
		msg.Write(content)
	case l.End == lines.LF:
		msg.LineLF(content)
	default:
		msg.Line(content)
	}
}

// oddBytes flags, once per message, line endings and bytes that RFC 5321
// §2.3.8 forbids in the data and that servers read differently.
func (p *Parser) oddBytes(l *lines.Line) {
	msg := p.Message(session.FromClient)
	flag := func(f uint8, name, key string) {
		if p.oddEnds&f == 0 {
			p.oddEnds |= f
			explain.Anomaly(p.S, l.Time, session.FromClient, key)
			p.flag(msg, name)
		}
	}
	if l.End == lines.LF && !l.More {
		flag(bareLF, "bare-lf", "bare.lf")
	}
	if bytes.IndexByte(l.B, '\r') >= 0 {
		flag(bareCR, "bare-cr", "bare.cr")
	}
	if bytes.IndexByte(l.B, 0) >= 0 {
		flag(hasNUL, "nul", "nul")
	}
}

// flag notes once on the message a way its bytes are read differently.
func (p *Parser) flag(msg *message.Builder, name string) {
	if m := msg.Message(); !slices.Contains(m.Flags, name) {
		m.Flags = append(m.Flags, name)
	}
}

// endMessage ends the message being read and attaches it to its
// exchange, with the envelope it was sent under.
func (p *Parser) endMessage(cut bool) {
	cmd := p.msgEx.Command
	m := p.Message(session.FromClient).Message()
	m.Via, m.Time = cmd.Verb, cmd.Time
	m.MailFrom, m.MailParams, m.RcptTo, m.RcptToMore = p.mailFrom.addr, p.mailFrom.params, p.rcptTo, p.rcptMore
	i := p.EndMessage(session.FromClient, cut)
	if cmd.Kind == session.KindMessage {
		cmd.Size = m.Size
		cmd.Args = strconv.FormatInt(m.Size, 10) + " bytes"
	}
	cmd.Message = session.Ref(i)
	if p.client == data {
		p.client = command
	}
	p.Cli.Pieces, p.Cli.Runs = false, false
	p.bdatLast, p.oddEnds, p.msgGap, p.strict = false, 0, false, false
}

// lmtpReplies queues, after the data of an LMTP message, an exchange
// for each recipient accepted after the first, each answered by its own
// reply in RCPT order (RFC 2033 §4.2). The RCPT replies came before the
// 354 that let the data go, so the recipients are known.
func (p *Parser) lmtpReplies() {
	if !p.lmtp || p.msgEx.Command.Message == nil {
		return
	}
	i := *p.msgEx.Command.Message
	p.S.Messages[i].Final = true
	p.perRcpt = max(1, len(p.rcptTo))
	if len(p.rcptTo) > 0 {
		p.msgEx.Command.Recipient = p.rcptTo[0]
	}
	c := p.msgEx.Command
	for _, rcpt := range p.rcptTo[min(1, len(p.rcptTo)):] {
		p.Queue(p.Add(session.Command{Kind: session.KindMessage, Verb: c.Verb, Args: c.Args, Recipient: rcpt, Again: true,
			Time: c.Time, Size: c.Size, Message: c.Message}))
	}
}
