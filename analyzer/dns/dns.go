// Package dns follows the DNS lookups beside mail (RFC 1035, RFC 974 and
// RFC 5321 §5.1 for MX): MX, A and AAAA queries and their answers, over
// UDP and TCP, and which server addresses an MX answer led to, so that
// the SMTP connection that followed can be tied to the lookup (the lab's
// exercise 5: which server receives mail for a domain).
package dns

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/mailtrace/mailtrace/analyzer/session"
)

// Lookup is one query and its response.
type Lookup struct {
	Time      time.Time `json:"time"`
	Client    string    `json:"client"`
	Server    string    `json:"server"`
	Transport string    `json:"transport"` // udp, tcp
	ID        uint16    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`  // MX, A, AAAA
	RCode     string    `json:"rcode"` // "" while unanswered
	LatencyMS *float64  `json:"latency_ms"`
	Answers   []Answer  `json:"answers"`
	seq       uint64    // the query's place in arrival order
}

// Answer is one resource record of a response (answer or additional).
type Answer struct {
	// Section is where the response put it: "answer", or "additional"
	// (the addresses a server adds of the names it answered, RFC 1035
	// §4.1: the lab's exercise 5 asks to tell them apart).
	Section    string `json:"section"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	TTL        uint32 `json:"ttl"`
	Preference uint16 `json:"preference,omitempty"` // MX
	Value      string `json:"value"`                // the exchange, the address, the canonical name
}

// Tracker pairs queries with responses and remembers where recent MX
// answers led.
type Tracker struct {
	pending map[key]*Lookup
	order   []pendingQuery // the queries in the order they came, answered ones among them until compacted
	seq     uint64
	emit    func(*Lookup)
	// exchanges maps an MX exchange's name, for the host that asked, to
	// the MX answer naming it; routes maps an address, for the host that
	// asked, to the MX answer it was resolved for and until when the
	// answers' TTLs let it stand.
	exchanges map[asked]route
	routes    map[askedAddr]route
}

// asked is a name as one host asked for it.
type asked struct {
	client netip.Addr
	name   string
}

// askedAddr is an address as one host was told it.
type askedAddr struct {
	client, addr netip.Addr
}

// route is an MX answer and the end of its TTL.
type route struct {
	mx    session.MXLookup
	until time.Time
}

type key struct {
	client, server netip.AddrPort
	id             uint16
}

// pendingQuery is a query in arrival order; seq tells it from a later
// query that reused its key.
type pendingQuery struct {
	k   key
	seq uint64
}

// Bounds on what a Tracker remembers.
const (
	maxPending = 10000
	maxRoutes  = 10000
)

// NewTracker returns a Tracker that hands each finished lookup to emit.
func NewTracker(emit func(*Lookup)) *Tracker {
	return &Tracker{pending: map[key]*Lookup{}, emit: emit,
		exchanges: map[asked]route{}, routes: map[askedAddr]route{}}
}

// Message takes one DNS message sent from src to dst at t.
func (t *Tracker) Message(src, dst netip.AddrPort, at time.Time, b []byte, transport string) {
	var p dnsmessage.Parser
	h, err := p.Start(b)
	if err != nil {
		return
	}
	q, err := p.Question()
	if err != nil || !interesting(q.Type) {
		return
	}
	if !h.Response {
		if len(t.pending) >= maxPending {
			t.evictOldest()
		}
		t.seq++
		k := key{src, dst, h.ID}
		t.pending[k] = &Lookup{Time: at, Client: endpoint(src), Server: endpoint(dst), Transport: transport,
			ID: h.ID, Name: name(q.Name), Type: typeName(q.Type), Answers: []Answer{}, seq: t.seq}
		t.order = append(t.order, pendingQuery{k, t.seq})
		if len(t.order) > 2*maxPending {
			t.compact()
		}
		return
	}
	k := key{dst, src, h.ID}
	l := t.pending[k]
	if l == nil {
		// A response whose query the capture lacks.
		l = &Lookup{Time: at, Client: endpoint(dst), Server: endpoint(src), Transport: transport, ID: h.ID,
			Name: name(q.Name), Type: typeName(q.Type), Answers: []Answer{}}
	}
	delete(t.pending, k)
	ms := float64(at.Sub(l.Time)) / float64(time.Millisecond)
	l.LatencyMS, l.RCode = &ms, strings.TrimPrefix(h.RCode.String(), "RCode")
	p.SkipAllQuestions()
	answers, _ := p.AllAnswers()
	p.SkipAllAuthorities()
	additionals, _ := p.AllAdditionals()
	for i, r := range append(answers, additionals...) {
		if a, ok := answer(r); ok {
			a.Section = "answer"
			if i >= len(answers) {
				a.Section = "additional"
			}
			l.Answers = append(l.Answers, a)
		}
	}
	t.learn(l)
	t.emit(l)
}

