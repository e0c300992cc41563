// Package compare sets the sessions of the protocols that read mail side
// by side, POP3 and IMAP, as the lab's exercise 4 asks: which uses more
// of the network and of the server, which downloads again what it had,
// and which changes state on the server. Sessions are added as they end.
package compare

import (
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/session"
)

// The protocols compared, by the names their specs give.
const (
	pop3 session.Protocol = "pop3"
	imap session.Protocol = "imap"
)

// Session is what one session cost and changed.
type Session struct {
	ID          int              `json:"id,omitempty"` // none in a protocol's sums
	Protocol    session.Protocol `json:"protocol"`
	RoundTrips  int              `json:"round_trips"` // commands the server answered
	BytesClient int64            `json:"bytes_client"`
	BytesServer int64            `json:"bytes_server"`
	Open        time.Duration    `json:"open_ns"` // how long the connection stayed open
	Idle        time.Duration    `json:"idle_ns"` // of it, held open waiting for news (IMAP IDLE)
	// Downloaded counts the messages read whole; Again, those of them a
	// session before had already read (same Message-ID).
	Downloaded      int   `json:"downloaded"`
	DownloadedBytes int64 `json:"downloaded_bytes"`
	Again           int   `json:"downloaded_again"`
	// Changes counts what the session changed on the server, by what:
	// messages deleted (POP3: only once QUIT was answered), messages
	// whose flags changed (IMAP: each once, from the server's FLAGS), and
	// the folder, message and subscription commands it accepted.
	Changes map[string]int `json:"changes"`
	// Partial: the session kept fewer exchanges or messages than it had
	// (--max-exchanges, --max-messages), and its downloads and changes
	// count those it kept. Its round trips count them all.
	Partial bool `json:"partial,omitempty"`
}

// Protocol sums the sessions of one protocol.
type Protocol struct {
	Session
	Sessions int `json:"sessions"`
	// Unremembered counts the messages read after the comparison had
	// remembered maxRead of them: a session after cannot be told to
	// have read them again.
	Unremembered int `json:"unremembered,omitempty"`
}

// maxRead bounds the messages remembered to tell those read again: some
// 40 MiB at most, whatever the capture's length.
const maxRead = 1 << 20

// Report is the comparison: each session, each protocol, and the
// sentences that say what the figures cannot.
type Report struct {
	Sessions  []Session  `json:"sessions"`
	Protocols []Protocol `json:"protocols"`
	Notes     []string   `json:"notes"`
}

// Collector gathers sessions; the zero value is not ready, use New.
type Collector struct {
	keep     bool
	sessions []Session
	totals   [2]Protocol // pop3's, imap's
	// read holds the messages read so far, by a hash of their
	// Message-ID keyed by a random seed (8 bytes a message, not the ID),
	// up to maxRead of them (max, a test's smaller).
	read map[uint64]struct{}
	max  int
	seed maphash.Seed
}

// New returns an empty Collector; with keepRows its Report lists every
// session, without it only the sums (a view that writes each row as it
// comes keeps none).
func New(keepRows bool) *Collector {
	c := &Collector{keep: keepRows, read: map[uint64]struct{}{}, max: maxRead, seed: maphash.MakeSeed()}
	for i, p := range []session.Protocol{pop3, imap} {
		c.totals[i] = Protocol{Session: Session{Protocol: p, Changes: map[string]int{}}}
	}
	return c
}

