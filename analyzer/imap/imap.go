// Package imap parses IMAP sessions (RFC 9051, RFC 3501) seen passively:
// tagged commands and their completions, untagged data, continuation
// requests, synchronizing and non-synchronizing literals (RFC 7888) in
// both directions, IDLE (RFC 2177), AUTHENTICATE with SASL-IR (RFC 4959),
// STARTTLS and COMPRESS (RFC 4978).
//
// A command's completion is found by its tag, never by position: servers
// may answer pipelined commands out of order. Untagged data belongs to the
// next response completed, which for the usual one-command-at-a-time
// client is the command that asked for it.
package imap

import (
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/wire"
)

// maxShownLiteral is the longest literal shown inline in a line; longer
// ones are shown by size.
const maxShownLiteral = 200

// command is a tagged command awaiting its completion.
type command struct {
	tag, verb string
	segs      []int            // exchanges of the command's parts, in order
	canon     string           // arguments with literals as quoted strings
	msg       *message.Builder // APPEND message
	auth      *sasl.Decoder
	authIdx   int
}

// lastOpen returns the command's last part if no reply answered it yet.
func (c *command) lastOpen(s *session.Session) (int, bool) {
	if len(c.segs) == 0 {
		return 0, false
	}
	i := c.segs[len(c.segs)-1]
	return i, s.Exchanges[i].Response == nil
}

// Parser follows one IMAP session.
type Parser struct {
	s          *session.Session
	opts       wire.Options
	cli        *wire.Splitter
	srv        *wire.Splitter
	tls        wire.TLSWatch
	compressed bool
	paired     bool
	replied    bool // the server has sent a response line

	open []*command // commands awaiting completion, oldest first
	cur  *command   // command whose line continues after a literal
	seg  int        // exchange of cur's current part, -1 before the next
	lit  literal    // client literal being read

	idle        *command // IDLE after its continuation request: DONE ends it
	authWaiting *command // AUTHENTICATE whose challenge awaits a response

	untagged []untagged      // untagged data awaiting its response
	sline    strings.Builder // server line being assembled around literals
	stime    time.Time
	slit     literal  // server literal being read
	smsgs    []*int   // messages carried by the line being read
	sbody    int64    // their bytes
	slines   []string // their bodies, kept with --full
}

// literal is a counted run being read.
type literal struct {
	size int64
	msg  *message.Builder
	text []byte // kept when small, for display
}

// New returns a parser that fills s.
func New(s *session.Session, opts wire.Options) *Parser {
	return &Parser{s: s, opts: opts, cli: wire.NewSplitter(opts.MaxLine), srv: wire.NewSplitter(opts.MaxLine), seg: -1}
}

// Feed pushes bytes seen in direction d.
func (p *Parser) Feed(d session.Dir, t time.Time, b []byte) {
	if p.compressed {
		return
	}
	if d == session.FromClient {
		p.tls.Feed(p.s, d, t, b, p.cli, clientSide{p}, "STARTTLS")
	} else {
		p.tls.Feed(p.s, d, t, b, p.srv, serverSide{p}, "STARTTLS")
	}
}

// Gap tells the parser n bytes were lost in direction d.
func (p *Parser) Gap(d session.Dir, t time.Time, n int) {
	if p.compressed || p.tls.On {
		return
	}
	sp, lit := p.cli, &p.lit
	if d == session.FromServer {
		sp, lit = p.srv, &p.slit
	}
	inLiteral := sp.Counting() > 0
	if sp.Gap(n) && inLiteral {
		p.s.Anomaly(t, d, "gap ends inside a literal: its end is lost")
	}
	if inLiteral && lit.msg != nil {
		lit.msg.Lost(n)
	}
}

// Close ends the session at t.
func (p *Parser) Close(t time.Time) {
	p.cli.Flush(clientSide{p})
	p.srv.Flush(serverSide{p})
	if p.cli.Counting() > 0 || p.srv.Counting() > 0 {
		p.s.Anomaly(t, session.FromServer, "literal longer than the rest of the stream")
	}
	if len(p.untagged) > 0 {
		p.s.AddExchange(session.Exchange{Response: p.takeResponse("", "", t, nil)})
	}
}

type clientSide struct{ p *Parser }

