// Package journey follows messages across sessions: the submission over
// SMTP, relays between servers, and retrieval over POP3 or IMAP of the
// same message, tied by its Message-ID and, where that is missing, by the
// queue id the accepting server gave it ("250 2.0.0 Ok: queued as
// 0AA8BBA1BD"), which the Received: header of the copy read later names
// ("with ESMTP id 0AA8BBA1BD", RFC 5321 §4.4).
package journey

import (
	"slices"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
)

// Hop is one session that carried the message.
type Hop struct {
	Time     time.Time        `json:"time"`
	Session  int              `json:"session"`
	Protocol session.Protocol `json:"protocol"`
	Via      string           `json:"via"`    // DATA, BDAT, RETR, TOP, FETCH, APPEND
	Action   string           `json:"action"` // sent, read, stored
	Client   string           `json:"client"`
	Server   string           `json:"server"`
	User     string           `json:"user,omitempty"` // who authenticated in the session
	QueueID  string           `json:"queue_id,omitempty"`
	// DelayMS is the time since the hop before, in milliseconds.
	DelayMS *float64 `json:"delay_ms,omitempty"`

	keys               []string
	messageID, subject string // the journey's, from its first hop that has them
}

// Journey is one message's path, hop by hop in time order.
type Journey struct {
	MessageID string `json:"message_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Hops      []Hop  `json:"hops"`
}

// MaxHops bounds what a Collector remembers; past it, messages are not
// followed.
const MaxHops = 1 << 20

// Collector is a sink that gathers each whole message's hop as sessions
// end; Journeys ties them once the input is over.
type Collector struct {
	sink.Nop
	hops []Hop
}

// New returns an empty Collector.
func New() *Collector { return &Collector{} }

// SessionEnded takes the session's messages as hops.
func (c *Collector) SessionEnded(s *session.Session) {
	user := ""
	for _, a := range s.Auth {
		if a.Success != nil && *a.Success {
			user = a.Username
		}
	}
	for _, m := range s.Messages {
		if !m.Whole() || len(c.hops) >= MaxHops {
			continue
		}
		h := Hop{Time: m.Time, Session: s.ID, Protocol: s.Protocol, Via: m.Via, Client: s.Client, Server: s.Server,
			User: user, QueueID: m.QueueID, messageID: m.MessageID, subject: m.Subject}
		switch m.Via {
		case "DATA", "BDAT":
			h.Action = "sent"
			if m.Accepted != nil && !*m.Accepted {
				continue // refused: it went nowhere
			}
		case "APPEND":
			h.Action = "stored"
		default:
			h.Action = "read"
		}
		if id := normalID(m.MessageID); id != "" {
			h.keys = append(h.keys, "mid:"+id)
		}
		if m.QueueID != "" {
			h.keys = append(h.keys, "qid:"+m.QueueID)
		}
		for _, id := range m.ReceivedIDs {
			h.keys = append(h.keys, "qid:"+id)
		}
		if len(h.keys) == 0 {
			continue
		}
		c.hops = append(c.hops, h)
	}
}

func normalID(id string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(id), "<>"))
}

// Journeys ties the hops that share a Message-ID or a queue id, and
// returns the journeys of more than one hop, in order of their first.
func (c *Collector) Journeys() []Journey {
	parent := make([]int, len(c.hops))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	first := map[string]int{}
	for i, h := range c.hops {
		for _, k := range h.keys {
			if j, ok := first[k]; ok {
				parent[find(i)] = find(j)
			} else {
				first[k] = i
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range c.hops {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	var out []Journey
	for _, r := range roots {
		members := groups[r]
		if len(members) < 2 {
			continue
		}
		var j Journey
		for _, i := range members {
			j.Hops = append(j.Hops, c.hops[i])
			if j.MessageID == "" {
				j.MessageID = c.hops[i].messageID
			}
			if j.Subject == "" {
				j.Subject = c.hops[i].subject
			}
		}
		slices.SortStableFunc(j.Hops, func(a, b Hop) int { return a.Time.Compare(b.Time) })
		for k := 1; k < len(j.Hops); k++ {
			d := float64(j.Hops[k].Time.Sub(j.Hops[k-1].Time)) / float64(time.Millisecond)
			j.Hops[k].DelayMS = &d
		}
		out = append(out, j)
	}
	slices.SortStableFunc(out, func(a, b Journey) int { return a.Hops[0].Time.Compare(b.Hops[0].Time) })
	return out
}
