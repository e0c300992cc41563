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
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Name is the protocol's name in the table, the model and the output.
const Name session.Protocol = "imap"

// Spec registers IMAP: 143 in clear, 993 over implicit TLS (RFC 8314).
func Spec() proto.Spec {
	return proto.Spec{Name: Name, Ports: []uint16{143}, TLSPorts: []uint16{993}, Detect: Detect, New: New}
}

// Detect recognizes the server's greeting, "* OK" or "* PREAUTH" (RFC
// 9051 §7.1).
func Detect(srv, _ []byte) bool {
	return bytes.HasPrefix(srv, []byte("* OK")) || bytes.HasPrefix(srv, []byte("* PREAUTH"))
}

// maxShownLiteral is the longest literal shown inline in a line; longer
// ones are shown by size.
const maxShownLiteral = 200

// command is a tagged command awaiting its completion.
type command struct {
	tag, verb string
	segs      []*session.Exchange  // the command's parts, in order
	first     [1]*session.Exchange // segs' room for the first: most commands have no other
	answered  int                  // segs before it all have a reply (firstOpen)
	// canon is the arguments with literals as quoted strings, up to the
	// line bound (canonCut: past it, the rest is not kept).
	canon []byte
	auth  *proto.Attempt
	// responses are the SASL responses sent as typed, by the part that
	// carries each: the server may turn out to have read one as a
	// command (strand).
	responses map[*session.Exchange]string
	asks      uint64 // its verb's askerBit: the untagged data it asks for
	// The flags last, side by side: apart, each took a word, and the
	// record, one for each command of a flood, 160 bytes, not 128.
	canonCut bool
	sasl     bool // auth decodes SASL (AUTHENTICATE)
	lone     bool // an IDLE that began before the capture: its tag is the next unknown one
	// syncLiteral: the command announced a synchronizing literal, which
	// the server asks for with "+".
	syncLiteral bool
}

// lastOpen returns the command's last part if no reply answered it yet.
func (c *command) lastOpen() (*session.Exchange, bool) {
	if len(c.segs) == 0 {
		return nil, false
	}
	e := c.segs[len(c.segs)-1]
	return e, e.Response == nil
}

// firstOpen returns the command's earliest part no reply answered yet: a
// "+" answers the part the server has read, and a client that typed ahead
// has sent more. A part once answered stays so: the search goes on from
// where it last stopped (a command of a hundred thousand synchronizing
// literals, each asked for by a "+", read them all again at each).
func (c *command) firstOpen() (*session.Exchange, bool) {
	c.answered = min(c.answered, len(c.segs))
	for c.answered < len(c.segs) && c.segs[c.answered].Response != nil {
		c.answered++
	}
	if c.answered == len(c.segs) {
		return nil, false
	}
	return c.segs[c.answered], true
}

// clientState says what the client's next line is.
type clientState uint8

const (
	tagged       clientState = iota // a new tagged command
	continuing                      // the rest of waiting's line, after a literal
	idling                          // inside waiting's IDLE: DONE ends it
	saslResponse                    // SASL data for waiting's AUTHENTICATE, until its completion
)

// Parser follows one IMAP session.
type Parser struct {
	*proto.Conn

	open    []*command // commands awaiting completion, oldest first
	client  clientState
	waiting *command          // the command the client state concerns
	seg     *session.Exchange // in state continuing, the part being sent; nil before the next
	args    strings.Builder   // the arguments of argsOf, as they grow (addArgs)
	argsOf  *session.Command
	lit     literal // client literal being read

	// Untagged data awaiting its completion (pending.go): what came since
	// the last one, and what a completion left for another open command,
	// by response name.
	untagged        []untagged
	taken           []untagged   // takeResponse's, kept from one completion to the next
	held            [][]untagged // by response name's place in ownerNames
	heldN           int
	untaggedSeq     int
	untaggedDropped int            // untagged lines past session.MaxReplyLines
	openAskers      [64]uint16     // how many open commands have each askerBit (maxOpen fits)
	openMask        uint64         // the askerBits of those open
	openTags        map[string]int // how many have each tag (lone ones apart)
	openLone        int            // how many lone ones (an IDLE begun before the capture)
	openBounded     bool           // maxOpen was reached once
	spare           []*command     // command records nothing holds any more (done)
	lastName        string         // the response name looked up last (owner)
	lastOwner       uint8
	// The server line being assembled around its literals, up to the
	// line bound (scut: past it, the text is cut, the literals still
	// read), and what its first piece and its pieces so far said: read
	// once per piece, so that a line of a hundred thousand literals costs
	// what its bytes do.
	sline []byte // reused from line to line
	sdone string // the line assembled last
	shown []byte // a literal as the line shows it, on its way there
	scut  bool
	sdata bool   // untagged data, which may carry literals
	sseq  int    // the FETCH's sequence number
	suid  uint32 // the UID data item, once named
	stime time.Time
	slit  literal // server literal being read
	smsgs []int   // messages carried by the line being read
	sbody int64   // their bytes
}

