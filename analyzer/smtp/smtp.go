// Package smtp parses SMTP sessions (RFC 5321) seen passively, with
// PIPELINING (RFC 2920), CHUNKING/BDAT (RFC 3030), AUTH (RFC 4954),
// STARTTLS (RFC 3207) and enhanced status codes (RFC 3463).
//
// Replies pair with commands first-in first-out: RFC 2920 requires the
// server to answer pipelined commands in order, so a FIFO of pending
// commands is exact where timestamps are not.
package smtp

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Name is the protocol's name in the table, the model and the output.
const Name session.Protocol = "smtp"

// Spec registers SMTP: submission and relay ports in clear, 465 over
// implicit TLS (RFC 8314).
func Spec() proto.Spec {
	return proto.Spec{Name: Name, Ports: []uint16{25, 587, 2525}, TLSPorts: []uint16{465}, Detect: Detect, New: New}
}

// Detect recognizes a server's 220 greeting answered by the client's EHLO
// or HELO: until the client has spoken, a 220 greeting could be FTP's.
func Detect(srv, cli []byte) bool {
	if !bytes.HasPrefix(srv, []byte("220 ")) && !bytes.HasPrefix(srv, []byte("220-")) || len(cli) < 5 {
		return false
	}
	v := bytes.ToUpper(cli[:5])
	return bytes.Equal(v, []byte("EHLO ")) || bytes.Equal(v, []byte("HELO "))
}

// clientState says what the client's next line is.
type clientState uint8

const (
	command  clientState = iota
	dataSent             // DATA was sent: its 354 may still be in flight
	data                 // a line of the message, up to the lone "."
)

// Parser follows one SMTP session.
type Parser struct {
	*proto.Conn
	client clientState
	reply  *session.Response // multi-line reply being read

	dataEx   *session.Exchange // the DATA whose 354 opens a message
	msgEx    *session.Exchange // the exchange carrying the message being read
	bdatLast bool              // the BDAT chunk being read ends the message
	lastEnd  lines.Ending      // how the client's previous line ended
	msgGap   bool              // the capture lost bytes of the message being read
	oddEnds  uint8             // what of bareLF, bareCR, hasNUL the message was flagged for
	held     *held             // a bare-LF dot the server's replies have yet to read (dataend.go)
	strict   bool              // the message being read goes on past a bare-LF dot: the server said so
	hidden   bool              // replaying what a lenient server read as commands after a bare-LF dot
	// replaying counts the holds whose lines are being replayed.
	replaying int

	auth     *proto.Attempt
	logins   proto.Awaiting // AUTH commands awaiting their replies
	mailFrom path           // the transaction's envelope, once accepted
	rcptTo   []string
	rcptMore int // recipients accepted past session.MaxRecipients

	// lmtp reads the session as LMTP (RFC 2033): LHLO, and after the
	// data one reply per recipient accepted; perRcpt counts those still
	// to come for the message.
	lmtp    bool
	perRcpt int
}

// New returns a parser that fills env.Session.
func New(env proto.Env) proto.Parser { return newParser(env, false) }

// NewLMTP returns a parser of LMTP (RFC 2033), SMTP's dialect for the
// last hop into a mailbox store: the client says LHLO, and the server
// answers the data once for each recipient it accepted.
func NewLMTP(env proto.Env) proto.Parser { return newParser(env, true) }

func newParser(env proto.Env, lmtp bool) *Parser {
	p := &Parser{lmtp: lmtp}
	p.Conn = proto.NewConn(env, "STARTTLS", proto.Handlers{
		ClientLine: p.clientLine, ServerLine: p.serverLine, ClientCounted: p.chunk, ClientRun: p.messageRun, Close: p.closing})
	return p
}

// closing finishes a reply or a message the stream ended in.
func (p *Parser) closing(t time.Time) {
	if p.held != nil {
		p.settle(false)
	}
	if p.reply != nil {
		p.CutShort(t, session.FromServer, "reply")
		p.finishReply()
	}
	if p.Message(session.FromClient) != nil {
		p.CutShort(t, session.FromClient, "message")
		p.endMessage(true)
	}
}

// chunk receives BDAT chunk bytes (RFC 3030 §2).
func (p *Parser) chunk(b []byte, t time.Time, last bool) {
	if msg := p.Message(session.FromClient); msg != nil {
		msg.Write(b)
	}
	if last && p.bdatLast {
		p.endMessage(false)
	}
}