func (c clientSide) Line(l wire.Line)                         { c.p.clientLine(l) }
func (c clientSide) Counted(b []byte, t time.Time, last bool) { c.p.clientLiteral(b, t, last) }

type serverSide struct{ p *Parser }

func (s serverSide) Line(l wire.Line)                         { s.p.serverLine(l) }
func (s serverSide) Counted(b []byte, t time.Time, last bool) { s.p.serverLiteral(b, t, last) }

// literalSuffix finds a literal announced at the end of a line: "{12}",
// or "{12+}" for a non-synchronizing one that needs no "+" first.
func literalSuffix(line string) (n int64, sync bool, ok bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false, false
	}
	num := line[i+1 : len(line)-1]
	sync = true
	if strings.HasSuffix(num, "+") || strings.HasSuffix(num, "-") {
		num, sync = num[:len(num)-1], false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num == "" || num[0] == '+' {
		return 0, false, false
	}
	return n, sync, true
}

func (p *Parser) clientLine(l wire.Line) {
	if l.Cut {
		p.s.Anomaly(l.Time, session.FromClient, "client line longer than the limit was cut")
	}
	line := string(l.B)
	switch {
	case p.cur != nil:
		p.continueSegment(l.Time)
		// The line goes on right after the literal's bytes.
		p.s.Exchanges[p.seg].Command.Args += line
		p.cur.canon += line
	case p.idle != nil:
		c := p.idle
		p.idle = nil
		p.addSegment(c, &session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Args: line, Time: l.Time})
		if !strings.EqualFold(strings.TrimSpace(line), "DONE") {
			p.s.Anomaly(l.Time, session.FromClient, "IDLE ended by something other than DONE: "+line)
		}
		return
	case p.authWaiting != nil:
		c := p.authWaiting
		p.authWaiting = nil
		cmd := &session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Args: line, Time: l.Time}
		if c.auth != nil {
			cmd.Decoded = c.auth.Response(line)
			if c.auth.Secret {
				cmd.Args = p.opts.Mask(line)
			}
			p.syncAuth(c)
		}
		p.addSegment(c, cmd)
		return
	default:
		p.newCommand(line, l.Time)
	}
	if n, sync, ok := literalSuffix(line); ok {
		p.startClientLiteral(n, sync, l.Time)
		return
	}
	p.completeCommand(l.Time)
}

func (p *Parser) newCommand(line string, t time.Time) {
	tag, rest, _ := strings.Cut(line, " ")
	verb, args, _ := strings.Cut(rest, " ")
	verb = wire.Upper(verb)
	if verb == "UID" {
		sub, a, _ := strings.Cut(args, " ")
		verb, args = "UID "+wire.Upper(sub), a
	}
	switch base := strings.TrimPrefix(verb, "UID "); {
	case tag == "" || verb == "":
		p.s.Anomaly(t, session.FromClient, "command line without a tag and a command: "+line)
	case !verbs[base] && !strings.HasPrefix(base, "X"):
		p.s.Anomaly(t, session.FromClient, "unknown command "+strconv.Quote(verb))
	}
	c := &command{tag: tag, verb: verb, authIdx: -1, canon: args}
	p.open = append(p.open, c)
	p.cur = c
	p.seg = p.s.AddExchange(session.Exchange{Command: &session.Command{Kind: session.KindCommand, Tag: tag, Verb: verb, Args: args, Time: t}})
	c.segs = append(c.segs, p.seg)
}