// literal is a counted run being read.
type literal struct {
	size int64
	zero bool   // an empty literal announced, taken with the next line
	msg  bool   // a message, whose bytes go to the direction's Builder
	text []byte // kept when small, for display
}

// New returns a parser that fills env.Session.
func New(env proto.Env) proto.Parser {
	p := &Parser{}
	p.Conn = proto.NewConn(env, "STARTTLS", proto.Handlers{
		ClientLine: p.clientLine, ClientCounted: p.clientLiteral,
		ServerLine: p.serverLine, ServerCounted: p.serverLiteral, Close: p.closing})
	return p
}

// Gap tells the parser n bytes were lost in direction d.
func (p *Parser) Gap(d session.Dir, t time.Time, n int) {
	inLiteral, lost := p.Lost(d, n)
	if !inLiteral || !lost {
		return // none, or within the literal: it goes on
	}
	// The gap took the literal's end and what followed: what was read
	// of it is finished, cut; the splitter resumes at the next line.
	explain.Anomaly(p.S, t, d, "imap.literal.gap")
	if d == session.FromServer {
		if p.slit.msg && p.Message(session.FromServer) != nil {
			if i := p.EndMessage(session.FromServer, true); i >= 0 {
				p.smsgs = append(p.smsgs, i)
			}
			p.sbody += p.slit.size
		}
		p.addServerLiteral()
		line, uid := p.serverLineDone()
		p.response(line, uid, p.stime, t)
		return
	}
	if p.client == continuing {
		p.continueSegment(t)
		if p.lit.msg && p.Message(session.FromClient) != nil {
			p.seg.Command.Message = session.Ref(p.EndMessage(session.FromClient, true))
		}
		p.completeCommand(t)
	}
}

// closing records a literal the stream ended in, and gives the untagged
// data left a response of its own.
func (p *Parser) closing(t time.Time) {
	if p.Cli.Counting() > 0 || p.Srv.Counting() > 0 {
		explain.Anomaly(p.S, t, session.FromServer, "imap.literal.long")
	}
	if p.untaggedKept() > 0 {
		p.Reply(p.takeResponse("", "", t, nil))
	}
}

// literalSuffix finds a literal announced at the end of a line: "{12}",
// "{12+}" for a non-synchronizing one that needs no "+" first (RFC 7888),
// or "~{12}" for a literal8 (RFC 3516).
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
	if strings.HasSuffix(num, "+") {
		num, sync = num[:len(num)-1], false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num == "" || num[0] == '+' {
		return 0, false, false
	}
	return n, sync, true
}

// announced is where a line, read as text, announces a literal: its
// end, which a line cut at the bound keeps apart (padding must not hide
// a literal).
func announced(l *lines.Line, text string) string {
	if l.Cut {
		return string(l.Tail)
	}
	return text
}

func (p *Parser) clientLine(l *lines.Line) {
	text := string(l.B)
	line := p.S.Keep(text)
	switch c := p.waiting; p.client {
	case continuing:
		if p.lit.zero {
			// The empty literal the "+" (or LITERAL+) let through.
			p.clientLiteral(nil, l.Time, true)
		}
		p.continueSegment(l.Time)
		// The line goes on right after the literal's bytes.
		p.addArgs(line)
		p.addCanon(c, line)
	case idling:
		p.client, p.waiting = tagged, nil
		p.addSegment(c, session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Args: line, Time: l.Time})
		if !strings.EqualFold(strings.TrimSpace(line), "DONE") {
			explain.Anomaly(p.S, l.Time, session.FromClient, "imap.idle", line)
		}
		return
	case saslResponse:
		if c.auth.Takes() {
			// RFC 9051 §6.2.2: the server reads the line as a response,
			// also one typed before its "+" came.
			e := session.NewExchange(session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Args: line, Time: l.Time})
			c.auth.Response(e.Command, line)
			p.addPart(c, p.S.AddExchange(e))
			if c.responses == nil {
				c.responses = map[*session.Exchange]string{}
			}
			c.responses[c.segs[len(c.segs)-1]] = line
			return
		}
		// The mechanism has all it takes: a command typed ahead of the
		// completion, as its tag says too.
		p.client, p.waiting = tagged, nil
		p.newCommand(line, l.EndTime(), l.TypedMS())
	default:
		if strings.EqualFold(strings.TrimSpace(line), "DONE") {
			if c := p.openIdle(); c != nil {
				// Its "+" was not captured (a one-sided capture).
				p.addSegment(c, session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Args: line, Time: l.Time})
				return
			}
			if p.S.Midstream && len(p.open) == 0 {
				p.loneDone(line, l.Time)
				return
			}
		}
		p.newCommand(line, l.EndTime(), l.TypedMS())
	}
	if n, sync, ok := literalSuffix(announced(l, text)); ok {
		p.startClientLiteral(n, sync, l.Time)
		return
	}
	p.completeCommand(l.Time)
}

