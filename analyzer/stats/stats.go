// Package stats aggregates finished sessions into per-protocol figures.
// Sessions are added as they end, so nothing needs to keep them.
package stats

import (
	"maps"
	"slices"
	"sort"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Capture holds the figures of the input as a whole.
type Capture struct {
	Files       int   `json:"files"`
	Packets     int64 `json:"packets"`
	Bytes       int64 `json:"bytes"`
	TCPPackets  int64 `json:"tcp_packets"`
	Malformed   int64 `json:"malformed_packets"`
	UnknownLink int64 `json:"unknown_link_packets"`
	Connections int64 `json:"tcp_connections"`
	// Filtered counts the packets --filter left out.
	Filtered int64 `json:"filtered_packets,omitempty"`
	// Delivery is what was sent to ClickHouse, when it was asked for.
	Delivery *Delivery `json:"clickhouse,omitempty"`
}

// Collector accumulates figures; the zero value is not ready, use New.
type Collector struct {
	order  []session.Protocol
	protos map[session.Protocol]*acc
}

type acc struct {
	p       Protocol
	latency map[string]*samples
}

// New returns an empty Collector that reports protocols in order (the
// protocol table's), then any others by name.
func New(order []session.Protocol) *Collector {
	return &Collector{order: order, protos: map[session.Protocol]*acc{}}
}

// Protocol holds the figures of one protocol.
type Protocol struct {
	Protocol     session.Protocol `json:"protocol"`
	Sessions     int              `json:"sessions"`
	TLSImplicit  int              `json:"tls_implicit"`
	StartTLS     int              `json:"starttls"`
	BytesClient  int64            `json:"bytes_client"`
	BytesServer  int64            `json:"bytes_server"`
	Commands     map[string]int   `json:"commands"`
	Replies      map[string]int   `json:"replies"`
	AuthOK       int              `json:"auth_ok"`
	AuthFailed   int              `json:"auth_failed"`
	AuthUnknown  int              `json:"auth_unknown"`
	Messages     int              `json:"messages"`
	MessageBytes int64            `json:"message_bytes"`
	Gaps         int              `json:"gaps"`
	GapBytes     int64            `json:"gap_bytes"`
	Anomalies    int              `json:"anomalies"`
	Unanswered   int              `json:"unanswered"`
	Findings     map[string]int   `json:"findings"`
	Latency      []Latency        `json:"latency"`
}

// Latency is the reply latency of one verb, in milliseconds.
type Latency struct {
	Verb   string  `json:"verb"`
	Count  int     `json:"count"`
	Median float64 `json:"median_ms"`
	P95    float64 `json:"p95_ms"`
	// Approximate: past 1 024 latencies of a verb they are counted in
	// buckets 1% wide, and the median and p95 are within half a percent.
	Approximate bool `json:"approximate,omitempty"`
}

// Add counts one finished session.
func (c *Collector) Add(s *session.Session) {
	a := c.protos[s.Protocol]
	if a == nil {
		a = &acc{p: Protocol{Protocol: s.Protocol, Commands: map[string]int{}, Replies: map[string]int{}, Findings: map[string]int{}},
			latency: map[string]*samples{}}
		c.protos[s.Protocol] = a
	}
	p := &a.p
	p.Sessions++
	switch s.TLS {
	case session.TLSImplicit:
		p.TLSImplicit++
	case session.TLSStart:
		p.StartTLS++
	}
	p.BytesClient += s.BytesClient
	p.BytesServer += s.BytesServer
	for _, e := range s.Exchanges {
		if e.Command != nil && e.Command.Kind == session.KindCommand {
			verb := a.verbKey(e.Command.Verb)
			p.Commands[verb]++
			if e.LatencyMS != nil {
				l := a.latency[verb]
				if l == nil {
					l = &samples{}
					a.latency[verb] = l
				}
				l.add(*e.LatencyMS)
			}
		}
		if e.Command != nil && e.Response == nil {
			p.Unanswered++
		}
		if e.Response != nil {
			p.Replies[e.Response.Status]++
		}
	}
	// The exchanges past the bound the session keeps (--max-exchanges)
	// count too: their latencies alone are not known.
	past := s.Past()
	for _, verb := range slices.Sorted(maps.Keys(past.Commands)) { // the verbs kept apart do not depend on a map's order
		n := past.Commands[verb]
		if verb == "" {
			verb = Other
		}
		p.Commands[a.verbKey(verb)] += n
	}
	for status, n := range past.Replies {
		p.Replies[status] += n
	}
	p.Unanswered += past.Sent - past.Replied
	ok, failed, unknown := s.AuthOutcomes()
	p.AuthOK += ok
	p.AuthFailed += failed
	p.AuthUnknown += unknown
	// A header or a part fetched alone is not one more message; one
	// past the bound on messages kept still is.
	n, bytes := s.WholeMessages()
	p.Messages += n
	p.MessageBytes += bytes
	p.Gaps += len(s.Gaps) + s.GapsDropped
	p.GapBytes += s.GapBytesDropped
	for _, g := range s.Gaps {
		p.GapBytes += int64(g.Bytes)
	}
	p.Anomalies += len(s.Anomalies) + s.AnomaliesDropped
	for _, f := range s.Findings {
		p.Findings[f.Kind]++
	}
}

// verbKey is the key a command of verb counts under.
func (a *acc) verbKey(verb string) string {
	switch _, seen := a.p.Commands[verb]; {
	case verb == Other:
		return Other
	case !wellFormed(verb):
		return Malformed
	case !seen && len(a.p.Commands) >= maxVerbs:
		return Other
	}
	return verb
}

// Malformed counts commands whose verb is not a word: garbage on the wire
// must not fill the statistics with one row per line of it.
const Malformed = "(malformed)"

// Other counts the commands of verbs past the first maxVerbs of a
// protocol: a stream of made-up verbs fills no table.
const (
	Other    = "(other)"
	maxVerbs = 256
)

func wellFormed(verb string) bool {
	if verb == "" || len(verb) > 32 {
		return false
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ' ') {
			return false
		}
	}
	return true
}

