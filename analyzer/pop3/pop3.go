// Package pop3 parses POP3 sessions (RFC 1939) seen passively, with CAPA
// and PIPELINING (RFC 2449), AUTH (RFC 5034) and STLS (RFC 2595).
//
// Whether a +OK reply goes on over several lines depends on the command it
// answers and its arguments (RFC 1939 §3), so replies pair first-in
// first-out with the commands sent, as pipelining requires.
package pop3

import (
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/wire"
)

// Parser follows one POP3 session.
type Parser struct {
	s    *session.Session
	opts wire.Options
	cli  *wire.Splitter
	srv  *wire.Splitter
	tls  wire.TLSWatch

	pending wire.Pending
	paired  bool
	replied bool              // the server has replied at all
	multi   *session.Response // multi-line reply being read
	multiTo string            // verb of the command multi answers
	multiEx int               // exchange multi answers
	msg     *message.Builder  // message being read (RETR, TOP)

	user        string
	auth        *sasl.Decoder
	authIdx     int
	authWaiting bool
}

// New returns a parser that fills s.
func New(s *session.Session, opts wire.Options) *Parser {
	return &Parser{s: s, opts: opts, cli: wire.NewSplitter(opts.MaxLine), srv: wire.NewSplitter(opts.MaxLine), authIdx: -1}
}

// Feed pushes bytes seen in direction d.
func (p *Parser) Feed(d session.Dir, t time.Time, b []byte) {
	if d == session.FromServer {
		p.pending.ServerData(t)
	}
	if d == session.FromClient {
		p.tls.Feed(p.s, d, t, b, p.cli, clientSide{p}, "STLS")
	} else {
		p.tls.Feed(p.s, d, t, b, p.srv, serverSide{p}, "STLS")
	}
}

// Gap tells the parser n bytes were lost in direction d.
func (p *Parser) Gap(d session.Dir, t time.Time, n int) {
	if p.tls.On {
		return
	}
	if d == session.FromClient {
		p.cli.Gap(n)
		return
	}
	p.srv.Gap(n)
	p.pending.ServerGap()
	if p.msg != nil {
		p.msg.Lost(n)
	}
}

// Close ends the session at t.
func (p *Parser) Close(t time.Time) {
	p.cli.Flush(clientSide{p})
	p.srv.Flush(serverSide{p})
	if p.multi != nil {
		p.s.Anomaly(t, session.FromServer, "multi-line reply cut short")
		p.endMulti(true)
	}
}

type clientSide struct{ p *Parser }

func (c clientSide) Line(l wire.Line)                { c.p.clientLine(l) }
func (c clientSide) Counted([]byte, time.Time, bool) {}

type serverSide struct{ p *Parser }

func (s serverSide) Line(l wire.Line)                { s.p.serverLine(l) }
func (s serverSide) Counted([]byte, time.Time, bool) {}

func (p *Parser) clientLine(l wire.Line) {
	if l.Cut {
		p.s.Anomaly(l.Time, session.FromClient, "client line longer than the limit was cut")
	}
	text := string(l.B)
	if p.authWaiting {
		p.authWaiting = false
		cmd := &session.Command{Kind: session.KindContinuation, Verb: "AUTH", Args: text, Time: l.Time}
		if p.auth != nil {
			cmd.Decoded = p.auth.Response(text)
			if p.auth.Secret {
				cmd.Args = p.opts.Mask(text)
			}
			p.syncAuth()
		}
		p.push(cmd)
		return
	}
	v, args, _ := strings.Cut(strings.TrimRight(text, " \t"), " ")
	cmd := &session.Command{Kind: session.KindCommand, Verb: wire.Upper(v), Args: args, Line: text, Time: l.Time}
	if !verbs[cmd.Verb] && !strings.HasPrefix(cmd.Verb, "X") {
		p.s.Anomaly(l.Time, session.FromClient, "unknown command "+strconv.Quote(cmd.Verb))
	}
	switch cmd.Verb {
	case "USER":
		p.user = args
	case "PASS":
		p.addAuth("USER", l.Time)
		p.s.Auth[p.authIdx].Username, p.s.Auth[p.authIdx].Password = p.user, p.opts.Mask(args)
		cmd.Args = p.opts.Mask(args)
		if p.opts.Redact {
			cmd.Line = v + " " + cmd.Args
		}
	case "APOP":
		name, digest, _ := strings.Cut(args, " ")
		p.addAuth("APOP", l.Time)
		p.s.Auth[p.authIdx].Username = name
		if p.opts.Redact {
			cmd.Args = name + " " + p.opts.Mask(digest)
			cmd.Line = v + " " + cmd.Args
		}
	case "AUTH":
		if args == "" {
			break // lists the mechanisms
		}
		mech, initial, _ := strings.Cut(args, " ")
		p.auth = sasl.New(mech, p.opts.Redact)
		p.addAuth(wire.Upper(mech), l.Time)
		if initial != "" {
			cmd.Decoded = p.auth.Response(initial)
			if p.auth.Secret && p.opts.Redact {
				cmd.Args = mech + " " + p.opts.Mask(initial)
				cmd.Line = v + " " + cmd.Args
			}
			p.syncAuth()
		}
	}
	p.push(cmd)
}

