// Package analyzer turns reassembled TCP connections into mail sessions:
// it decides which side is the client and which protocol is spoken, and
// pushes each direction's bytes into the protocol's parser.
package analyzer

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/communityid"
	"github.com/mailtrace/mailtrace/analyzer/dns"
	"github.com/mailtrace/mailtrace/analyzer/explain"
	"github.com/mailtrace/mailtrace/analyzer/findings"
	"github.com/mailtrace/mailtrace/analyzer/imap"
	"github.com/mailtrace/mailtrace/analyzer/lmtp"
	"github.com/mailtrace/mailtrace/analyzer/message"
	"github.com/mailtrace/mailtrace/analyzer/parts"
	"github.com/mailtrace/mailtrace/analyzer/pop3"
	"github.com/mailtrace/mailtrace/analyzer/proto"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/sink"
	"github.com/mailtrace/mailtrace/analyzer/smtp"
	"github.com/mailtrace/mailtrace/analyzer/tlswatch"
	"github.com/mailtrace/mailtrace/reassembly"
)

// Protocols returns the table of the protocols mailtrace knows, a new one
// for each run (flags change its ports). A new protocol is registered
// here.
func Protocols() *proto.Table {
	return proto.NewTable(smtp.Spec(), pop3.Spec(), imap.Spec(), lmtp.Spec())
}

// Options configure a Tracker.
type Options struct {
	// Protocols are the protocols to recognize, and their ports.
	Protocols *proto.Table
	// Parse are the parsers' limits and choices.
	Parse proto.Options
	// MaxDetectBytes bounds what a connection on another port may send
	// before its protocol is recognized; past it the connection is ignored.
	MaxDetectBytes int
	// Limits bound what each session keeps.
	Limits session.Limits
	// Findings tune the judgments made on each session as it ends.
	Findings findings.Options
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{Protocols: Protocols(), MaxDetectBytes: 16 << 10,
		Limits: session.Limits{Exchanges: session.DefaultMaxExchanges, Anomalies: session.DefaultMaxAnomalies, Messages: session.DefaultMaxMessages}}
}

// Tracker implements reassembly.Handler: it tells its sink of each
// session's events, and hands the session over as it ends, in the order
// sessions end.
type Tracker struct {
	opts   Options
	out    sink.Sink
	judge  *findings.Judge
	dns    *dns.Tracker
	nextID int
}

// NewTracker returns a Tracker that tells out of every session.
func NewTracker(opts Options, out sink.Sink) *Tracker {
	if opts.MaxDetectBytes <= 0 {
		opts.MaxDetectBytes = 16 << 10
	}
	if opts.Protocols == nil {
		opts.Protocols = Protocols()
	}
	if opts.Parse.Buffers == nil {
		opts.Parse.Buffers = parts.NewBuffers()
	}
	if opts.Parse.Spare == nil {
		opts.Parse.Spare = message.NewSpare()
	}
	t := &Tracker{opts: opts, out: out, judge: findings.New(opts.Findings)}
	t.dns = dns.NewTracker(out.Lookup)
	return t
}

// Datagram takes a DNS message over UDP.
func (t *Tracker) Datagram(src, dst netip.AddrPort, at time.Time, payload []byte) {
	t.dns.Message(src, dst, at, payload, "udp")
}

// Finish tells of the DNS queries left unanswered; call it once the input
// is over.
func (t *Tracker) Finish() { t.dns.Flush() }

// dnsConn frames DNS over TCP (port 53) for the DNS tracker.
type dnsConn struct {
	t    *Tracker
	info reassembly.ConnInfo
	dirs [2]dns.Stream
}

func (c *dnsConn) Data(d reassembly.Dir, t time.Time, b []byte, _ int64) {
	src, dst := c.info.A, c.info.B
	if d == reassembly.BtoA {
		src, dst = dst, src
	}
	for _, m := range c.dirs[d].Feed(b) {
		c.t.dns.Message(src, dst, t, m, "tcp")
	}
}