// openIdle is the IDLE command still open, if any.
func (p *Parser) openIdle() *command {
	for i := len(p.open) - 1; i >= 0; i-- {
		if c := p.open[i]; c.verb == "IDLE" && len(c.segs) == 1 {
			return c
		}
	}
	return nil
}

// loneDone ends an IDLE that began before the capture (RFC 2177): its
// completion, whatever its tag, answers this DONE.
func (p *Parser) loneDone(line string, t time.Time) {
	c := &command{verb: "IDLE", lone: true}
	p.addOpen(c, t)
	p.addSegment(c, session.Command{Kind: session.KindContinuation, Verb: c.verb, Args: line, Time: t})
}

func (p *Parser) newCommand(line string, t time.Time, typedMS float64) {
	tag, verb, args := p.parseCommand(line, t)
	c := p.newRecord(tag, verb)
	p.addCanon(c, args)
	p.addOpen(c, t)
	p.client, p.waiting = continuing, c
	p.seg = p.Add(session.Command{Kind: session.KindCommand, Tag: tag, Verb: verb, Args: args, Time: t, TypedMS: typedMS})
	c.segs = append(c.segs, p.seg)
}

// parseCommand splits a command line into its tag, its verb as the model
// keeps it, and its arguments.
func (p *Parser) parseCommand(line string, t time.Time) (tag, verb, args string) {
	tag, rest, _ := strings.Cut(line, " ")
	typed, args, _ := strings.Cut(rest, " ")
	verb = lines.Upper(typed)
	if verb == "UID" {
		sub, a, _ := strings.Cut(args, " ")
		typed, verb, args = typed+" "+sub, "UID "+lines.Upper(sub), a
	}
	switch base := strings.TrimPrefix(verb, "UID "); {
	case tag == "" || verb == "":
		explain.Anomaly(p.S, t, session.FromClient, "imap.notag", line)
	case !verbs[base]:
		// Only known verbs are normalized: data taken for a command
		// keeps its bytes.
		if !strings.HasPrefix(base, "X") {
			explain.Anomaly(p.S, t, session.FromClient, "unknown.command", typed)
		}
		verb = typed
	}
	return tag, verb, args
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

func (p *Parser) addSegment(c *command, cmd session.Command) {
	p.addPart(c, p.Add(cmd))
}

// maxSegs bounds the parts of one command kept for its completion. Mail
// programs send a handful (a LOGIN of two literals, an APPEND); past it
// the older parts but the first are let go, as a LOGIN's completion would
// have left them (secret, masked): a command of a million synchronizing
// literals must not hold them all.
const maxSegs = 64

// addPart adds e to c's parts, within maxSegs.
func (p *Parser) addPart(c *command, e *session.Exchange) {
	c.segs = append(c.segs, e)
	if len(c.segs) <= maxSegs {
		return
	}
	drop := c.segs[1 : len(c.segs)-maxSegs/2]
	for _, d := range drop {
		if c.verb == "LOGIN" {
			d.Command.Secret = true
			if p.Opts.Redact {
				d.Command.Args = p.Opts.Mask(d.Command.Args)
			}
		}
		delete(c.responses, d)
	}
	n := len(drop)
	c.segs = slices.Delete(c.segs, 1, 1+n)
	if c.answered > n {
		c.answered -= n
	} else {
		c.answered = 0 // firstOpen looks again, from the first
	}
}

// continueSegment opens a new part of the command being continued after
// a synchronizing literal, whose first part the server answered with "+".
func (p *Parser) continueSegment(t time.Time) {
	if p.seg != nil {
		return
	}
	c := p.waiting
	p.seg = p.Add(session.Command{Kind: session.KindContinuation, Tag: c.tag, Verb: c.verb, Time: t})
	p.addPart(c, p.seg)
}

func (p *Parser) startClientLiteral(n int64, sync bool, t time.Time) {
	c := p.waiting
	if i := bytes.LastIndexByte(c.canon, '{'); i >= 0 && !c.canonCut {
		c.canon = c.canon[:i]
	}
	p.lit = literal{size: n}
	if c.verb == "APPEND" && len(bytes.TrimSpace(c.canon)) > 0 {
		// RFC 9051 §6.3.12: APPEND mailbox [flags] [date] literal; a
		// literal in the mailbox's place is its name.
		p.lit.msg = true
		p.StartMessage(session.FromClient, "APPEND", t)
	}
	if sync {
		p.seg = nil // the server's "+" answers this part
		c.syncLiteral = true
	}
	if n == 0 {
		// Nothing to count, but a synchronizing one is still sent only
		// after "+", and a refusal means it never is: it is taken with
		// the rest of its line.
		p.lit.zero = true
		return
	}
	p.Cli.Expect(n)
}

func (p *Parser) clientLiteral(b []byte, t time.Time, last bool) {
	if p.client != continuing {
		return
	}
	p.continueSegment(t)
	p.addLiteral(session.FromClient, &p.lit, b)
	if !last {
		return
	}
	cmd := p.seg.Command
	cmd.Size += p.lit.size
	if p.lit.msg {
		p.Message(session.FromClient).Message().Time = cmd.Time
		cmd.Message = session.Ref(p.EndMessage(session.FromClient, false))
	}
	show := p.lit.show()
	if cmd.Args != "" {
		show = " " + show
	}
	p.addArgs(show)
	p.addCanon(p.waiting, quoted(p.lit.text))
	p.lit = literal{}
}

// addLiteral takes bytes of a literal read in direction d.
func (p *Parser) addLiteral(d session.Dir, l *literal, b []byte) {
	if l.msg {
		if m := p.Message(d); m != nil {
			m.Write(b)
		}
		return
	}
	if room := maxShownLiteral + 1 - len(l.text); room > 0 {
		l.text = append(l.text, b[:min(room, len(b))]...)
	}
}

// quoted writes b as an IMAP quoted string (RFC 9051 §4.3): only '"'
// and '\\' are escaped, so bytes that are not UTF-8 (a Latin-1 password)
// stay as they came.
func quoted(b []byte) string {
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		if c == '"' || c == '\\' {
			s.WriteByte('\\')
		}
		s.WriteByte(c)
	}
	s.WriteByte('"')
	return s.String()
}

