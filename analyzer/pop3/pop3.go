// Package pop3 parses POP3 sessions (RFC 1939) seen passively, with CAPA
// and PIPELINING (RFC 2449), AUTH (RFC 5034) and STLS (RFC 2595).
//
// Whether a +OK reply goes on over several lines depends on the command it
// answers and its arguments (RFC 1939 §3), so replies pair first-in
// first-out with the commands sent, as pipelining requires.
package pop3

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Name is the protocol's name in the table, the model and the output.
const Name session.Protocol = "pop3"

// Spec registers POP3: 110 in clear, 995 over implicit TLS (RFC 8314).
func Spec() proto.Spec {
	return proto.Spec{Name: Name, Ports: []uint16{110}, TLSPorts: []uint16{995}, Detect: Detect, New: New}
}

// Detect recognizes the server's +OK greeting (RFC 1939 §4).
func Detect(srv, _ []byte) bool { return bytes.HasPrefix(srv, []byte("+OK")) }

// Parser follows one POP3 session.
type Parser struct {
	*proto.Conn
	multi    *session.Response // multi-line reply being read
	multiEx  *session.Exchange // the exchange it answers
	multiGap bool              // the capture lost bytes of it
	// unasked is a +OK that answered a command the capture does not hold:
	// the next line shows whether a body follows it.
	unasked *session.Exchange

	// dotHeld: a body line "." beside a bare LF, held until the server's
	// next line says whether it ended the body (dotTime: when it came).
	dotHeld bool
	dotTime time.Time
	dotEnd  lines.Ending
	dot     [1]byte      // the held dot, written as text
	prevEnd lines.Ending // how the server's previous line ended

	user string
	auth *proto.Attempt // the latest AUTH exchange
	sasl bool           // auth is still going on
	// logins are the PASS, APOP and AUTH commands awaiting their replies.
	logins proto.Awaiting
}

// New returns a parser that fills env.Session.
func New(env proto.Env) proto.Parser {
	p := &Parser{}
	p.Conn = proto.NewConn(env, "STLS", proto.Handlers{ClientLine: p.clientLine, ServerLine: p.serverLine, ServerRun: p.bodyRun, Close: p.closing})
	return p
}

// closing finishes a multi-line reply the stream ended in.
func (p *Parser) closing(t time.Time) {
	if p.multi != nil && p.dotHeld {
		p.dotHeld = false
		p.endMulti(false) // nothing came after it: it was the end
	}
	if p.unasked != nil {
		p.Announce(p.unasked)
		p.unasked = nil
	}
	if p.multi != nil {
		p.CutShort(t, session.FromServer, "reply")
		p.endMulti(true)
	}
}

func (p *Parser) clientLine(l *lines.Line) {
	text := p.CommandLine(l.B)
	if p.sasl && p.auth.Takes() {
		// RFC 5034 §4: the server reads the line as a response, also
		// one typed before its "+" came.
		e := session.NewExchange(session.Command{Kind: session.KindContinuation, Verb: "AUTH", Args: p.S.Keep(text), Time: l.Time})
		p.auth.Response(e.Command, text)
		p.PushExchange(e)
		return
	}
	// Read from the line as the session keeps it, so that nothing read
	// from it (the verb, a user name) holds a longer one in memory.
	text = p.S.Keep(text)
	v, args, _ := strings.Cut(lines.TrimBlanksRight(text), " ")
	e := p.Record(session.Command{Kind: session.KindCommand, Verb: p.Verb(v, verbs, l.Time), Args: args, Line: text, Time: l.EndTime(), TypedMS: l.TypedMS()})
	cmd := e.Command
	loose := true // no login holds it until its reply
	switch cmd.Verb {
	case "USER":
		p.user = args
	case "PASS":
		a := p.BeginAuth("USER", l.Time)
		a.SetCredentials(p.user, args)
		p.logins.Add(cmd, a)
		loose = false
		cmd.Args, cmd.Secret = p.Opts.Mask(args), true
		if p.Opts.Redact {
			cmd.Line = v + " " + cmd.Args
		}
	case "APOP":
		name, digest, _ := strings.Cut(args, " ")
		a := p.BeginAuth("APOP", l.Time)
		a.Record().Username = name
		p.logins.Add(cmd, a)
		loose = false
		cmd.Secret = true
		if p.Opts.Redact {
			cmd.Args = name + " " + p.Opts.Mask(digest)
			cmd.Line = v + " " + cmd.Args
		}
	case "AUTH":
		if args == "" {
			break // lists the mechanisms
		}
		mech, initial, _ := strings.Cut(args, " ")
		p.auth, p.sasl = p.BeginSASL(mech, l.Time), true
		p.logins.Add(cmd, p.auth)
		loose = false
		if initial != "" {
			p.auth.Initial(cmd, mech, initial)
		}
	}
	if loose {
		p.PushLoose(e)
		return
	}
	p.PushExchange(e)
}