// learn remembers where an MX answer leads, for the host that asked: its
// exchanges, then the addresses they resolve to, in the same response or
// in later lookups by that host, each until the shorter of the two TTLs
// runs out.
func (t *Tracker) learn(l *Lookup) {
	if len(t.routes) > maxRoutes || len(t.exchanges) > maxRoutes {
		t.routes, t.exchanges = map[askedAddr]route{}, map[asked]route{}
	}
	client, err := netip.ParseAddrPort(l.Client)
	if err != nil {
		return
	}
	who := client.Addr().Unmap()
	for _, a := range l.Answers {
		if a.Type == "MX" {
			t.exchanges[asked{who, strings.ToLower(a.Value)}] = route{session.MXLookup{Time: l.Time, Domain: l.Name, Exchange: a.Value,
				Preference: a.Preference, Client: l.Client, Server: l.Server}, l.Time.Add(time.Duration(a.TTL) * time.Second)}
		}
	}
	for _, a := range l.Answers {
		if a.Type != "A" && a.Type != "AAAA" {
			continue
		}
		r, ok := t.exchanges[asked{who, strings.ToLower(a.Name)}]
		if !ok {
			continue
		}
		if ip, err := netip.ParseAddr(a.Value); err == nil {
			r.mx.Address = ip.String()
			if until := l.Time.Add(time.Duration(a.TTL) * time.Second); until.Before(r.until) {
				r.until = until
			}
			t.routes[askedAddr{who, ip.Unmap()}] = r
		}
	}
}

// Route returns the MX lookup that led client to connect to server at
// t: the client made it, the server is an address from its answer, on
// port 25 (where MX leads, RFC 5321 §5), and the connection began after
// the answer and within its TTL.
func (t *Tracker) Route(client, server netip.AddrPort, at time.Time) (session.MXLookup, bool) {
	r, ok := t.routes[askedAddr{client.Addr().Unmap(), server.Addr().Unmap()}]
	if !ok || server.Port() != 25 || at.Before(r.mx.Time) || at.After(r.until) {
		return session.MXLookup{}, false
	}
	return r.mx, true
}

// evictOldest emits the oldest query still unanswered, to make room.
func (t *Tracker) evictOldest() {
	for len(t.order) > 0 {
		q := t.order[0]
		t.order = t.order[1:]
		if l := t.pending[q.k]; l != nil && l.seq == q.seq {
			delete(t.pending, q.k)
			t.emit(l)
			return
		}
	}
}

// compact drops the answered queries from the arrival order, so that it
// holds at most twice the pending ones whatever the traffic.
func (t *Tracker) compact() {
	live := t.order[:0]
	for _, q := range t.order {
		if l := t.pending[q.k]; l != nil && l.seq == q.seq {
			live = append(live, q)
		}
	}
	t.order = slices.Clip(live)
}

// Flush emits the queries still unanswered, in the order they came.
func (t *Tracker) Flush() {
	for _, q := range t.order {
		if l := t.pending[q.k]; l != nil && l.seq == q.seq {
			delete(t.pending, q.k)
			t.emit(l)
		}
	}
	t.order = nil
}

// Stream frames DNS over TCP (RFC 1035 §4.2.2: each message after its
// two-byte length) for one direction.
type Stream struct {
	buf []byte
}

// Feed adds bytes and returns the whole messages they complete.
func (s *Stream) Feed(b []byte) [][]byte {
	s.buf = append(s.buf, b...)
	var out [][]byte
	for len(s.buf) >= 2 {
		n := int(binary.BigEndian.Uint16(s.buf))
		if len(s.buf) < 2+n {
			break
		}
		out = append(out, append([]byte(nil), s.buf[2:2+n]...))
		s.buf = s.buf[2+n:]
	}
	if len(s.buf) > 1<<17 {
		s.buf = nil // not DNS after all
	}
	return out
}

// Lost drops what was buffered: after a gap the framing is gone.
func (s *Stream) Lost() { s.buf = nil }

func interesting(t dnsmessage.Type) bool {
	return t == dnsmessage.TypeMX || t == dnsmessage.TypeA || t == dnsmessage.TypeAAAA
}

func answer(r dnsmessage.Resource) (Answer, bool) {
	a := Answer{Name: name(r.Header.Name), Type: typeName(r.Header.Type), TTL: r.Header.TTL}
	switch b := r.Body.(type) {
	case *dnsmessage.MXResource:
		a.Preference, a.Value = b.Pref, name(b.MX)
	case *dnsmessage.AResource:
		a.Value = netip.AddrFrom4(b.A).String()
	case *dnsmessage.AAAAResource:
		a.Value = netip.AddrFrom16(b.AAAA).String()
	case *dnsmessage.CNAMEResource:
		a.Value = name(b.CNAME)
	default:
		return a, false
	}
	return a, true
}

func name(n dnsmessage.Name) string { return strings.TrimSuffix(n.String(), ".") }

func typeName(t dnsmessage.Type) string {
	s := strings.TrimPrefix(t.String(), "Type")
	if s == "" {
		return fmt.Sprint(uint16(t))
	}
	return s
}

func endpoint(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