// Add takes a session as it ends and returns its row; sessions of other
// protocols are left out (false).
func (c *Collector) Add(s *session.Session) (Session, bool) {
	if s.Protocol != pop3 && s.Protocol != imap {
		return Session{}, false
	}
	r := Session{ID: s.ID, Protocol: s.Protocol, BytesClient: s.BytesClient, BytesServer: s.BytesServer,
		Open: s.End.Sub(s.Start), Changes: map[string]int{}, Partial: s.ExchangesDropped > 0 || s.MessagesDropped > 0}
	if r.Partial {
		r.RoundTrips = s.Past().Answered
	}
	var idleFrom time.Time
	for _, e := range s.Exchanges {
		cmd := e.Command
		if cmd == nil {
			continue
		}
		if cmd.Verb == "IDLE" {
			// IDLE waits for news until the client's DONE (RFC 2177).
			if cmd.Kind == session.KindCommand {
				idleFrom = cmd.Time
			} else if !idleFrom.IsZero() {
				r.Idle += cmd.Time.Sub(idleFrom)
				idleFrom = time.Time{}
			}
		}
		if cmd.Kind != session.KindCommand || e.Response == nil {
			continue
		}
		r.RoundTrips++
		if ok(e.Response) {
			if what := changed(s.Protocol, cmd); what != "" {
				r.Changes[what]++
			}
		}
	}
	if s.Protocol == pop3 {
		popChanges(s, r.Changes)
	} else {
		imapChanges(s, r.Changes)
	}
	seen := map[uint64]struct{}{}
	for _, m := range s.Messages {
		if !m.Whole() || m.Truncated || (m.Via != "RETR" && m.Via != "FETCH") {
			continue
		}
		r.Downloaded++
		r.DownloadedBytes += m.Size
		if id := m.MessageID; id != "" {
			h := maphash.String(c.seed, id)
			if _, ok := c.read[h]; ok {
				r.Again++
			}
			seen[h] = struct{}{}
		}
	}
	unremembered := 0
	for h := range seen {
		if _, ok := c.read[h]; !ok && len(c.read) >= c.max {
			unremembered++
			continue
		}
		c.read[h] = struct{}{}
	}
	c.sum(r)
	c.total(s.Protocol).Unremembered += unremembered
	if c.keep {
		c.sessions = append(c.sessions, r)
	}
	return r, true
}

// total is the sums of protocol p's sessions.
func (c *Collector) total(p session.Protocol) *Protocol {
	if p == imap {
		return &c.totals[1]
	}
	return &c.totals[0]
}

// sum adds a session's row to its protocol's.
func (c *Collector) sum(s Session) {
	t := c.total(s.Protocol)
	t.Sessions++
	t.RoundTrips += s.RoundTrips
	t.BytesClient += s.BytesClient
	t.BytesServer += s.BytesServer
	t.Open += s.Open
	t.Idle += s.Idle
	t.Downloaded += s.Downloaded
	t.DownloadedBytes += s.DownloadedBytes
	t.Again += s.Again
	t.Partial = t.Partial || s.Partial
	for k, v := range s.Changes {
		t.Changes[k] += v
	}
}

func ok(r *session.Response) bool { return r.Status == "OK" || r.Status == "+OK" }

// changed names what an IMAP command changed on the server by itself, ""
// for none: folders, messages, subscriptions. DELE, flags and EXPUNGE are
// counted by message (popChanges, imapChanges).
func changed(p session.Protocol, c *session.Command) string {
	if p != imap {
		return ""
	}
	switch verb := strings.TrimPrefix(c.Verb, "UID "); verb {
	case "CREATE", "DELETE", "RENAME":
		return verb + " (folders)"
	case "APPEND", "COPY", "MOVE":
		return verb + " (messages)"
	case "SUBSCRIBE", "UNSUBSCRIBE":
		return verb + " (subscriptions)"
	}
	return ""
}

// Report returns the comparison of the sessions added so far (without
// rows unless the Collector keeps them).
func (c *Collector) Report() Report {
	rep := Report{Sessions: c.sessions, Protocols: []Protocol{}, Notes: []string{}}
	if rep.Sessions == nil {
		rep.Sessions = []Session{}
	}
	for _, t := range c.totals {
		if t.Sessions > 0 {
			rep.Protocols = append(rep.Protocols, t)
		}
	}
	rep.Notes = Notes(rep.Protocols, explain.English)
	return rep
}

// Notes say in words, in l, what the figures show and what a protocol
// had no command for.
func Notes(ps []Protocol, l explain.Lang) []string {
	var out []string
	for _, p := range ps {
		switch p.Protocol {
		case pop3:
			out = append(out, explain.Say("ui.compare.pop3", l))
			if p.Again > 0 {
				out = append(out, fmt.Sprintf(explain.Say("ui.compare.pop3.again", l), p.Again))
			}
		case imap:
			out = append(out, explain.Say("ui.compare.imap", l))
			if p.Idle > 0 {
				out = append(out, fmt.Sprintf(explain.Say("ui.compare.imap.idle", l), p.Idle.Round(time.Millisecond)))
			}
		}
		if p.Partial {
			out = append(out, fmt.Sprintf(explain.Say("ui.compare.partial", l), strings.ToUpper(string(p.Protocol))))
		}
		if p.Unremembered > 0 {
			out = append(out, fmt.Sprintf(explain.Say("ui.compare.unremembered", l), strings.ToUpper(string(p.Protocol)), p.Unremembered, maxRead))
		}
	}
	return out
}
