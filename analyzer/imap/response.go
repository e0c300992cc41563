package imap

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/sasl"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

func (p *Parser) serverLine(l *lines.Line) {
	piece := p.ReplyText(l.B) // a flood of one line makes one string
	first := len(p.sline) == 0 && !p.scut
	if first {
		p.stime = l.Time
	}
	n, _, ok := literalSuffix(announced(l, piece))
	if ok && first {
		// Whether the line may carry literals, and whose, its first
		// piece says.
		p.sdata = literalAllowed(piece)
		if p.sdata {
			p.sseq = fetchSeq(piece)
		}
	}
	ok = ok && p.sdata
	if first && !ok {
		p.response(piece, 0, p.stime, l.Time) // a line of no literals, most of them
		return
	}
	if p.suid == 0 {
		p.suid = fetchUID(piece)
	}
	p.addServerText(piece)
	if !ok {
		line, uid := p.serverLineDone()
		p.response(line, uid, p.stime, l.Time)
		return
	}
	p.slit = literal{size: n}
	// The item is named where its literal is announced: in this piece.
	if item, content, ok := fetchItem(piece); ok {
		p.slit.msg = true
		m := p.StartMessage(session.FromServer, "FETCH", p.stime).Message()
		m.Item, m.Content, m.Seq, m.UID = item, content, p.sseq, p.suid
		if o, ok := origin(item); ok {
			m.Range = &session.Range{Origin: o, Length: n}
		}
	}
	if n == 0 {
		p.serverLiteral(nil, l.Time, true)
		return
	}
	p.Srv.Expect(n)
}

// addServerText adds text to the server line being assembled, up to the
// line bound; past it the text is cut, once noted.
func (p *Parser) addServerText(text string) {
	p.sline = append(p.sline, text[:p.serverRoom(len(text))]...)
}

// addServerLiteral adds the server literal read last to the line, as
// it shows there, after a space, and forgets it.
func (p *Parser) addServerLiteral() {
	p.shown = p.slit.appendShow(append(p.shown[:0], ' '))
	p.sline = append(p.sline, p.shown[:p.serverRoom(len(p.shown))]...)
	p.slit = literal{}
}

// serverRoom is how many of n bytes more the server line takes within
// its bound; past it the line is cut, and said once.
func (p *Parser) serverRoom(n int) int {
	if room := p.Srv.Max - len(p.sline); n > room {
		n = max(room, 0)
		if !p.scut {
			p.scut = true
			explain.Anomaly(p.S, p.stime, session.FromServer, "imap.line.long", p.Srv.Max)
		}
	}
	return n
}

// serverLineDone ends the assembled server line: its text and the UID it
// named.
func (p *Parser) serverLineDone() (string, uint32) {
	if string(p.sline) != p.sdone {
		p.sdone = string(p.sline) // a flood of one line of literals makes one string
	}
	line, uid := p.sdone, p.suid
	p.sline = p.sline[:0]
	p.scut, p.suid = false, 0
	return line, uid
}

// afterLastSpaceOrParen is where s's last word starts: past its last
// space or "(". (strings.LastIndexAny decodes a string of eight bytes or
// fewer rune by rune, and looks each up: a line of a hundred thousand
// literals paid that for each.)
func afterLastSpaceOrParen(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ' ' || s[i] == '(' {
			return i + 1
		}
	}
	return 0
}

// literalAllowed reports whether a server line may announce a literal
// (RFC 9051 §9): only untagged data does. A tagged or untagged status
// (OK, NO, BAD, BYE, PREAUTH) and a continuation end in resp-text, which
// holds none: "a1 OK done {3}" is text.
func literalAllowed(line string) bool {
	rest, ok := strings.CutPrefix(line, "* ")
	if !ok {
		return false
	}
	word, _, _ := strings.Cut(rest, " ")
	return statusWord(word) == ""
}

