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
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
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
		e := p.dataEx
		r := e.Response
		p.dataEx, p.client = nil, command
		opens := r == nil || r.Status == "354"
		if r != nil {
			p.Release(e) // answered: the next command's, past the bound
		} else {
			e.Loose() // once answered
		}
		if opens {
			p.startMessage(l.Time)
			p.messageLine(l)
			return
		}
	}
	if p.auth != nil && p.auth.Takes() {
		// RFC 4954 §4: the server reads the line as a response, also
		// one typed before its 334 came.
		text := string(l.B)
		e := session.NewExchange(session.Command{Kind: session.KindContinuation, Verb: "AUTH", Args: p.S.Keep(text), Time: l.Time})
		p.auth.Response(e.Command, text)
		p.PushExchange(e)
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
	line := p.S.Keep(p.CommandLine(l.B))
	typed, args := splitVerb(line)
	verb := p.Verb(typed, verbs, l.Time)
	e := p.Record(session.Command{Kind: session.KindCommand, Verb: verb, Args: args, Line: line, Time: l.EndTime(), TypedMS: l.TypedMS()})
	cmd := e.Command
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
		p.PushExchange(e) // held by the login until its reply
		return
	case "DATA":
		p.dataEx, p.client = p.PushExchange(e), dataSent
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
		p.msgEx = p.PushExchange(e)
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
	p.PushLoose(e)
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

// splitVerb splits a command line into its verb as typed and its
// arguments.
func splitVerb(line string) (verb, args string) {
	line = lines.TrimBlanksRight(line)
	v, a, _ := strings.Cut(line, " ")
	return v, strings.TrimLeft(a, " ")
}
