// Package journey follows messages across sessions: the submission over
// SMTP, relays between servers, and retrieval over POP3 or IMAP of the
// same message, tied by its Message-ID and, where one side lacks it, by
// the queue id the accepting server gave it ("250 2.0.0 Ok: queued as
// 0AA8BBA1BD"), which the Received: header of the copy read later names
// ("by mail.example with ESMTP id 0AA8BBA1BD", RFC 5321 §4.4). Two hops
// whose Message-IDs both exist and differ are two messages, whatever else
// they share; a queue id is only its host's.
package journey

import (
	"encoding/json"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/spill"
)

// Hop is one session that carried the message.
type Hop struct {
	Time     time.Time        `json:"time"`
	Session  int              `json:"session"`
	Protocol session.Protocol `json:"protocol"`
	Via      string           `json:"via"` // DATA, BDAT, RETR, TOP, FETCH, APPEND
	// Action is what the hop did: submitted (to 587 or 465, or after
	// AUTH), relayed (a server handed it on: it had a Received field
	// already), sent (SMTP without AUTH from a client that left no trace
	// of being a server: a mail program to 25, as in the lab), read,
	// partial-read (TOP n m, a partial fetch), stored (APPEND),
	// delivered (into the mailbox store: LMTP).
	Action  string `json:"action"`
	Client  string `json:"client"`
	Server  string `json:"server"`
	User    string `json:"user,omitempty"` // who authenticated in the session
	QueueID string `json:"queue_id,omitempty"`
	// DelayMS is the time since the hop before, in milliseconds.
	DelayMS *float64 `json:"delay_ms,omitempty"`
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
// end; Journeys ties them once the input is over. A hop stays on disk
// until then (spill): what stays in memory is where it is and a 64-bit
// hash of each key that may tie it to others, keyed by a random seed so
// that no capture can make two keys collide on purpose.
type Collector struct {
	sink.Nop
	hops  []hopRef
	keys  []uint64 // the hops' keys, hashed, one after another
	store *spill.Store
	seed  maphash.Seed
}

// hopRef is where a hop's record is, and its keys: its Message-ID's hash
// (0 without one) and its queue ids' (in Collector.keys).
type hopRef struct {
	at         int64
	n          int32
	mid        uint64
	key, nkeys int32
}

// record is what is kept of a hop until the journeys are tied.
type record struct {
	Hop
	MessageID string `json:"mid,omitempty"`
	Subject   string `json:"subject,omitempty"`
}

// New returns an empty Collector.
func New() *Collector { return &Collector{store: spill.New(""), seed: maphash.MakeSeed()} }

// SessionEnded takes the session's messages as hops.
func (c *Collector) SessionEnded(s *session.Session) {
	user := ""
	for _, a := range s.Auth {
		if a.Success != nil && *a.Success {
			user = a.Username
		}
	}
	for _, m := range s.Messages {
		partial := m.Content == session.ContentPartial
		if !m.Whole() && !partial || len(c.hops) >= MaxHops {
			continue
		}
		h := Hop{Time: m.Time, Session: s.ID, Protocol: s.Protocol, Via: m.Via, Client: s.Client, Server: s.Server,
			User: user, QueueID: m.QueueID}
		switch {
		case m.Final:
			h.Action = "delivered" // into the mailbox store (LMTP)
			if m.Accepted != nil && !*m.Accepted {
				continue
			}
		case m.Via == "DATA" || m.Via == "BDAT":
			h.Action = smtpAction(s, m, user)
			if m.Accepted != nil && !*m.Accepted {
				continue // refused: it went nowhere
			}
		case m.Via == "APPEND":
			h.Action = "stored"
		default:
			h.Action = "read"
			if partial {
				h.Action = "partial-read" // POP3 TOP n m, IMAP BODY[]<origin.length>
			}
		}
		ref := hopRef{key: int32(len(c.keys))}
		if id := normalID(m.MessageID); id != "" {
			ref.mid = c.hash("mid:", id)
		}
		if m.QueueID != "" && m.QueuedBy != "" {
			c.keys = append(c.keys, c.hash("qid:"+m.QueuedBy+" ", m.QueueID))
		}
		for i, id := range m.ReceivedIDs {
			if i < len(m.ReceivedBy) && m.ReceivedBy[i] != "" {
				c.keys = append(c.keys, c.hash("qid:"+m.ReceivedBy[i]+" ", id))
			}
		}
		if ref.nkeys = int32(len(c.keys)) - ref.key; ref.nkeys == 0 && ref.mid == 0 {
			continue
		}
		b, err := json.Marshal(record{Hop: h, MessageID: m.MessageID, Subject: m.Subject})
		if err != nil {
			c.keys = c.keys[:ref.key]
			continue
		}
		ref.at, ref.n = c.store.Put(b), int32(len(b))
		c.hops = append(c.hops, ref)
	}
}

// The hops a session can be, named by what it did with mail (the lab's
// exercise 1 asks which protocol each uses).
const (
	HopSubmission = "submission" // a client hands its message to its own server (RFC 6409)
	HopRelay      = "relay"      // a server hands it to the next (RFC 5321), after an MX lookup or with a Received field
	HopDelivery   = "delivery"   // a server puts it in the mailbox store (LMTP, RFC 2033)
	HopReading    = "reading"    // a mail client reads it from its mailbox (POP3, IMAP)
)

// SessionHop names the hop session s was, by the rules its messages'
// hops follow; "" when its bytes do not say (no message crossed, or an
// SMTP client that neither authenticated, nor used a submission port,
// nor followed an MX answer, nor handed on a message a server received).
func SessionHop(s *session.Session) string {
	if len(s.Messages) == 0 {
		return ""
	}
	user := ""
	for _, a := range s.Auth {
		if a.Success != nil && *a.Success {
			user = a.Username
		}
	}
	for _, m := range s.Messages {
		switch {
		case m.Final:
			return HopDelivery
		case m.Via == "DATA" || m.Via == "BDAT":
			switch {
			case smtpAction(s, m, user) == "submitted":
				return HopSubmission
			case s.MXLookup != nil || m.Received > 0:
				return HopRelay
			}
			return ""
		case m.Via == "APPEND":
			return ""
		}
	}
	return HopReading
}

// smtpAction names an SMTP hop: a submission goes to 587 or 465 (RFC
// 6409, RFC 8314) or follows an authentication; a relay hands on a
// message a server handled before (its Received field says so, RFC 5321
// §4.4); anything else was sent, by whom the bytes do not say.
func smtpAction(s *session.Session, m *session.Message, user string) string {
	_, port, _ := strings.Cut(s.Server[strings.LastIndexByte(s.Server, ']')+1:], ":")
	switch {
	case port == "587" || port == "465" || user != "":
		return "submitted"
	case m.Received > 0:
		return "relayed"
	}
	return "sent"
}

func (c *Collector) hash(kind, key string) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(kind)
	h.WriteString(key)
	return h.Sum64()
}