// verbs are the commands of RFC 9051 and RFC 3501 and of the extensions
// mail clients use; others are recorded as anomalies (X-commands are
// private extensions).
var verbs = map[string]bool{
	"CAPABILITY": true, "NOOP": true, "LOGOUT": true, "STARTTLS": true, "AUTHENTICATE": true, "LOGIN": true,
	"ENABLE": true, "SELECT": true, "EXAMINE": true, "CREATE": true, "DELETE": true, "RENAME": true,
	"SUBSCRIBE": true, "UNSUBSCRIBE": true, "LIST": true, "LSUB": true, "NAMESPACE": true, "STATUS": true,
	"APPEND": true, "IDLE": true, "CLOSE": true, "UNSELECT": true, "EXPUNGE": true, "SEARCH": true,
	"FETCH": true, "STORE": true, "COPY": true, "MOVE": true, "CHECK": true, "ID": true, "COMPRESS": true,
	"GETQUOTA": true, "GETQUOTAROOT": true, "SETQUOTA": true, "GETACL": true, "SETACL": true, "DELETEACL": true,
	"LISTRIGHTS": true, "MYRIGHTS": true, "SORT": true, "THREAD": true, "GETMETADATA": true,
	"SETMETADATA": true, "NOTIFY": true, "UNAUTHENTICATE": true, "REPLACE": true, "ESEARCH": true,
	"CANCELUPDATE": true, "CONVERT": true, "URLFETCH": true, "GENURLAUTH": true, "RESETKEY": true,
}

func (p *Parser) addSegment(c *command, cmd *session.Command) {
	c.segs = append(c.segs, p.s.AddExchange(session.Exchange{Command: cmd}))
}

// continueSegment opens a new part of cur after a synchronizing literal,
// whose first part the server answered with "+".
func (p *Parser) continueSegment(t time.Time) {
	if p.seg >= 0 {
		return
	}
	c := p.cur
	p.seg = p.s.AddExchange(session.Exchange{Command: &session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Time: t}})
	c.segs = append(c.segs, p.seg)
}

func (p *Parser) startClientLiteral(n int64, sync bool, t time.Time) {
	c := p.cur
	if i := strings.LastIndexByte(c.canon, '{'); i >= 0 {
		c.canon = c.canon[:i]
	}
	p.lit = literal{size: n}
	if c.verb == "APPEND" {
		p.lit.msg = p.opts.NewMessage()
	}
	if sync {
		p.seg = -1 // the server's "+" answers this part
	}
	if n == 0 {
		p.clientLiteral(nil, t, true)
		return
	}
	p.cli.Expect(n)
}

func (p *Parser) clientLiteral(b []byte, t time.Time, last bool) {
	c := p.cur
	if c == nil {
		return
	}
	p.continueSegment(t)
	p.lit.add(b)
	if !last {
		return
	}
	cmd := p.s.Exchanges[p.seg].Command
	cmd.Size += p.lit.size
	if p.lit.msg != nil {
		m := p.lit.msg.Summary()
		m.Via, m.Time = "APPEND", cmd.Time
		cmd.Message = p.s.AddMessage(m)
		cmd.Body = p.lit.msg.BodyLines()
	}
	cmd.Args = joinArgs(cmd.Args, p.lit.show())
	c.canon += strconv.Quote(string(p.lit.text))
	p.lit = literal{}
}

func (l *literal) add(b []byte) {
	if l.msg != nil {
		l.msg.Write(b)
		return
	}
	if room := maxShownLiteral + 1 - len(l.text); room > 0 {
		l.text = append(l.text, b[:min(room, len(b))]...)
	}
}