// verbs are the commands of RFC 1939, 2449, 2595, 5034 and 6856.
var verbs = map[string]bool{
	"USER": true, "PASS": true, "APOP": true, "AUTH": true, "STAT": true, "LIST": true, "RETR": true,
	"DELE": true, "NOOP": true, "RSET": true, "QUIT": true, "TOP": true, "UIDL": true, "CAPA": true,
	"STLS": true, "UTF8": true, "LANG": true, "LAST": true,
}

// multiLine reports whether a +OK to cmd is followed by a dot-terminated
// body (RFC 1939 §5-7, RFC 2449 §5, and the mechanism list that Dovecot
// and others send for a bare AUTH).
func multiLine(cmd *session.Command) bool {
	switch cmd.Verb {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL", "AUTH", "LANG":
		// Without an argument: a listing (RFC 1939, RFC 6856 §3 for LANG).
		return cmd.Kind == session.KindCommand && strings.TrimSpace(cmd.Args) == ""
	}
	return false
}

// serverLine reads a server line; the next is read knowing how this one
// ended (a dot beside a bare LF is held).
func (p *Parser) serverLine(l *lines.Line) {
	p.readServerLine(l)
	p.prevEnd = l.End
}

func (p *Parser) readServerLine(l *lines.Line) {
	if e := p.unasked; e != nil {
		p.unasked = nil
		if !isStatus(string(l.B)) {
			// Only a multi-line reply has lines that are not a status.
			p.multi, p.multiEx = e.Response, e
		} else {
			p.Announce(e)
		}
	}
	if p.multi != nil && p.multiGap && !l.Cont && isStatus(string(l.B)) {
		// A status line after a gap in a body: the "." that ended it
		// was in the bytes the capture lost.
		explain.Anomaly(p.S, l.Time, session.FromServer, "pop3.lost.end")
		p.endMulti(true)
	}
	if p.multi != nil && p.dotHeld {
		// The line after a bare-LF dot says what the server meant: a
		// status line begins the next reply, so the dot ended the body;
		// anything else is more of it, and the dot was text.
		p.dotHeld = false
		if isStatus(string(l.B)) && !l.Cont {
			p.endMulti(false)
		} else {
			p.dotText()
		}
	}
	if p.multi != nil {
		content, end := lines.Unstuff(l.B)
		if l.Cont {
			content, end = l.B, false // the rest of a long line
		}
		switch msg := p.Message(session.FromServer); {
		case end && !l.More && msg != nil && (l.End == lines.LF || p.prevEnd == lines.LF):
			// RFC 1939 §3 ends a body at CRLF "." CRLF; beside a bare LF
			// the server's next line decides.
			p.dotHeld, p.dotTime, p.dotEnd = true, l.Time, l.End
		case end && !l.More:
			p.endMulti(false)
		case msg != nil && l.More:
			msg.Write(content) // a piece of a line longer than --max-line
		case msg != nil && l.End == lines.LF:
			msg.LineLF(content) // as it came
		case msg != nil:
			msg.Line(content)
			if l.Dropped > 0 {
				msg.Lost(l.Dropped) // past --max-line: counted, not kept
			}
		default:
			p.multi.AddLine(p.S.Keep(string(content)))
		}
		return
	}
	line := p.ReplyText(l.B)
	status := ""
	switch {
	case strings.HasPrefix(line, "+OK"):
		status = "+OK"
	case strings.HasPrefix(line, "-ERR"):
		status = "-ERR"
	case line == "+" || strings.HasPrefix(line, "+ "):
		status = "+" // RFC 5034 §4: continuation request
	default:
		explain.Anomaly(p.S, l.Time, session.FromServer, "pop3.status", line)
	}
	r := p.NewLine(status, l.Time, p.S.Keep(line))
	if p.FirstReply() && !p.S.Midstream && status != "+" {
		if before, waiting := p.Waiting(); waiting {
			p.Greeting(before, r)
			return
		}
	}
	e, ok := p.Next()
	if !ok {
		if p.Stray() {
			explain.Anomaly(p.S, r.Time, session.FromServer, "reply.orphan.pop3")
		}
		if status == "+OK" && (p.S.Midstream || p.ClientSilent()) {
			p.unasked = p.Hold(r)
			return
		}
		p.Reply(r)
		return
	}
	cmd := e.Command
	if p.afterReply(cmd, r) {
		e.Loose() // its login held it until this reply
	}
	if status == "+OK" && multiLine(cmd) {
		// Answered once the body is read; the latency still runs to
		// this status line.
		p.multi, p.multiEx = r, e
		if cmd.Verb == "RETR" || cmd.Verb == "TOP" {
			p.startMessage(cmd, r.Time)
			p.Srv.Pieces = true // a message's lines are saved whatever their length
			p.Srv.Runs, p.Srv.DotText = true, textAfterDot
		}
		return
	}
	p.Answer(e, r)
}