// fetchItem finds the FETCH data item whose literal is announced at the
// end of line, and what of the message it holds (RFC 9051 §7.5.2):
// BODY[], RFC822 and BINARY[] the whole message; BODY[HEADER...],
// BODY[n.MIME] and RFC822.HEADER a header; BODY[TEXT] and RFC822.TEXT the
// text; BODY[n] and BINARY[n] one part. A partial fetch keeps its
// <origin>. Literals of other items (a string in an ENVELOPE) are not
// messages.
func fetchItem(line string) (item, content string, ok bool) {
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return "", "", false
	}
	item = strings.TrimRight(strings.TrimSuffix(line[:i], "~"), " ") // ~{n}: a literal8 (RFC 3516)
	partial := ""
	if strings.HasSuffix(item, ">") {
		if j := strings.LastIndexByte(item, '<'); j >= 0 {
			item, partial = item[:j], item[j:]
		}
	}
	name, section, hasSection := item, "", false
	if strings.HasSuffix(item, "]") {
		// The section may hold spaces and parentheses:
		// BODY[HEADER.FIELDS (SUBJECT FROM)].
		j := strings.LastIndexByte(item, '[')
		if j < 0 {
			return "", "", false
		}
		name, section, hasSection = item[:j], item[j+1:len(item)-1], true
	}
	start := afterLastSpaceOrParen(name)
	name = name[start:]
	item = item[start:] + partial
	up := strings.ToUpper(section)
	if partial != "" {
		// BODY[]<origin>: the bytes from origin on, however many the
		// literal holds (RFC 9051 §6.4.5): never the whole message.
		switch strings.ToUpper(name) {
		case "BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK":
			return item, session.ContentPartial, hasSection
		}
		return "", "", false
	}
	switch strings.ToUpper(name) {
	case "RFC822":
		return item, "", !hasSection
	case "RFC822.HEADER":
		return item, session.ContentHeader, !hasSection
	case "RFC822.TEXT":
		return item, session.ContentText, !hasSection
	case "BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK":
		switch {
		case !hasSection:
			return "", "", false // BODY without a section is BODYSTRUCTURE's short form
		case up == "":
			return item, "", true
		case strings.HasPrefix(up, "HEADER") || strings.Contains(up, ".HEADER") || strings.HasSuffix(up, ".MIME"):
			return item, session.ContentHeader, true
		case up == "TEXT" || strings.HasSuffix(up, ".TEXT"):
			return item, session.ContentText, true
		}
		return item, session.ContentPart, true
	}
	return "", "", false
}

// origin reads where a partial item began: "BODY[]<100>" began at 100.
func origin(item string) (int64, bool) {
	i := strings.LastIndexByte(item, '<')
	if i < 0 || !strings.HasSuffix(item, ">") {
		return 0, false
	}
	n, err := strconv.ParseInt(item[i+1:len(item)-1], 10, 64)
	return n, err == nil && n >= 0
}

// fetchSeq reads the message sequence number of "* 3 FETCH (...".
func fetchSeq(line string) int {
	rest, ok := strings.CutPrefix(line, "* ")
	if !ok {
		return 0
	}
	num, rest, _ := strings.Cut(rest, " ")
	if len(rest) < 5 || !strings.EqualFold(rest[:5], "FETCH") {
		return 0
	}
	n, _ := strconv.Atoi(num)
	return n
}

// fetchUID reads the UID data item of a FETCH response (RFC 9051 §7.5.2),
// 0 if absent: the first "UID n" after "(" or a space.
func fetchUID(line string) uint32 {
	for i := 1; i+4 <= len(line); i++ {
		if c := line[i]; c != 'U' && c != 'u' || line[i-1] != '(' && line[i-1] != ' ' || !strings.EqualFold(line[i:i+4], "UID ") {
			continue
		}
		rest := line[i+4:]
		end := 0
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if n, err := strconv.ParseUint(rest[:end], 10, 32); err == nil {
			return uint32(n)
		}
	}
	return 0
}

func (p *Parser) serverLiteral(b []byte, t time.Time, last bool) {
	p.addLiteral(session.FromServer, &p.slit, b)
	if !last {
		return
	}
	if p.slit.msg {
		if i := p.EndMessage(session.FromServer, false); i >= 0 {
			p.smsgs = append(p.smsgs, i)
		}
		p.sbody += p.slit.size
	}
	p.addServerLiteral()
}