// verbs are the commands of RFC 1939, 2449, 2595, 5034 and 6856.
var verbs = map[string]bool{
	"USER": true, "PASS": true, "APOP": true, "AUTH": true, "STAT": true, "LIST": true, "RETR": true,
	"DELE": true, "NOOP": true, "RSET": true, "QUIT": true, "TOP": true, "UIDL": true, "CAPA": true,
	"STLS": true, "UTF8": true, "LANG": true, "LAST": true,
}

func (p *Parser) addAuth(mech string, t time.Time) {
	p.s.Auth = append(p.s.Auth, session.Auth{Mechanism: mech, Time: t})
	p.authIdx = len(p.s.Auth) - 1
}

func (p *Parser) syncAuth() {
	if p.authIdx >= 0 && p.auth != nil {
		a := &p.s.Auth[p.authIdx]
		a.Username, a.Password = p.auth.Username, p.opts.Mask(p.auth.Password)
	}
}

func (p *Parser) push(cmd *session.Command) {
	p.pending.Push(p.s.AddExchange(session.Exchange{Command: cmd}))
}

// multiLine reports whether a +OK to cmd is followed by a dot-terminated
// body (RFC 1939 §5-7, RFC 2449 §5, and the mechanism list that Dovecot
// and others send for a bare AUTH).
func multiLine(cmd *session.Command) bool {
	switch cmd.Verb {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL", "AUTH":
		return cmd.Kind == session.KindCommand && strings.TrimSpace(cmd.Args) == ""
	}
	return false
}

func (p *Parser) serverLine(l wire.Line) {
	if p.multi != nil {
		content, end := wire.Unstuff(l.B)
		switch {
		case end:
			p.endMulti(false)
		case p.msg != nil:
			p.msg.Line(content)
		default:
			p.multi.Lines = append(p.multi.Lines, string(content))
		}
		return
	}
	line := string(l.B)
	status := ""
	switch {
	case strings.HasPrefix(line, "+OK"):
		status = "+OK"
	case strings.HasPrefix(line, "-ERR"):
		status = "-ERR"
	case line == "+" || strings.HasPrefix(line, "+ "):
		status = "+" // RFC 5034 §4: continuation request
	default:
		p.s.Anomaly(l.Time, session.FromServer, "reply without +OK or -ERR: "+line)
	}
	r := &session.Response{Status: status, Lines: []string{line}, Time: l.Time}
	first := !p.replied
	p.replied = true
	// RFC 1939 §4: the server greets first; lines a client sent before
	// the greeting are answered after it.
	if first && !p.s.Midstream && status != "+" {
		if at, waiting := p.pending.First(); waiting {
			p.s.InsertExchange(at, session.Exchange{Response: r})
			p.pending.Shift(at)
			return
		}
	}
	idx, ok := p.pending.Next(p.s)
	if !ok {
		if p.paired || (len(p.s.Exchanges) > 0 && !p.s.Midstream) {
			p.s.Anomaly(r.Time, session.FromServer, "reply answers no command")
		}
		p.s.AddExchange(session.Exchange{Response: r})
		return
	}
	p.paired = true
	cmd := p.s.Exchanges[idx].Command
	if status == "+OK" && multiLine(cmd) {
		// Answered once the body is read; the latency still runs to
		// this status line.
		p.multi, p.multiTo, p.multiEx = r, cmd.Verb, idx
		if cmd.Verb == "RETR" || cmd.Verb == "TOP" {
			p.msg = p.opts.NewMessage()
		}
	} else {
		p.s.Answer(idx, r)
	}
	p.afterReply(cmd, r)
}

func (p *Parser) endMulti(cut bool) {
	r := p.multi
	p.multi = nil
	defer p.s.Answer(p.multiEx, r)
	if p.multiTo == "CAPA" {
		p.s.Capabilities = r.Lines[1:]
	}
	if p.msg == nil {
		return
	}
	m := p.msg.Summary()
	m.Truncated = m.Truncated || cut
	m.Time = r.Time
	m.Via = p.multiTo
	r.BodySize = m.Size
	r.Body = p.msg.BodyLines()
	r.Message = p.s.AddMessage(m)
	p.msg = nil
}

func (p *Parser) afterReply(cmd *session.Command, r *session.Response) {
	switch cmd.Verb {
	case "PASS", "APOP":
		if p.authIdx >= 0 && r.Status != "+" {
			p.s.Auth[p.authIdx].Success = session.Bool(r.Status == "+OK")
		}
	case "AUTH":
		if p.auth == nil {
			return
		}
		if r.Status == "+" {
			p.authWaiting = true
			p.auth.Challenge(strings.TrimSpace(strings.TrimPrefix(r.Lines[0], "+")))
			return
		}
		p.syncAuth()
		p.s.Auth[p.authIdx].Success = session.Bool(r.Status == "+OK")
		p.auth = nil
	case "STLS":
		if r.Status == "+OK" {
			p.tls.Start(p.srv)
			p.s.TLS = session.TLSStart
		}
	}
}
