package session

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// What a session keeps, and what it counts past its bounds: input from
// the field can repeat a line, a command or a message forever, and a
// session must hold no more for it, yet say how much there was.

// Limits bound a session's memory: input from the field can repeat a
// line forever.
type Limits struct {
	Exchanges int
	Anomalies int
	Messages  int
}

// Default limits. A kept message costs some 600 bytes with its part
// list and the reply line that carried it, a kept exchange some 450, and
// the collector lets the heap grow to about twice what is live: ten
// thousand messages (as many as a reply keeps lines, MaxReplyLines) keep
// a FETCH of a million one-byte literals under 64 MiB, where a hundred
// thousand took 130 to 180 MiB; twenty thousand exchanges (a POP3
// download of ten thousand messages, thousands of SMTP messages) keep a
// flood of NOOPs under 56 MiB, where a hundred thousand took 113 and
// kept the collector at work. What is past them is counted (Past, the
// statistics), not kept, and past Limits.Exchanges the records of a
// command nothing holds any more serve the next (Exchange.Spare).
const (
	DefaultMaxExchanges = 20000
	DefaultMaxAnomalies = 1000
	DefaultMaxMessages  = 10000
)

// AddExchange appends an exchange and returns it. Past Limits.Exchanges it
// is counted, not kept, and the first one past is an anomaly.
func (s *Session) AddExchange(e *Exchange) *Exchange {
	if !s.keepExchange() {
		e.past = true
		if e.Command != nil {
			s.past.command(e.Command)
		}
		if e.Response != nil {
			s.past.reply(e)
		}
		return e
	}
	s.Exchanges = append(s.Exchanges, e)
	return e
}

func (s *Session) keepExchange() bool {
	if s.Limits.Exchanges <= 0 || len(s.Exchanges) < s.Limits.Exchanges {
		return true
	}
	if s.ExchangesDropped == 0 {
		// The catalog (analyzer/explain) holds this text in each language.
		s.AnomalySaid(s.End, FromClient, "more exchanges than the bound (--max-exchanges): the rest are parsed and counted, not kept", "ui.anomaly.bound.exchanges", nil)
	}
	s.ExchangesDropped++
	return false
}

// Past is what the exchanges past Limits.Exchanges said, of which the
// session keeps no record, so that the statistics count every exchange:
// the verb of each command (MaxPastVerbs of them apart, the rest under
// ""), the status of each reply, how many client parts there were and
// how many of them a reply answered, and of those how many were commands
// (not a line of data or a SASL response).
type Past struct {
	Commands      map[string]int
	Replies       map[string]int
	Sent, Replied int
	Answered      int
	// The verb and status counted last, and how many of them the maps
	// do not hold yet: a flood repeats one verb, and a map write per
	// command was a tenth of its cost.
	verb, status   string
	verbs, replies int
}

// MaxPastVerbs bounds the verbs Past counts apart.
const MaxPastVerbs = 256

// Past is what the exchanges past Limits.Exchanges said. It changes
// nothing: views on goroutines of their own may ask at once.
func (s *Session) Past() Past {
	p := s.past
	if p.verbs > 0 || p.replies > 0 {
		p.Commands, p.Replies = maps.Clone(p.Commands), maps.Clone(p.Replies)
		p.flush()
	}
	return p
}

func (p *Past) command(c *Command) {
	p.Sent++
	if c.Kind != KindCommand {
		return
	}
	if p.verbs > 0 && c.Verb == p.verb {
		p.verbs++
		return
	}
	p.flushVerbs()
	p.verb, p.verbs = c.Verb, 1
}

func (p *Past) reply(e *Exchange) {
	if e.Command != nil {
		p.Replied++
		if e.Command.Kind == KindCommand {
			p.Answered++
		}
	}
	if p.replies > 0 && e.Response.Status == p.status {
		p.replies++
		return
	}
	p.flushReplies()
	p.status, p.replies = e.Response.Status, 1
}

func (p *Past) flush() {
	p.flushVerbs()
	p.flushReplies()
}

func (p *Past) flushVerbs() {
	if p.verbs == 0 {
		return
	}
	if p.Commands == nil {
		p.Commands = map[string]int{}
	}
	verb := p.verb
	if len(p.Commands) >= MaxPastVerbs {
		if _, seen := p.Commands[verb]; !seen {
			verb = ""
		}
	}
	p.Commands[verb] += p.verbs
	p.verbs = 0
}

func (p *Past) flushReplies() {
	if p.replies == 0 {
		return
	}
	if p.Replies == nil {
		p.Replies = map[string]int{}
	}
	p.Replies[p.status] += p.replies
	p.replies = 0
}

// Answer pairs e with its complete reply r; one past Limits.Exchanges is
// counted (Past).
func (s *Session) Answer(e *Exchange, r *Response) {
	e.Answer(r)
	if e.past {
		s.past.reply(e)
	}
}

// AddMessage appends a message and returns its index.
// Past Limits.Messages it is counted, not kept (a FETCH of a million
// one-byte literals), and the index is -1.
func (s *Session) AddMessage(m *Message) int {
	if s.MessagesFull() {
		if s.MessagesDropped == 0 {
			// The catalog (analyzer/explain) holds this text in each language.
			s.AnomalySaid(m.Time, FromClient, "more messages than the bound (--max-messages): the rest are read and counted, not kept", "ui.anomaly.bound.messages", nil)
		}
		s.MessagesDropped++
		if m.Whole() {
			s.droppedWhole++
			s.droppedWholeBytes += m.Size
		}
		return -1
	}
	s.Messages = append(s.Messages, m)
	return len(s.Messages) - 1
}