// bodyRun takes plain lines of a RETR or TOP body at once: none begins
// with "." (RFC 1939 §3), so each is its own content. After a bare-LF dot
// the run's first line says what the server meant, as in serverLine: a
// status line is read there, anything else makes the dot text. After a
// gap in the body, the lines come one by one (a status line ends it).
func (p *Parser) bodyRun(r lines.Run) bool {
	msg := p.Message(session.FromServer)
	if p.multi == nil || msg == nil || p.multiGap || p.unasked != nil {
		return false
	}
	if p.dotHeld {
		first := r.B[:bytes.IndexByte(r.B, '\n')]
		if isStatus(string(lines.TrimCR(first))) {
			return false
		}
		p.dotHeld = false
		p.dotText()
	}
	for range r.Dots {
		// Read as text where the line after each was no status line
		// (textAfterDot), as serverLine reads a held dot.
		explain.Anomaly(p.S, r.Time, session.FromServer, "pop3.dot.text")
	}
	msg.Write(r.B)
	p.prevEnd = r.Last
	return true
}

// textAfterDot says whether the line after a bare-LF dot in a body makes
// the dot text: anything but a status line, which begins the next reply
// (the Splitter's DotText).
func textAfterDot(next []byte) bool { return !isStatus(string(next)) }

// dotText writes a held bare-LF dot as the text it turned out to be.
func (p *Parser) dotText() {
	explain.Anomaly(p.S, p.dotTime, session.FromServer, "pop3.dot.text")
	p.dot = [1]byte{'.'} // in the parser: a slice of a literal was allocated at each dot
	if p.dotEnd == lines.LF {
		p.Message(session.FromServer).LineLF(p.dot[:])
	} else {
		p.Message(session.FromServer).Line(p.dot[:])
	}
}

// startMessage opens the message a RETR or TOP reply carries: TOP n 0 is
// its header alone, TOP n m the header and m lines (RFC 1939 §7).
func (p *Parser) startMessage(cmd *session.Command, t time.Time) {
	m := p.StartMessage(session.FromServer, cmd.Verb, t).Message()
	f := strings.Fields(cmd.Args)
	if len(f) > 0 {
		m.Seq, _ = strconv.Atoi(f[0])
	}
	if cmd.Verb == "TOP" && len(f) > 1 {
		m.Content = session.ContentPartial
		if n, err := strconv.Atoi(f[1]); err == nil && n == 0 {
			m.Content = session.ContentHeader
		}
	}
}

// isStatus reports whether line is a status line (RFC 1939 §3, RFC 5034
// §4).
func isStatus(line string) bool {
	return strings.HasPrefix(line, "+OK") || strings.HasPrefix(line, "-ERR") || line == "+" || strings.HasPrefix(line, "+ ")
}

// Gap tells the parser n bytes were lost in direction d.
func (p *Parser) Gap(d session.Dir, t time.Time, n int) {
	if d == session.FromServer && p.multi != nil {
		p.multiGap = true
	}
	p.Conn.Gap(d, t, n)
}

func (p *Parser) endMulti(cut bool) {
	r, e := p.multi, p.multiEx
	p.multi, p.multiEx, p.multiGap = nil, nil, false
	p.Srv.Pieces, p.Srv.Runs, p.Srv.DotText = false, false, nil
	if e.Command == nil {
		p.Announce(e) // its command was not captured
		return
	}
	if e.Command.Verb == "CAPA" {
		p.S.SetCapabilities(r.Lines[1:])
	}
	if msg := p.Message(session.FromServer); msg != nil {
		i := p.EndMessage(session.FromServer, cut)
		r.BodySize = msg.Size()
		if i >= 0 {
			r.Message, r.Messages, r.MessageLines = &i, []int{i}, []int{0}
		}
	}
	p.Answer(e, r)
}

// afterReply applies what a reply means for the logins and for TLS. It
// reports whether the reply answered a login's command, which the login
// held until then (Awaiting).
func (p *Parser) afterReply(cmd *session.Command, r *session.Response) (answered bool) {
	switch cmd.Verb {
	case "PASS", "APOP":
		if r.Status == "+" {
			return false
		}
		if a := p.logins.Answered(cmd); a != nil {
			a.End(r.Status == "+OK")
		}
		return true
	case "AUTH":
		// A reply to an AUTH command is its own attempt's, even when
		// another AUTH was typed ahead of it; a reply to a response is
		// the current attempt's. A bare AUTH lists mechanisms: no attempt.
		a := p.auth
		if cmd.Kind == session.KindCommand {
			a = p.logins.Answered(cmd)
			answered = true
		}
		if a == nil || !p.sasl && a == p.auth {
			return answered
		}
		if r.Status == "+" {
			a.Challenge(r, strings.TrimSpace(strings.TrimPrefix(r.Lines[0], "+")))
			return
		}
		a.End(r.Status == "+OK")
		if a == p.auth {
			p.sasl = false
		}
	case "STLS":
		if r.Status == "+OK" {
			p.StartTLS()
		}
	}
	return answered
}