// show is how a literal appears within its line.
func (l *literal) show() string { return string(l.appendShow(nil)) }

// appendShow appends show's text to dst: a server line of a hundred
// thousand literals built a string for each, to copy it into the line.
func (l *literal) appendShow(dst []byte) []byte {
	switch {
	case l.msg:
		return append(strconv.AppendInt(append(dst, "<message "...), l.size, 10), " bytes>"...)
	case l.size == 0:
		return append(dst, `""`...)
	case int64(len(l.text)) == l.size && l.size <= maxShownLiteral && printable(l.text):
		return append(dst, l.text...)
	}
	return append(strconv.AppendInt(append(dst, '<'), l.size, 10), " bytes>"...)
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// addArgs adds text to the arguments of the part being sent, up to the
// line bound. They grow in a builder of the parser's, not by
// concatenation: a command of a hundred thousand non-synchronizing
// literals (RFC 7888) costs what its bytes do.
func (p *Parser) addArgs(text string) {
	cmd := p.seg.Command
	if p.argsOf != cmd {
		p.args.Reset()
		p.args.WriteString(cmd.Args)
		p.argsOf = cmd
	}
	if room := p.Cli.Max - p.args.Len(); len(text) > room {
		text = text[:max(room, 0)]
	}
	p.args.WriteString(text)
	cmd.Args = p.args.String()
}

// addCanon adds text to a command's canonical arguments, up to the line
// bound.
func (p *Parser) addCanon(c *command, text string) {
	if c.canonCut {
		return
	}
	if room := p.Cli.Max - len(c.canon); len(text) > room {
		text, c.canonCut = text[:max(room, 0)], true
	}
	c.canon = append(c.canon, text...)
}

// completeCommand ends the client's command line: it now awaits its
// tagged completion.
func (p *Parser) completeCommand(t time.Time) {
	c := p.waiting
	p.client, p.waiting, p.seg = tagged, nil, nil
	switch c.verb {
	case "LOGIN":
		f := astrings(string(c.canon))
		c.auth = p.BeginAuth("LOGIN", t)
		a := c.auth.Record()
		if len(f) > 0 {
			a.Username = f[0]
		}
		if len(f) > 1 {
			a.Password = p.Opts.Mask(f[1])
		}
		// The password may stand in any part, inline or as a literal.
		for _, e := range c.segs {
			e.Command.Secret = true
		}
		if p.Opts.Redact {
			// The password may stand in any part, inline or as a literal.
			for i, e := range c.segs {
				e.Command.Args = p.Opts.Mask(e.Command.Args)
				if i == 0 && len(f) > 0 {
					e.Command.Args = strconv.Quote(f[0]) + " " + sasl.Redacted
				}
			}
		}
	case "AUTHENTICATE":
		f := strings.Fields(string(c.canon))
		if len(f) == 0 {
			break
		}
		c.auth, c.sasl = p.BeginSASL(f[0], t), true
		if len(f) > 1 { // RFC 4959 initial response
			c.auth.Initial(c.segs[0].Command, f[0], f[1])
		} else {
			p.client, p.waiting = saslResponse, c
		}
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
