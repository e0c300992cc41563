package imap

import (
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

func (p *Parser) serverLine(l lines.Line) {
	if p.sline.Len() == 0 {
		p.stime = l.Time
	}
	p.sline.Write(l.B)
	line := p.sline.String()
	if n, _, ok := literalSuffix(string(l.B)); ok {
		p.slit = literal{size: n}
		if fetchesMessage(line) {
			p.slit.msg = true
			p.StartMessage(session.FromServer, "FETCH", p.stime)
		}
		if n == 0 {
			p.serverLiteral(nil, l.Time, true)
			return
		}
		p.Srv.Expect(n)
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
	p.addLiteral(session.FromServer, &p.slit, b)
	if !last {
		return
	}
	if p.slit.msg {
		p.smsgs = append(p.smsgs, p.EndMessage(session.FromServer, false))
		p.sbody += p.slit.size
	}
	p.sline.WriteString(" " + p.slit.show())
	p.slit = literal{}
}

// response handles one complete server line (RFC 9051 §7).
func (p *Parser) response(line string, start, end time.Time) {
	tag, rest, _ := strings.Cut(line, " ")
	first := p.FirstReply()
	switch tag {
	case "*":
		if first && !p.S.Midstream && len(p.open) > 0 {
			// RFC 9051 §7.1: the greeting comes first; commands sent
			// before it are answered after it.
			status, _, _ := strings.Cut(rest, " ")
			p.noteCapabilities([]string{line})
			p.Greeting(p.open[0].segs[0], &session.Response{Status: statusWord(status), Lines: []string{line}, Time: start})
			return
		}
		if len(p.open) == 0 {
			// Nothing asked for it: a greeting, or unsolicited data.
			status, _, _ := strings.Cut(rest, " ")
			p.unsolicited(statusWord(status), line, start)
			return
		}
		p.untagged = append(p.untagged, untagged{text: line, msgs: p.smsgs, body: p.sbody})
		p.smsgs, p.sbody = nil, 0
		return
	case "+":
		p.continuation(line, start)
		return
	}
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
	p.S.Anomaly(start, session.FromServer, "completion for unknown tag "+tag)
	p.Reply(p.takeResponse(statusWord(status), line, start, nil))
}

func statusWord(s string) string {
	s = strings.ToUpper(s)
	switch s {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		return s
	}
	return ""
}

// untagged is a line of untagged data and the messages its literals held.
type untagged struct {
	text string
	msgs []int
	body int64
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
		r.Messages = append(r.Messages, u.msgs...)
	}
	if line != "" {
		r.Lines = append(r.Lines, line)
	}
	r.Messages = append(r.Messages, p.smsgs...)
	if len(r.Messages) > 0 {
		r.Message = &r.Messages[0]
		r.BodyInLines = true
	}
	r.BodySize += p.sbody
	p.noteCapabilities(r.Lines)
	p.untagged, p.smsgs, p.sbody = rest, nil, 0
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
	name := lines.Upper(f[1])
	if len(f) > 2 && name[0] >= '0' && name[0] <= '9' { // "* 3 FETCH ..."
		name = lines.Upper(f[2])
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

func (p *Parser) unsolicited(status, line string, t time.Time) {
	if p.Paired() && status != "BYE" && status != "OK" {
		p.S.Anomaly(t, session.FromServer, "untagged data with no command open")
	}
	p.Reply(p.takeResponse(status, line, t, nil))
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
		p.S.Capabilities = strings.Fields(list)
	}
}

// continuation pairs a "+" with the client part that waits for it: the
// client sends nothing more until it arrives, so it is the latest open one.
func (p *Parser) continuation(line string, t time.Time) {
	r := p.takeResponse("+", line, t, nil)
	for i := len(p.open) - 1; i >= 0; i-- {
		c := p.open[i]
		e, ok := c.lastOpen()
		if !ok {
			continue
		}
		p.Answer(e, r)
		switch {
		case p.client != tagged:
		case c.verb == "IDLE":
			p.client, p.waiting = idling, c
		case c.sasl:
			p.client, p.waiting = saslResponse, c
			c.auth.Challenge(strings.TrimSpace(strings.TrimPrefix(line, "+")))
		}
		return
	}
	p.S.Anomaly(t, session.FromServer, "continuation request with no command waiting")
	p.Reply(r)
}

// complete pairs a tagged completion with its command's last part.
func (p *Parser) complete(c *command, r *session.Response) {
	if p.waiting == c {
		if p.client == continuing {
			// Refused before its literal was sent (RFC 9051 §7.5): the
			// client will not send it.
			p.Cli.Expect(0)
			p.lit = literal{}
			p.DropMessage(session.FromClient)
		}
		p.client, p.waiting, p.seg = tagged, nil, nil
	}
	if e, ok := c.lastOpen(); ok {
		p.Answer(e, r)
	} else {
		p.S.Anomaly(r.Time, session.FromServer, "completion of "+c.tag+" "+c.verb+" answers no pending part")
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
