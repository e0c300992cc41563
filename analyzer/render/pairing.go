package render

import (
	"fmt"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// answers labels the replies the timeline would not show right after
// their command: under SMTP PIPELINING (RFC 2920) or a client typing
// ahead (POP3, SMTP without the extension) several commands go before
// the first reply, and in time order four C: lines followed by four S:
// lines no longer say which reply answers which. A reply is labelled
// when a later command was sent before it arrived, or an earlier reply
// arrived after its command was sent. Tagged replies (IMAP) name their
// command already and are left alone.
func answers(s *session.Session) map[*session.Exchange]string {
	var es []*session.Exchange
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Response != nil && e.Command.Tag == "" {
			es = append(es, e)
		}
	}
	if len(es) < 2 {
		return nil
	}
	// nextSent[i] is when the first command after es[i] was sent.
	nextSent := make([]time.Time, len(es))
	for i := len(es) - 2; i >= 0; i-- {
		nextSent[i] = es[i+1].Command.Time
		if i+1 < len(es)-1 && nextSent[i+1].Before(nextSent[i]) {
			nextSent[i] = nextSent[i+1]
		}
	}
	count := map[string]int{}
	for _, e := range es {
		count[commandName(e.Command)]++
	}
	seen := map[string]int{}
	labels := map[*session.Exchange]string{}
	var lastReply time.Time // the latest reply to an earlier command
	for i, e := range es {
		name := commandName(e.Command)
		seen[name]++
		replied := e.Response.LineTime(0)
		ahead := i < len(es)-1 && nextSent[i].Before(replied)
		behind := lastReply.After(e.Command.Time)
		if ahead || behind {
			label := "← " + name
			if count[name] > 1 {
				label += fmt.Sprintf(" #%d", seen[name])
			}
			labels[e] = label
		}
		if replied.After(lastReply) {
			lastReply = replied
		}
	}
	return labels
}

// commandName is how a reply's label names the command it answers.
func commandName(c *session.Command) string {
	switch {
	case c.Kind == session.KindMessage && c.Recipient != "":
		return "for <" + Escape(c.Recipient) + ">" // LMTP's reply per recipient
	case c.Kind == session.KindMessage:
		return "message"
	case c.Kind == session.KindContinuation:
		return "SASL data"
	}
	if c.Verb == "" {
		return "command"
	}
	// An unknown verb is kept as typed, and may be anything: the label
	// only needs enough of it to find the line.
	if v := []rune(Escape(c.Verb)); len(v) > 16 {
		return string(v[:16]) + "…"
	}
	return Escape(c.Verb)
}

// SentBy is the exchange whose command was sent for exchange i: i
// itself, or for an LMTP recipient's reply (RFC 2033 §4.2) the exchange
// of the data it answers, sent once for every recipient.
func SentBy(s *session.Session, i int) int {
	c := s.Exchanges[i].Command
	if c == nil || !c.Again || c.Message == nil {
		return i
	}
	for j := i - 1; j >= 0; j-- {
		if p := s.Exchanges[j].Command; p != nil && !p.Again && p.Message != nil && *p.Message == *c.Message {
			return j
		}
	}
	return i
}