// response handles one complete server line (RFC 9051 §7) that began at
// start.
func (p *Parser) response(line string, uid uint32, start, end time.Time) {
	line = p.S.Keep(line)
	tag, rest, _ := strings.Cut(line, " ")
	first := p.FirstReply()
	status, _, _ := strings.Cut(rest, " ")
	switch tag {
	case "*":
		greeting := first && !p.S.Midstream
		if greeting && len(p.open) > 0 {
			// RFC 9051 §7.1: the greeting comes first; commands sent
			// before it are answered after it.
			p.noteCapabilities([]string{line})
			p.Greeting(p.open[0].segs[0], session.NewLine(statusWord(status), start, line))
			return
		}
		if len(p.open) == 0 && (greeting || !p.S.Midstream && !p.ClientSilent()) {
			// Nothing asked for it: a greeting, or unsolicited data.
			p.unsolicited(statusWord(status), line, start)
			return
		}
		// Data for a command open, or, where the commands were not
		// seen (before the capture began, or in the direction it
		// lacks), for the completion that follows.
		if p.untaggedKept() >= session.MaxReplyLines && len(p.smsgs) == 0 {
			p.untaggedDropped++ // a flood: counted, not kept (messages are)
		} else {
			p.addUntagged(untagged{text: line, t: start, msgs: p.smsgs, body: p.sbody})
		}
		for _, i := range p.smsgs {
			if m := p.S.Messages[i]; m.UID == 0 {
				m.UID = uid
			}
		}
		p.smsgs, p.sbody = nil, 0
		p.ReplyLine(line, start)
		return
	case "+":
		p.continuation(line, start)
		return
	}
	if !validTag(tag) {
		// Not a response: most likely the rest of a line whose literal
		// was announced shorter than it was. It stays with the data;
		// the next line that parses resynchronizes.
		explain.Anomaly(p.S, start, session.FromServer, "imap.notresponse", line)
		if p.untaggedKept() < session.MaxReplyLines {
			p.addUntagged(untagged{text: line, t: start})
		} else {
			p.untaggedDropped++
		}
		return
	}
	if i := p.openWith(tag); i >= 0 {
		c := p.open[i]
		if c.lone {
			p.retag(c, tag)
			for _, e := range c.segs {
				e.Command.Tag = tag
			}
		}
		r := p.takeResponse(statusWord(status), line, start, c)
		p.removeOpen(i)
		p.complete(c, r)
		p.done(c)
		return
	}
	if !p.S.Midstream && !p.ClientSilent() {
		explain.Anomaly(p.S, start, session.FromServer, "imap.unknowntag", tag)
	}
	p.Reply(p.takeResponse(statusWord(status), line, start, nil))
}

// validTag reports whether s can be a tag: ASTRING-CHARs but "+"
// (RFC 9051 §9).
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || strings.IndexByte(`(){%*"\+`, c) >= 0 {
			return false
		}
	}
	return true
}

func statusWord(s string) string {
	s = strings.ToUpper(s)
	switch s {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		return s
	}
	return ""
}

func (p *Parser) unsolicited(status, line string, t time.Time) {
	if p.Paired() && status != "BYE" && status != "OK" && !unilateral(line) {
		explain.Anomaly(p.S, t, session.FromServer, "imap.untagged")
	}
	p.Reply(p.takeResponse(status, line, t, nil))
}

// unilateral reports data a server may send at any time, asked for or
// not (RFC 9051 §5.2, §7.4, §7.5): mailbox size and flag changes.
func unilateral(line string) bool {
	f := strings.Fields(line)
	if len(f) < 3 {
		return false
	}
	if _, err := strconv.ParseUint(f[1], 10, 32); err != nil {
		return false
	}
	switch lines.Upper(f[2]) {
	case "EXISTS", "EXPUNGE", "RECENT", "FETCH":
		return true
	}
	return false
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
		p.S.SetCapabilities(strings.Fields(list))
	}
}