func (c *dnsConn) Gap(d reassembly.Dir, _ time.Time, _ int) { c.dirs[d].Lost() }
func (c *dnsConn) Conflict(reassembly.Dir, time.Time, int)  {}
func (c *dnsConn) Close(time.Time, reassembly.End)          {}

// Open is called for every TCP connection.
func (t *Tracker) Open(info reassembly.ConnInfo) reassembly.Conn {
	if info.A.Port() == 53 || info.B.Port() == 53 {
		return &dnsConn{t: t, info: info}
	}
	c := &conn{t: t, info: info}
	if spec, clientIsA, tls, ok := t.byPort(info); ok {
		c.start(spec, clientIsA, tls, "port")
	}
	return c
}

// byPort decides protocol and roles from the handshake and the ports.
func (t *Tracker) byPort(info reassembly.ConnInfo) (spec proto.Spec, clientIsA, tls, ok bool) {
	table := t.opts.Protocols
	switch info.Opener {
	case reassembly.OpenerA:
		spec, tls, ok = table.ByPort(info.B.Port())
		return spec, true, tls, ok
	case reassembly.OpenerB:
		spec, tls, ok = table.ByPort(info.A.Port())
		return spec, false, tls, ok
	}
	// No handshake seen: the side on a mail port is the server.
	sb, tb, okb := table.ByPort(info.B.Port())
	sa, ta, oka := table.ByPort(info.A.Port())
	switch {
	case okb && !oka:
		return sb, true, tb, true
	case oka && !okb:
		return sa, false, ta, true
	}
	return proto.Spec{}, false, false, false // both or neither: let the banner decide
}

// conn follows one TCP connection.
type conn struct {
	t         *Tracker
	info      reassembly.ConnInfo
	s         *session.Session
	p         proto.Parser
	spec      proto.Spec // the parser's, until it is made (parser)
	clientIsA bool
	ignored   bool
	held      []heldEvent // events kept until the protocol is recognized
	heldBytes int
	first     [2][]byte       // first bytes of each direction, for detection
	meter     *tlswatch.Meter // an implicit-TLS session's records
	dropped   bool            // the capture dropped packets while it was open
}

// PacketsDropped notes, once, that the live capture dropped packets while
// the connection was open.
func (c *conn) PacketsDropped() {
	if !c.dropped && c.s != nil {
		explain.Note(c.s, "packets.dropped")
	}
	c.dropped = true
}

type heldEvent struct {
	dir   reassembly.Dir
	t     time.Time
	data  []byte
	gap   int
	acked int64
}

func (c *conn) start(spec proto.Spec, clientIsA, tls bool, how string) {
	c.clientIsA = clientIsA
	client, server := c.info.A, c.info.B
	if !clientIsA {
		client, server = server, client
	}
	t := c.t
	t.nextID++
	s := &session.Session{
		ID: t.nextID, Protocol: spec.Name, Client: endpoint(client), Server: endpoint(server),
		Start: c.info.Start, End: c.info.Start, TLS: session.TLSNone, Detected: how,
		Midstream: c.info.Opener == reassembly.OpenerUnknown,
		Gaps:      []session.Gap{}, Exchanges: []*session.Exchange{}, Auth: []*session.Auth{},
		Messages: []*session.Message{}, Anomalies: []session.Anomaly{}, Limits: t.opts.Limits,
	}
	s.CommunityID = communityid.Of(client, server)
	c.s = s
	if c.dropped {
		explain.Note(s, "packets.dropped")
	}
	if spec.Name == smtp.Name {
		if mx, ok := t.dns.Route(client, server, c.info.Start); ok {
			s.MXLookup = &mx
		}
	}
	t.out.SessionStarted(s)
	if tls {
		s.TLS = session.TLSImplicit
		c.meter = tlswatch.NewMeter(s, t.opts.Parse.TLSKeys)
		if !c.meter.Decrypting() {
			return
		}
	}
	c.spec = spec
	if c.meter != nil {
		c.parser() // the meter feeds it what it decrypts from the start
	}
}