// show is how a literal appears within its line.
func (l *literal) show() string {
	switch {
	case l.msg != nil:
		return "<message " + strconv.FormatInt(l.size, 10) + " bytes>"
	case int64(len(l.text)) == l.size && l.size <= maxShownLiteral && printable(l.text):
		return string(l.text)
	}
	return "<" + strconv.FormatInt(l.size, 10) + " bytes>"
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func joinArgs(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// completeCommand ends the client's command line: it now awaits its
// tagged completion.
func (p *Parser) completeCommand(t time.Time) {
	c := p.cur
	p.cur, p.seg = nil, -1
	switch c.verb {
	case "LOGIN":
		f := astrings(c.canon)
		a := session.Auth{Mechanism: "LOGIN", Time: t}
		if len(f) > 0 {
			a.Username = f[0]
		}
		if len(f) > 1 {
			a.Password = p.opts.Mask(f[1])
		}
		p.s.Auth = append(p.s.Auth, a)
		c.authIdx = len(p.s.Auth) - 1
		if p.opts.Redact {
			// The password may stand in any part, inline or as a literal.
			for i, idx := range c.segs {
				cmd := p.s.Exchanges[idx].Command
				cmd.Args = p.opts.Mask(cmd.Args)
				if i == 0 && len(f) > 0 {
					cmd.Args = strconv.Quote(f[0]) + " " + sasl.Redacted
				}
			}
		}
	case "AUTHENTICATE":
		f := strings.Fields(c.canon)
		if len(f) == 0 {
			break
		}
		c.auth = sasl.New(f[0], p.opts.Redact)
		p.s.Auth = append(p.s.Auth, session.Auth{Mechanism: wire.Upper(f[0]), Time: t})
		c.authIdx = len(p.s.Auth) - 1
		if len(f) > 1 { // RFC 4959 initial response
			first := p.s.Exchanges[c.segs[0]].Command
			first.Decoded = c.auth.Response(f[1])
			if c.auth.Secret && p.opts.Redact {
				first.Args = f[0] + " " + sasl.Redacted
			}
			p.syncAuth(c)
		}
	}
}

func (p *Parser) syncAuth(c *command) {
	if c.authIdx >= 0 && c.auth != nil {
		a := &p.s.Auth[c.authIdx]
		a.Username, a.Password = c.auth.Username, p.opts.Mask(c.auth.Password)
	}
}

// astrings splits IMAP astrings (atoms and quoted strings, RFC 9051 §4.3).
func astrings(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out
		}
		if s[0] != '"' {
			tok, rest, _ := strings.Cut(s, " ")
			out, s = append(out, tok), rest
			continue
		}
		var b strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		out = append(out, b.String())
		s = s[min(i+1, len(s)):]
	}
}

func (p *Parser) serverLine(l wire.Line) {
	if p.sline.Len() == 0 {
		p.stime = l.Time
	}
	p.sline.Write(l.B)
	line := p.sline.String()
	if n, _, ok := literalSuffix(string(l.B)); ok {
		p.slit = literal{size: n}
		if fetchesMessage(line) {
			p.slit.msg = p.opts.NewMessage()
		}
		if n == 0 {
			p.serverLiteral(nil, l.Time, true)
			return
		}
		p.srv.Expect(n)
		return
	}
	p.sline.Reset()
	p.response(line, p.stime, l.Time)
}

// fetchesMessage reports whether a literal announced at the end of line
// holds a whole message or its header: BODY[], BODY[HEADER...], RFC822,
// RFC822.HEADER, BINARY[] (RFC 9051 §7.5.2), possibly with a partial
// <origin>.
func fetchesMessage(line string) bool {
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return false
	}
	item := strings.ToUpper(strings.TrimRight(line[:i], " "))
	if strings.HasSuffix(item, ">") {
		if j := strings.LastIndexByte(item, '<'); j >= 0 {
			item = item[:j]
		}
	}
	section := ""
	if strings.HasSuffix(item, "]") {
		// The section may hold spaces and parentheses:
		// BODY[HEADER.FIELDS (SUBJECT FROM)].
		j := strings.LastIndexByte(item, '[')
		if j < 0 {
			return false
		}
		item, section = item[:j], item[j+1:len(item)-1]
	}
	if j := strings.LastIndexAny(item, " ("); j >= 0 {
		item = item[j+1:]
	}
	switch item {
	case "RFC822", "RFC822.HEADER":
		return section == ""
	case "BODY", "BINARY", "BODY.PEEK", "BINARY.PEEK":
		return section == "" || strings.HasPrefix(section, "HEADER")
	}
	return false
}

func (p *Parser) serverLiteral(b []byte, t time.Time, last bool) {
	p.slit.add(b)
	if !last {
		return
	}
	if p.slit.msg != nil {
		m := p.slit.msg.Summary()
		m.Via, m.Time = "FETCH", p.stime
		p.smsgs = append(p.smsgs, p.s.AddMessage(m))
		p.sbody += p.slit.size
		p.slines = append(p.slines, p.slit.msg.BodyLines()...)
		p.sline.WriteString(" <message " + strconv.FormatInt(p.slit.size, 10) + " bytes>")
	} else {
		p.sline.WriteString(" " + p.slit.show())
	}
	p.slit = literal{}
}