func normalID(id string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(id), "<>"))
}

// Journeys ties the hops that share a Message-ID, then those that share
// a queue id where that joins no two Message-IDs that differ, and returns
// the journeys of more than one hop, in order of their first.
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
	// A group's Message-ID (its hash; 0 while it has none).
	mid := make([]uint64, len(c.hops))
	byMID := map[uint64]int{}
	for i, h := range c.hops {
		mid[i] = h.mid
		if h.mid == 0 {
			continue
		}
		if j, ok := byMID[h.mid]; ok {
			parent[find(i)] = find(j)
		} else {
			byMID[h.mid] = i
		}
	}
	first := map[uint64]int{}
	for i, h := range c.hops {
		for _, k := range c.keys[h.key : h.key+h.nkeys] {
			j, ok := first[k]
			if !ok {
				first[k] = i
				continue
			}
			a, b := find(i), find(j)
			if a == b || mid[a] != 0 && mid[b] != 0 && mid[a] != mid[b] {
				continue // two messages that went through one queue id
			}
			parent[a] = b
			mid[b] |= mid[a]
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
			var rec record
			if json.Unmarshal(c.store.Get(c.hops[i].at, int(c.hops[i].n)), &rec) != nil {
				continue // unreadable: the spill's file failed and so did memory
			}
			j.Hops = append(j.Hops, rec.Hop)
			if j.MessageID == "" {
				j.MessageID = rec.MessageID
			}
			if j.Subject == "" {
				j.Subject = rec.Subject
			}
		}
		if len(j.Hops) < 2 {
			continue
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