// continuation pairs a "+" with the client part that waits for it: the
// oldest open part of a command that can be asked for more (RFC 9051
// §7.5): an AUTHENTICATE, an IDLE, or one that announced a synchronizing
// literal. A command typed after it (a2 SELECT pasted behind a1
// AUTHENTICATE's data) is never asked to go on.
func (p *Parser) continuation(line string, t time.Time) {
	// A "+" asks for more of one command: untagged data waiting belongs
	// to a completion, not to it.
	r := session.NewLine("+", t, line)
	for _, c := range p.open {
		e, ok := c.firstOpen()
		if !ok || !c.sasl && !c.syncLiteral && c.verb != "IDLE" {
			continue
		}
		switch {
		case c.verb == "IDLE" && p.client == tagged:
			p.client, p.waiting = idling, c
		case c.sasl && (p.client == tagged || p.waiting == c):
			p.client, p.waiting = saslResponse, c
			c.auth.Challenge(r, strings.TrimSpace(strings.TrimPrefix(line, "+")))
		}
		p.Answer(e, r)
		return
	}
	if !p.S.Midstream && !p.ClientSilent() {
		explain.Anomaly(p.S, t, session.FromServer, "imap.continuation")
	}
	p.Reply(r)
}

// complete pairs a tagged completion with its command's last part.
func (p *Parser) complete(c *command, r *session.Response) {
	if c.sasl {
		p.strand(c)
	}
	if p.waiting == c {
		switch {
		case p.client == continuing && p.seg == nil:
			// Refused while the client waited for "+" to send a
			// synchronizing literal (RFC 9051 §7.5): it will not.
			p.Cli.Expect(0)
			p.lit = literal{}
			p.DropMessage(session.FromClient)
			p.client, p.waiting = tagged, nil
		case p.client == continuing:
			// A non-synchronizing literal is on the wire already: the
			// client sends it and the rest of its line (RFC 7888 §4).
		default:
			p.client, p.waiting, p.seg = tagged, nil, nil
		}
	}
	if e, ok := c.lastOpen(); ok {
		p.Answer(e, r)
	} else {
		explain.Anomaly(p.S, r.Time, session.FromServer, "imap.nopart", c.tag, c.verb)
		p.Reply(r)
	}
	if c.auth != nil {
		c.auth.End(r.Status == "OK")
	}
	if r.Status != "OK" {
		return
	}
	switch c.verb {
	case "STARTTLS":
		p.StartTLS()
	case "COMPRESS":
		p.Opaque()
		p.S.Compressed = true
	}
}

// strand gives back the responses typed ahead for c's AUTHENTICATE that
// no "+" asked for when its completion came (a mechanism refused, a
// server that ends the exchange early): the server read each as a
// command of its own (RFC 9051 §6.2.2), tagged with its first word, and
// answers it by that tag.
func (p *Parser) strand(c *command) {
	first, ok := c.firstOpen()
	if !ok {
		return
	}
	i := slices.Index(c.segs, first)
	later := c.segs[i+1:]
	if len(later) == 0 {
		return
	}
	c.segs = c.segs[:i+1]
	c.auth.Strand(len(later))
	for _, e := range later {
		line := c.responses[e]
		cmd := e.Command
		var tag, verb, args string
		if cmd.Secret && p.Opts.Redact {
			// A secret typed as a response stays masked as a command,
			// and out of anomalies; its tag still pairs its reply.
			tag, _, _ = strings.Cut(line, " ")
			cmd.Tag, cmd.Verb, cmd.Args = sasl.Redacted, "", sasl.Redacted
		} else {
			tag, verb, args = p.parseCommand(line, cmd.Time)
			cmd.Tag, cmd.Verb, cmd.Args = tag, verb, args
		}
		cmd.Kind, cmd.Decoded = session.KindCommand, ""
		p.addOpen(&command{tag: tag, verb: verb, canon: []byte(args), segs: []*session.Exchange{e}}, cmd.Time)
	}
}