// response handles one complete server line (RFC 9051 §7).
func (p *Parser) response(line string, start, end time.Time) {
	tag, rest, _ := strings.Cut(line, " ")
	switch tag {
	case "*":
		first := !p.replied
		p.replied = true
		if first && !p.s.Midstream && len(p.open) > 0 {
			// RFC 9051 §7.1: the greeting comes first; commands sent
			// before it are answered after it.
			p.insertGreeting(line, start)
			return
		}
		if len(p.open) == 0 {
			// Nothing asked for it: a greeting, or unsolicited data.
			status, _, _ := strings.Cut(rest, " ")
			p.emitUnsolicited(statusWord(status), line, start)
			return
		}
		p.untagged = append(p.untagged, untagged{text: line, msgs: p.smsgs, body: p.sbody, lines: p.slines})
		p.smsgs, p.sbody, p.slines = nil, 0, nil
		return
	case "+":
		p.replied = true
		p.continuation(line, start)
		return
	}
	p.replied = true
	status, _, _ := strings.Cut(rest, " ")
	for i, c := range p.open {
		if c.tag != tag {
			continue
		}
		r := p.takeResponse(statusWord(status), line, start, c)
		p.open = append(p.open[:i], p.open[i+1:]...)
		p.complete(c, r)
		return
	}
	p.s.Anomaly(start, session.FromServer, "completion for unknown tag "+tag)
	p.s.AddExchange(session.Exchange{Response: p.takeResponse(statusWord(status), line, start, nil)})
}

func statusWord(s string) string {
	s = strings.ToUpper(s)
	switch s {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		return s
	}
	return ""
}

// takeResponse builds a response from the untagged data waiting and the
// final line.
// untagged is a line of untagged data and the messages its literals held.
type untagged struct {
	text  string
	msgs  []*int
	body  int64
	lines []string // message bodies, kept with --full
}

// takeResponse builds the response that line ends, for command c (nil:
// none), from the untagged data waiting. With several commands open, data
// another of them asked for (a SEARCH result while a FETCH completes) is
// left for that one: servers may interleave pipelined commands' data.
func (p *Parser) takeResponse(status, line string, t time.Time, c *command) *session.Response {
	r := &session.Response{Status: status, Time: t}
	var rest []untagged
	for _, u := range p.untagged {
		if c != nil && p.belongsElsewhere(u.text, c) {
			rest = append(rest, u)
			continue
		}
		r.Lines = append(r.Lines, u.text)
		r.BodySize += u.body
		r.Body = append(r.Body, u.lines...)
		if r.Message == nil && len(u.msgs) > 0 {
			r.Message = u.msgs[0]
		}
	}
	if line != "" {
		r.Lines = append(r.Lines, line)
	}
	if r.Message == nil && len(p.smsgs) > 0 {
		r.Message = p.smsgs[0]
	}
	r.BodySize += p.sbody
	r.Body = append(r.Body, p.slines...)
	p.noteCapabilities(r.Lines)
	p.untagged, p.smsgs, p.sbody, p.slines = rest, nil, 0, nil
	return r
}

// owners maps untagged response names to the commands that ask for them
// (RFC 9051 §7); data not named here goes to whichever command completes.
var owners = map[string][]string{
	"FETCH":      {"FETCH", "STORE", "UID FETCH", "UID STORE", "SELECT", "EXAMINE", "NOOP", "IDLE"},
	"SEARCH":     {"SEARCH", "UID SEARCH"},
	"ESEARCH":    {"SEARCH", "UID SEARCH", "ESEARCH"},
	"SORT":       {"SORT", "UID SORT"},
	"THREAD":     {"THREAD", "UID THREAD"},
	"LIST":       {"LIST", "XLIST"},
	"LSUB":       {"LSUB"},
	"STATUS":     {"STATUS", "LIST"},
	"NAMESPACE":  {"NAMESPACE"},
	"ID":         {"ID"},
	"ENABLED":    {"ENABLE"},
	"FLAGS":      {"SELECT", "EXAMINE"},
	"QUOTA":      {"GETQUOTA", "GETQUOTAROOT", "SETQUOTA"},
	"QUOTAROOT":  {"GETQUOTAROOT"},
	"ACL":        {"GETACL"},
	"MYRIGHTS":   {"MYRIGHTS"},
	"LISTRIGHTS": {"LISTRIGHTS"},
	"METADATA":   {"GETMETADATA"},
}

