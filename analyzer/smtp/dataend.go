package smtp

import (
	"bytes"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/lines"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Where DATA ended, when the bytes allow two readings.
//
// RFC 5321 §4.1.1.4 ends the data at CRLF "." CRLF only, but many servers
// (Postfix unless smtpd_forbid_bare_newline is set, Sendmail, Exim) also
// take a "." beside a bare LF. Past such a dot a strict server is still
// reading the message; a lenient one reads commands: MAIL, RCPT, DATA and
// a second message, hidden in the first (SMTP smuggling). The bytes alone
// cannot say which server this was; its replies can. So at that dot the
// parser stops writing to the message and holds the client's lines after
// it until a reply decides:
//   - a reply before the client's CRLF "." CRLF: the server had taken the
//     dot as the end (it answers the data only after its end);
//   - after CRLF "." CRLF, the first reply answers the message either way;
//     the next one decides: if the strict reading has no command waiting
//     for it, or the reply cannot answer the strict reading's next command
//     but can the lenient one's (221 answers only QUIT, 354 only DATA), the
//     server was lenient; otherwise strict;
//   - the end of the stream, a gap in the client's bytes, or more held
//     than maxHeld: strict, as RFC 5321 reads it.
// Then the held lines are replayed as the winning reading has them.

// maxHeld bounds the client bytes held while the server has not said how
// it read a bare-LF dot.
const maxHeld = 256 << 10

// maxDepth bounds holds begun while replaying another's lines (a hidden
// message with a bare-LF dot of its own): each replays the bytes after
// it once more, so past it a dot is read as RFC 5321 reads it.
const maxDepth = 4

// held is a lone "." that a lenient server reads as the end of the data,
// and the client's lines after it.
type held struct {
	dot   heldLine
	lines []heldLine
	bytes int
	// strictEnd is the index in lines just past the CRLF "." CRLF that
	// ends the data for a strict server; -1 until it came.
	strictEnd int
	reply     *session.Response // the reply both readings give the message
	before    lines.Ending      // how the line before the dot ended
	last      lines.Ending      // how the last held line ended
	depth     int               // holds whose replay this one began in
}

// heldLine is a client line kept for replay.
type heldLine struct {
	b          []byte
	t          time.Time
	end        lines.Ending
	dropped    int
	more, cont bool
}

func keep(l *lines.Line) heldLine {
	return heldLine{b: bytes.Clone(l.B), t: l.Time, end: l.End, dropped: l.Dropped, more: l.More, cont: l.Cont}
}

func (h heldLine) line() lines.Line {
	return lines.Line{B: h.b, Time: h.t, End: h.end, Dropped: h.dropped, Cut: h.dropped > 0, More: h.more, Cont: h.cont}
}

// endsData reports whether l, after a line that ended with prev, is the
// CRLF "." CRLF every server takes as the end of the data.
func endsData(l *lines.Line, prev lines.Ending) bool {
	_, end := lines.Unstuff(l.B)
	return end && l.End == lines.CRLF && prev == lines.CRLF
}

// hold starts holding at the lenient end l.
func (p *Parser) hold(l *lines.Line) {
	p.held = &held{dot: keep(l), strictEnd: -1, before: p.lastEnd, last: l.End, depth: p.replaying}
}

// holdLine keeps a client line while the reading is undecided.
func (p *Parser) holdLine(l *lines.Line) {
	h := p.held
	if h.strictEnd < 0 && !l.More && !l.Cont && endsData(l, h.last) {
		h.strictEnd = len(h.lines) + 1
	}
	if !l.More {
		h.last = l.End
	}
	h.lines = append(h.lines, keep(l))
	h.bytes += len(l.B) + 2
	if h.bytes > maxHeld {
		p.settle(false)
	}
}

// settleOn lets reply r decide the reading, if it concerns the data; it
// reports whether r was taken (held, or handled after the decision).
func (p *Parser) settleOn(r *session.Response) bool {
	h := p.held
	if _, waiting := p.Waiting(); waiting {
		return false // it answers a command before the data (a late 354)
	}
	switch {
	case h.strictEnd < 0:
		p.settle(true)
	case h.reply == nil:
		h.reply = r
		return true
	default:
		p.settle(p.lenientAnswer(h, r.Status))
	}
	p.answerReply(r)
	return true
}

// lenientAnswer reports whether code, the second reply after the data,
// answers the lenient reading's next command rather than the strict one's.
func (p *Parser) lenientAnswer(h *held, code string) bool {
	if h.strictEnd >= len(h.lines) {
		return true // the strict reading has nothing waiting for a reply
	}
	strict, _ := splitVerb(string(h.lines[h.strictEnd].b))
	lenient, _ := splitVerb(string(firstCommand(h)))
	s, l := answers(lines.Upper(strict), code), answers(lines.Upper(lenient), code)
	if s == l {
		explain.Anomaly(p.S, h.dot.t, session.FromClient, "smuggling.undecided")
	}
	return l && !s
}

// firstCommand is the first line the lenient reading takes as a command.
func firstCommand(h *held) []byte {
	if len(h.lines) == 0 {
		return nil
	}
	return h.lines[0].b
}

// answers reports whether a reply with code can answer verb (RFC 5321
// §4.3.2): errors answer anything; 221 only QUIT, 354 only DATA, 334 and
// 235 only AUTH, 220 only STARTTLS.
func answers(verb, code string) bool {
	if len(code) != 3 || code[0] == '4' || code[0] == '5' {
		return true
	}
	switch verb {
	case "QUIT":
		return code == "221"
	case "DATA":
		return code == "354"
	case "AUTH":
		return code == "334" || code == "235"
	case "STARTTLS":
		return code == "220"
	}
	return code[0] == '2' && code != "221" && code != "220" && code != "235"
}

// settle ends the hold with the lenient reading (the server took the dot
// as the end: what followed were commands) or the strict one (the dot was
// message text), and replays what was held as that reading has it.
func (p *Parser) settle(lenient bool) {
	h := p.held
	p.held = nil
	outer := p.replaying
	p.replaying = h.depth + 1
	defer func() { p.replaying = outer }()
	if lenient {
		p.flag(p.Message(session.FromClient), "dot-taken")
		p.Queue(p.msgEx)
		p.endMessage(false)
		p.lastEnd = h.dot.end
		p.hidden = true
		for _, l := range h.lines {
			line := l.line()
			p.clientLine(&line)
		}
		p.hidden = false
	} else {
		p.strict = true
		p.lastEnd = h.before
		dot := h.dot.line()
		p.clientLine(&dot)
		for _, l := range h.lines {
			line := l.line()
			p.clientLine(&line)
		}
	}
	if h.reply != nil {
		p.answerReply(h.reply)
	}
}