// WholeMessages counts the session's whole messages (not a header or a
// part fetched alone) and their bytes, those past Limits.Messages too.
func (s *Session) WholeMessages() (n int, bytes int64) {
	for _, m := range s.Messages {
		if m.Whole() {
			n++
			bytes += m.Size
		}
	}
	return n + s.droppedWhole, bytes + s.droppedWholeBytes
}

// MaxGaps bounds the gaps a session lists: a capture that lost a byte
// before each segment of a download lists a gap a segment (145 000 in
// 20 MB).
const MaxGaps = 1000

// AddGap lists g, or past MaxGaps counts it and its bytes.
func (s *Session) AddGap(g Gap) {
	if len(s.Gaps) < MaxGaps {
		s.Gaps = append(s.Gaps, g)
		return
	}
	if s.GapsDropped == 0 {
		// The catalog (analyzer/explain) holds this text in each language.
		s.AnomalySaid(g.Time, FromClient, "more gaps than the bound: the rest are counted with their bytes, not listed", "ui.anomaly.bound.gaps", nil)
	}
	s.GapsDropped++
	s.GapBytesDropped += int64(g.Bytes)
}

// MaxAuth bounds the authentications a session keeps. Each is a record
// with its credentials and, at the end, a finding; a client guessing
// passwords sends an IMAP LOGIN a line, and 20 MB of them held half a
// million of each (1.2 GiB with --json).
const MaxAuth = 1000

// AddAuth appends a to the session's authentications and reports whether
// it was kept: past MaxAuth it is counted (AuthDropped), and its outcome
// once known (AuthEnded).
func (s *Session) AddAuth(a *Auth) bool {
	if len(s.Auth) < MaxAuth {
		s.Auth = append(s.Auth, a)
		return true
	}
	if s.AuthDropped == 0 {
		// The catalog (analyzer/explain) holds this text in each language.
		s.AnomalySaid(a.Time, FromClient, "more authentications than the bound: the rest are followed and counted, not kept", "ui.anomaly.bound.auth", nil)
	}
	s.AuthDropped++
	return false
}

// AuthEnded counts the outcome of a, an authentication AddAuth did not
// keep.
func (s *Session) AuthEnded(a *Auth, ok bool) {
	if ok {
		s.droppedAuthOK++
	} else {
		s.droppedAuthFailed++
		s.droppedAuthFailedAt = a.Time
	}
}

// LastAuthFailure is when the last failed authentication began, past
// MaxAuth too; zero if none failed.
func (s *Session) LastAuthFailure() time.Time {
	if s.droppedAuthFailed > 0 {
		return s.droppedAuthFailedAt
	}
	for _, a := range slices.Backward(s.Auth) {
		if a.Success != nil && !*a.Success {
			return a.Time
		}
	}
	return time.Time{}
}

// AuthOutcomes counts the session's authentications that succeeded,
// failed, and whose outcome is unknown, those past MaxAuth too.
func (s *Session) AuthOutcomes() (ok, failed, unknown int) {
	for _, a := range s.Auth {
		switch {
		case a.Success == nil:
			unknown++
		case *a.Success:
			ok++
		default:
			failed++
		}
	}
	ok += s.droppedAuthOK
	failed += s.droppedAuthFailed
	unknown += s.AuthDropped - s.droppedAuthOK - s.droppedAuthFailed
	return ok, failed, unknown
}

// MessagesFull reports whether the session keeps no more messages: a
// message begun now is counted, not kept (Limits.Messages).
func (s *Session) MessagesFull() bool {
	return s.Limits.Messages > 0 && len(s.Messages) >= s.Limits.Messages
}

// AnomaliesFull reports whether the session keeps no more anomalies
// (Limits.Anomalies): one said now is counted, not kept.
func (s *Session) AnomaliesFull() bool {
	return s.Limits.Anomalies > 0 && len(s.Anomalies) >= s.Limits.Anomalies
}

// Bounds on the text of command and reply lines a session keeps. Each
// line is bounded (--max-line, 64 KiB by default), but a session of a
// hundred thousand such lines would hold gigabytes: past MaxLineText of
// lines kept, a longer line keeps its first ShortLine bytes, said once.
const (
	MaxLineText = 8 << 20
	ShortLine   = 256
)

// Keep is line as the session keeps it (see MaxLineText): whole, or its
// first ShortLine bytes, copied, so that the rest is not held behind them.
func (s *Session) Keep(line string) string {
	if len(line) <= ShortLine || s.lineText+len(line) <= MaxLineText {
		s.lineText += len(line)
		return line
	}
	if !s.lineTextCut {
		s.lineTextCut = true
		// The catalog (analyzer/explain) holds this text in each language.
		s.AnomalySaid(s.End, FromClient, fmt.Sprintf("past %d MiB of command and reply lines, the session keeps the first %d bytes of each longer line", MaxLineText>>20, ShortLine),
			"ui.anomaly.bound.text", []any{MaxLineText >> 20, ShortLine})
	}
	s.lineText += ShortLine
	return strings.Clone(line[:ShortLine])
}

// MaxRecipients bounds the recipients a message lists (Postfix accepts
// 1 000 a message by default, smtpd_recipient_limit).
const MaxRecipients = 10000

// MaxReplyLines bounds the lines one reply keeps (a listing of a mailbox
// of thousands, a flood of untagged data): past it they are counted.
const MaxReplyLines = 10000

// AddLine keeps line in r while it has room, and reports whether it did;
// past the bound it counts the line.
func (r *Response) AddLine(line string) bool {
	if len(r.Lines) >= MaxReplyLines {
		r.LinesDropped++
		return false
	}
	r.Lines = append(r.Lines, line)
	return true
}