// Report returns the figures of every protocol seen, in a fixed order.
func (c *Collector) Report() []Protocol {
	order := append([]session.Protocol(nil), c.order...)
	var others []session.Protocol
	for proto := range c.protos {
		if !slices.Contains(c.order, proto) {
			others = append(others, proto)
		}
	}
	slices.Sort(others)
	out := []Protocol{}
	for _, proto := range append(order, others...) {
		a := c.protos[proto]
		if a == nil {
			continue
		}
		p := a.p
		p.Latency = []Latency{}
		verbs := make([]string, 0, len(a.latency))
		for v := range a.latency {
			verbs = append(verbs, v)
		}
		sort.Strings(verbs)
		for _, v := range verbs {
			l := a.latency[v]
			q := l.quantiles(0.5, 0.95)
			p.Latency = append(p.Latency, Latency{Verb: v, Count: l.n, Median: q[0], P95: q[1], Approximate: l.approximate()})
		}
		out = append(out, p)
	}
	return out
}

// Delivery counts what a run sent to ClickHouse (analyzer/clickhouse):
// rows and batches the server took, sends retried, rows that waited in
// the spool, sent from it, and left in it at the end.
type Delivery struct {
	URL         string `json:"url"`
	Rows        int64  `json:"rows_sent"`
	Batches     int64  `json:"batches_sent"`
	Retries     int64  `json:"retries"`
	Spooled     int64  `json:"rows_spooled"`
	FromSpool   int64  `json:"rows_sent_from_spool"`
	LeftInSpool int64  `json:"rows_left_in_spool"`
	// Rejected counts the rows the server refused for what they hold, and
	// those of spool files that can never be sent (empty or unreadable),
	// moved to the spool's rejected/ with the reason.
	Rejected int64 `json:"rows_rejected,omitempty"`
	// Halted says delivery stopped on an error no retry gets past (wrong
	// credentials, no schema): the rest wait in the spool.
	Halted bool             `json:"halted,omitempty"`
	Tables map[string]int64 `json:"rows_by_table"`
}