// belongsElsewhere reports whether another open command than c asked for
// the untagged line, and c did not.
func (p *Parser) belongsElsewhere(line string, c *command) bool {
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	name := wire.Upper(f[1])
	if len(f) > 2 && name[0] >= '0' && name[0] <= '9' { // "* 3 FETCH ..."
		name = wire.Upper(f[2])
	}
	cmds := owners[name]
	if len(cmds) == 0 || contains(cmds, c.verb) {
		return false
	}
	for _, o := range p.open {
		if o != c && contains(cmds, o.verb) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *Parser) emitUnsolicited(status, line string, t time.Time) {
	if p.paired && status != "BYE" && status != "OK" {
		p.s.Anomaly(t, session.FromServer, "untagged data with no command open")
	}
	p.s.AddExchange(session.Exchange{Response: p.takeResponse(status, line, t, nil)})
}

// noteCapabilities keeps the latest capability list: untagged CAPABILITY
// data, or a [CAPABILITY ...] response code (RFC 9051 §7.1).
func (p *Parser) noteCapabilities(lines []string) {
	for _, l := range lines {
		var list string
		if i := strings.Index(l, "[CAPABILITY "); i >= 0 {
			list, _, _ = strings.Cut(l[i+len("[CAPABILITY "):], "]")
		} else if rest, ok := strings.CutPrefix(l, "* CAPABILITY "); ok {
			list = rest
		} else {
			continue
		}
		p.s.Capabilities = strings.Fields(list)
	}
}

// insertGreeting puts the greeting before the commands already sent.
func (p *Parser) insertGreeting(line string, t time.Time) {
	status, _, _ := strings.Cut(strings.TrimPrefix(line, "* "), " ")
	at := p.open[0].segs[0]
	p.noteCapabilities([]string{line})
	p.s.InsertExchange(at, session.Exchange{Response: &session.Response{Status: statusWord(status), Lines: []string{line}, Time: t}})
	for _, c := range p.open {
		for i := range c.segs {
			if c.segs[i] >= at {
				c.segs[i]++
			}
		}
	}
	if p.seg >= at {
		p.seg++
	}
}

// continuation pairs a "+" with the client part that waits for it: the
// client sends nothing more until it arrives, so it is the latest open one.
func (p *Parser) continuation(line string, t time.Time) {
	r := p.takeResponse("+", line, t, nil)
	for i := len(p.open) - 1; i >= 0; i-- {
		c := p.open[i]
		idx, ok := c.lastOpen(p.s)
		if !ok {
			continue
		}
		p.paired = true
		p.s.Answer(idx, r)
		switch {
		case c.verb == "IDLE":
			p.idle = c
		case c.auth != nil && p.cur != c:
			p.authWaiting = c
			c.auth.Challenge(strings.TrimSpace(strings.TrimPrefix(line, "+")))
		}
		return
	}
	p.s.Anomaly(t, session.FromServer, "continuation request with no command waiting")
	p.s.AddExchange(session.Exchange{Response: r})
}

// complete pairs a tagged completion with its command's last part.
func (p *Parser) complete(c *command, r *session.Response) {
	if c == p.cur {
		// Refused before its literal was sent (RFC 9051 §7.5): the client
		// will not send it.
		p.cur, p.seg = nil, -1
		p.cli.Expect(0)
		p.lit = literal{}
	}
	if p.idle == c {
		p.idle = nil
	}
	if p.authWaiting == c {
		p.authWaiting = nil
	}
	idx, ok := c.lastOpen(p.s)
	if !ok {
		p.s.Anomaly(r.Time, session.FromServer, "completion of "+c.tag+" "+c.verb+" answers no pending part")
		p.s.AddExchange(session.Exchange{Response: r})
	} else {
		p.paired = true
		p.s.Answer(idx, r)
	}
	if c.authIdx >= 0 {
		p.syncAuth(c)
		p.s.Auth[c.authIdx].Success = session.Bool(r.Status == "OK")
	}
	if r.Status != "OK" {
		return
	}
	switch c.verb {
	case "STARTTLS":
		p.tls.Start(p.srv)
		p.s.TLS = session.TLSStart
	case "COMPRESS":
		p.compressed = true
		p.tls.Opaque(p.srv)
		p.s.Compressed = true
	}
}