// parser is c's parser, made when the connection's first bytes, gap or
// end come: a connection that carries nothing (a flood of handshakes,
// 79 000 in 20 MB) holds none while it is open, where each held 3 KiB
// of splitters and parser state. nil where the session is not parsed
// (implicit TLS without its keys).
func (c *conn) parser() proto.Parser {
	if c.p == nil && c.spec.New != nil {
		c.p = c.spec.New(proto.Env{Session: c.s, Options: c.t.opts.Parse, Events: c.t.out})
		c.spec = proto.Spec{}
	}
	return c.p
}

func (c *conn) serverPort() uint16 {
	if c.clientIsA {
		return c.info.B.Port()
	}
	return c.info.A.Port()
}

func endpoint(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

func (c *conn) dir(d reassembly.Dir) session.Dir {
	if (d == reassembly.AtoB) == c.clientIsA {
		return session.FromClient
	}
	return session.FromServer
}

func (c *conn) Data(d reassembly.Dir, t time.Time, b []byte, acked int64) {
	if c.ignored {
		return
	}
	if c.s == nil {
		c.hold(heldEvent{dir: d, t: t, data: bytes.Clone(b), acked: acked})
		return
	}
	sd := c.dir(d)
	count := &c.s.BytesClient
	if sd == session.FromServer {
		count = &c.s.BytesServer
	}
	if c.meter != nil {
		if *count == 0 && !tlswatch.LooksLikeTLS(b) {
			who := map[session.Dir]string{session.FromClient: "client", session.FromServer: "server"}[sd]
			explain.Anomaly(c.s, t, sd, "implicit.clear."+who, c.serverPort())
		}
		c.meter.Feed(sd, t, b, *count)
	}
	*count += int64(len(b))
	c.s.End = t
	var plain []session.Chunk
	switch p := c.parser(); {
	case c.meter != nil && p != nil:
		plain = c.decrypted(t)
	case p != nil:
		if a, ok := p.(proto.Acker); ok {
			a.Acked(sd, acked)
		}
		p.Feed(sd, t, b)
		if dp, ok := p.(proto.Decrypter); ok {
			plain = dp.Plain()
		}
	}
	// After the parser: the session says by now whether the bytes were
	// TLS, for the views that show them; what they carried follows them.
	c.t.out.Raw(c.s, session.Chunk{Dir: sd, Time: t, Data: b, BeforeTLS: c.s.TLS == session.TLSNone})
	for _, p := range plain {
		c.t.out.Raw(c.s, p)
	}
}

// decrypted feeds the parser of an implicit-TLS session what the key log
// let the meter decrypt, and returns it for the views that show bytes.
func (c *conn) decrypted(t time.Time) []session.Chunk {
	var out []session.Chunk
	c.meter.Drain(t, func(d session.Dir, p []byte) {
		c.p.Feed(d, t, p)
		out = append(out, session.Chunk{Dir: d, Time: t, Data: p, Decrypted: true})
	})
	return out
}

func (c *conn) Gap(d reassembly.Dir, t time.Time, n int) {
	if c.ignored {
		return
	}
	if c.s == nil {
		c.hold(heldEvent{dir: d, t: t, gap: n})
		return
	}
	sd := c.dir(d)
	c.s.AddGap(session.Gap{Dir: sd.String(), Bytes: n, Time: t})
	c.t.out.Raw(c.s, session.Chunk{Dir: sd, Time: t, Gap: n, BeforeTLS: c.s.TLS == session.TLSNone})
	if c.meter != nil {
		c.meter.Lost(sd)
	}
	if p := c.parser(); p != nil {
		p.Gap(sd, t, n)
	}
}

func (c *conn) Conflict(d reassembly.Dir, t time.Time, n int) {
	if c.s != nil {
		explain.Anomaly(c.s, t, c.dir(d), "retransmission", n)
	}
}

func (c *conn) Close(t time.Time, how reassembly.End) {
	if c.s == nil && !c.ignored {
		c.detect(true)
	}
	if c.s == nil {
		return
	}
	if c.meter != nil && c.p != nil {
		// Records held for secrets a key log being written had yet to
		// give are read if they came.
		c.meter.Finish()
		for _, p := range c.decrypted(t) {
			c.t.out.Raw(c.s, p)
		}
	}
	if c.p != nil {
		// Made by the first bytes or gap: a parser that never read one
		// would close on nothing and say nothing
		// (TestAnUnusedParserClosesOnNothing), and is not made for that.
		c.p.Close(t)
	}
	if t.After(c.s.End) {
		c.s.End = t
	}
	// One note where a direction is missing, instead of an anomaly for
	// each reply that seems to answer nothing.
	switch {
	case c.s.BytesClient == 0 && c.s.BytesServer > 0:
		explain.Note(c.s, "client.missing")
	case c.s.BytesServer == 0 && c.s.BytesClient > 0 && c.s.TLS != session.TLSImplicit:
		explain.Note(c.s, "server.missing")
	}
	switch how {
	case reassembly.EndClosed:
		c.s.State = "closed"
	case reassembly.EndReset:
		c.s.State = "reset"
	case reassembly.EndEvicted:
		c.s.State = "evicted"
	default:
		c.s.State = "open"
	}
	c.t.judge.Session(c.s)
	c.t.out.SessionEnded(c.s)
	c.s, c.p = nil, nil
}

// hold keeps an event of a connection not yet recognized, then tries to
// recognize it.
func (c *conn) hold(e heldEvent) {
	c.held = append(c.held, e)
	c.heldBytes += len(e.data)
	if e.gap == 0 && len(c.first[e.dir]) < 512 {
		c.first[e.dir] = append(c.first[e.dir], e.data[:min(len(e.data), 512)]...)
	}
	c.detect(false)
	if c.s == nil && c.heldBytes > c.t.opts.MaxDetectBytes {
		c.ignore()
	}
}

func (c *conn) ignore() {
	c.ignored, c.held, c.first = true, nil, [2][]byte{}
}

// detect recognizes a protocol by its content on a port not known as a
// mail port, as the protocol table's detectors see it: a server greeting
// ("220 ", "+OK", "* OK"), and for SMTP an EHLO or HELO answering it.
func (c *conn) detect(final bool) {
	for _, srv := range []reassembly.Dir{reassembly.BtoA, reassembly.AtoB} {
		cli := 1 - srv
		if c.info.Opener == reassembly.OpenerA && srv == reassembly.AtoB ||
			c.info.Opener == reassembly.OpenerB && srv == reassembly.BtoA {
			continue // the opener is the client
		}
		var skip [2]int
		table := c.t.opts.Protocols
		spec, ok := table.Detect(c.first[srv], c.first[cli])
		tunnel := ""
		if !ok {
			// Mail through a proxy: the greeting follows its handshake.
			var sc, ss int
			if sc, ss, tunnel, ok = proxyHandshake(c.first[cli], c.first[srv]); ok {
				spec, ok = table.Detect(c.first[srv][ss:], c.first[cli][sc:])
				skip[cli], skip[srv] = sc, ss
			}
		}
		if !ok {
			continue
		}
		c.start(spec, srv == reassembly.BtoA, false, "content")
		c.s.Tunnel = tunnel
		held := c.held
		c.held, c.first = nil, [2][]byte{}
		for _, e := range held {
			if n := min(skip[e.dir], len(e.data)); n > 0 || (e.gap > 0 && skip[e.dir] > 0) {
				// The proxy's handshake is not part of the mail session.
				skip[e.dir] -= n
				if e.data = e.data[n:]; len(e.data) == 0 {
					continue
				}
			}
			if e.gap > 0 {
				c.Gap(e.dir, e.t, e.gap)
			} else {
				c.Data(e.dir, e.t, e.data, e.acked)
			}
		}
		return
	}
	if final {
		c.ignore()
	}
}