// clientLine reads a client line; the next is read knowing how this one
// ended (RFC 5321 §4.1.1.4 ends the data at CRLF "." CRLF only).
func (p *Parser) clientLine(l *lines.Line) {
	p.readClientLine(l)
	p.lastEnd = l.End
}

func (p *Parser) readClientLine(l *lines.Line) {
	if p.held != nil {
		p.holdLine(l)
		return
	}
	switch p.client {
	case data:
		p.messageLine(l)
		return
	case dataSent:
		// RFC 5321 §4.1.1.4: the client sends the message only after 354;
		// if that reply is not seen yet, it was sent and is in flight.
		r := p.dataEx.Response
		p.dataEx, p.client = nil, command
		if r == nil || r.Status == "354" {
			p.startMessage(l.Time)
			p.messageLine(l)
			return
		}
	}
	if p.auth != nil && p.auth.Takes() {
		// RFC 4954 §4: the server reads the line as a response, also
		// one typed before its 334 came.
		text := string(l.B)
		cmd := &session.Command{Kind: session.KindContinuation, Verb: "AUTH", Args: p.S.Keep(text), Time: l.Time}
		p.auth.Response(cmd, text)
		p.Push(cmd)
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

func (p *Parser) command(l *lines.Line) {
	// Read from the line as the session keeps it, so that nothing read
	// from it (the verb, a path) holds a longer one in memory.
	line := p.S.Keep(string(l.B))
	typed, args := splitVerb(line)
	verb := p.Verb(typed, verbs, l.Time)
	cmd := &session.Command{Kind: session.KindCommand, Verb: verb, Args: args, Line: line, Time: l.EndTime(), TypedMS: l.TypedMS()}
	switch verb {
	case "MAIL":
		cmd.Path = parsePath(args, "FROM:").addr
	case "RCPT":
		cmd.Path = parsePath(args, "TO:").addr
	case "AUTH":
		// RFC 4954 §4: AUTH names a mechanism; without one it is a
		// syntax error (501), not an attempt to log in.
		mech, initial, _ := strings.Cut(args, " ")
		if mech == "" {
			break
		}
		p.auth = p.BeginSASL(mech, l.Time)
		p.logins.Add(cmd, p.auth)
		if initial != "" {
			p.auth.Initial(cmd, mech, initial)
		}
	case "DATA":
		p.dataEx, p.client = p.Push(cmd), dataSent
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
			explain.Anomaly(p.S, l.Time, session.FromClient, "bdat.args", args)
			break
		}
		p.bdatLast = len(f) == 2
		cmd.Size = n
		p.msgEx = p.Push(cmd)
		if p.Message(session.FromClient) == nil {
			p.StartMessage(session.FromClient, "BDAT", l.Time)
		}
		if n == 0 && p.bdatLast {
			p.endMessage(false)
			return
		}
		p.Cli.Expect(n)
		return
	}
	p.Push(cmd)
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
	p.msgEx = p.Add(&session.Command{Kind: session.KindMessage, Verb: "DATA", Time: t})
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
		p.Queue(p.Add(&session.Command{Kind: session.KindMessage, Verb: c.Verb, Args: c.Args, Recipient: rcpt, Again: true,
			Time: c.Time, Size: c.Size, Message: c.Message}))
	}
}

// Gap tells the parser n bytes were lost in direction d.
func (p *Parser) Gap(d session.Dir, t time.Time, n int) {
	if d == session.FromClient && p.held != nil {
		p.settle(false) // what follows the gap cannot be read as commands
	}
	if d == session.FromClient && p.client == data {
		p.msgGap = true
	}
	p.Conn.Gap(d, t, n)
}

func (p *Parser) serverLine(l *lines.Line) {
	if p.client == data && p.msgGap {
		// The server answers the data only after its end: the "." was
		// in the bytes the capture lost.
		explain.Anomaly(p.S, l.Time, session.FromClient, "message.lost.end")
		p.Queue(p.msgEx)
		p.endMessage(true)
	}
	line := p.S.Keep(string(l.B)) // what is read from it keeps no longer line
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
		p.Reply(&session.Response{Lines: []string{line}, Time: l.Time})
		return
	}
	if p.reply == nil {
		p.reply = &session.Response{Status: code, Time: l.Time}
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

// splitVerb splits a command line into its verb as typed and its
// arguments.
func splitVerb(line string) (verb, args string) {
	line = strings.TrimRight(line, " \t")
	v, a, _ := strings.Cut(line, " ")
	return v, strings.TrimLeft(a, " ")
}
