// Package analyzer turns reassembled TCP connections into mail sessions:
// it decides which side is the client and which protocol is spoken, and
// pushes each direction's bytes into the protocol's parser.
package analyzer

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/imap"
	"github.com/mailtrace/mailtrace/analyzer/pop3"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/smtp"
	"github.com/mailtrace/mailtrace/analyzer/wire"
	"github.com/mailtrace/mailtrace/reassembly"
)

// Options configure a Tracker.
type Options struct {
	// Ports maps server ports to the protocol spoken in clear on them.
	Ports map[uint16]session.Protocol
	// TLSPorts maps server ports to the protocol spoken over implicit TLS.
	TLSPorts map[uint16]session.Protocol
	Wire     wire.Options
	// KeepRaw keeps every session's bytes for a follow view.
	KeepRaw bool
	// OnStart, when set, is told of each session as it is recognized.
	OnStart func(*session.Session)
	// MaxDetectBytes bounds what a connection on another port may send
	// before its protocol is recognized; past it the connection is ignored.
	MaxDetectBytes int
}

// DefaultPorts are the well-known mail ports.
func DefaultPorts() (clear, tls map[uint16]session.Protocol) {
	clear = map[uint16]session.Protocol{25: session.SMTP, 587: session.SMTP, 2525: session.SMTP, 110: session.POP3, 143: session.IMAP}
	tls = map[uint16]session.Protocol{465: session.SMTP, 995: session.POP3, 993: session.IMAP}
	return clear, tls
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	clear, tls := DefaultPorts()
	return Options{Ports: clear, TLSPorts: tls, MaxDetectBytes: 16 << 10}
}

// Parser is what every protocol parser offers.
type Parser interface {
	Feed(d session.Dir, t time.Time, b []byte)
	Gap(d session.Dir, t time.Time, n int)
	Close(t time.Time)
}

// Tracker implements reassembly.Handler. Sessions are handed to emit as
// they end, in the order they end.
type Tracker struct {
	opts   Options
	emit   func(*session.Session)
	nextID int
}

// NewTracker returns a Tracker that hands finished sessions to emit.
func NewTracker(opts Options, emit func(*session.Session)) *Tracker {
	if opts.MaxDetectBytes <= 0 {
		opts.MaxDetectBytes = 16 << 10
	}
	return &Tracker{opts: opts, emit: emit}
}

// Open is called for every TCP connection.
func (t *Tracker) Open(info reassembly.ConnInfo) reassembly.Conn {
	c := &conn{t: t, info: info}
	if proto, clientIsA, tls, ok := t.byPort(info); ok {
		c.start(proto, clientIsA, tls, "port")
	}
	return c
}

// byPort decides protocol and roles from the handshake and the ports.
func (t *Tracker) byPort(info reassembly.ConnInfo) (proto session.Protocol, clientIsA, tls, ok bool) {
	lookup := func(port uint16) (session.Protocol, bool, bool) {
		if p, ok := t.opts.Ports[port]; ok {
			return p, false, true
		}
		if p, ok := t.opts.TLSPorts[port]; ok {
			return p, true, true
		}
		return "", false, false
	}
	switch info.Opener {
	case reassembly.OpenerA:
		proto, tls, ok = lookup(info.B.Port())
		return proto, true, tls, ok
	case reassembly.OpenerB:
		proto, tls, ok = lookup(info.A.Port())
		return proto, false, tls, ok
	}
	// No handshake seen: the side on a mail port is the server.
	pb, tb, okb := lookup(info.B.Port())
	pa, ta, oka := lookup(info.A.Port())
	switch {
	case okb && !oka:
		return pb, true, tb, true
	case oka && !okb:
		return pa, false, ta, true
	}
	return "", false, false, false // both or neither: let the banner decide
}

// conn follows one TCP connection.
type conn struct {
	t         *Tracker
	info      reassembly.ConnInfo
	s         *session.Session
	p         Parser
	clientIsA bool
	ignored   bool
	held      []heldEvent // events kept until the protocol is recognized
	heldBytes int
	first     [2][]byte // first bytes of each direction, for detection
}

type heldEvent struct {
	dir  reassembly.Dir
	t    time.Time
	data []byte
	gap  int
}

func (c *conn) start(proto session.Protocol, clientIsA, tls bool, how string) {
	c.clientIsA = clientIsA
	client, server := c.info.A, c.info.B
	if !clientIsA {
		client, server = server, client
	}
	t := c.t
	t.nextID++
	s := &session.Session{
		ID: t.nextID, Protocol: proto, Client: endpoint(client), Server: endpoint(server),
		Start: c.info.Start, End: c.info.Start, TLS: session.TLSNone, Detected: how,
		Midstream: c.info.Opener == reassembly.OpenerUnknown,
		Gaps:      []session.Gap{}, Exchanges: []session.Exchange{}, Auth: []session.Auth{},
		Messages: []session.Message{}, Anomalies: []session.Anomaly{},
	}
	c.s = s
	if t.opts.OnStart != nil {
		t.opts.OnStart(s)
	}
	if tls {
		s.TLS = session.TLSImplicit
		return
	}
	switch proto {
	case session.SMTP:
		c.p = smtp.New(s, t.opts.Wire)
	case session.POP3:
		c.p = pop3.New(s, t.opts.Wire)
	case session.IMAP:
		c.p = imap.New(s, t.opts.Wire)
	}
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

func (c *conn) Data(d reassembly.Dir, t time.Time, b []byte) {
	if c.ignored {
		return
	}
	if c.s == nil {
		c.hold(heldEvent{dir: d, t: t, data: bytes.Clone(b)})
		return
	}
	sd := c.dir(d)
	if sd == session.FromClient {
		c.s.BytesClient += int64(len(b))
	} else {
		c.s.BytesServer += int64(len(b))
	}
	c.s.End = t
	if c.t.opts.KeepRaw {
		c.s.Raw = append(c.s.Raw, session.Chunk{Dir: sd, Time: t, Data: bytes.Clone(b)})
	}
	if c.p != nil {
		c.p.Feed(sd, t, b)
	}
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
	c.s.Gaps = append(c.s.Gaps, session.Gap{Dir: sd.String(), Bytes: n, Time: t})
	if c.t.opts.KeepRaw {
		c.s.Raw = append(c.s.Raw, session.Chunk{Dir: sd, Time: t, Gap: n})
	}
	if c.p != nil {
		c.p.Gap(sd, t, n)
	}
}

func (c *conn) Conflict(d reassembly.Dir, t time.Time, n int) {
	if c.s != nil {
		c.s.Anomaly(t, c.dir(d), fmt.Sprintf("a retransmission carried other bytes than the first copy (%d bytes differ); the first copy was kept", n))
	}
}

func (c *conn) Close(t time.Time, how reassembly.End) {
	if c.s == nil && !c.ignored {
		c.detect(true)
	}
	if c.s == nil {
		return
	}
	if c.p != nil {
		c.p.Close(t)
	}
	if t.After(c.s.End) {
		c.s.End = t
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
	c.t.emit(c.s)
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
// mail port: a server greeting ("220 ", "+OK", "* OK"), and for SMTP an
// EHLO or HELO answering it, since FTP greets with 220 too.
func (c *conn) detect(final bool) {
	for _, srv := range []reassembly.Dir{reassembly.BtoA, reassembly.AtoB} {
		cli := 1 - srv
		if c.info.Opener == reassembly.OpenerA && srv == reassembly.AtoB ||
			c.info.Opener == reassembly.OpenerB && srv == reassembly.BtoA {
			continue // the opener is the client
		}
		var skip [2]int
		proto, ok := greeting(c.first[srv], c.first[cli])
		tunnel := ""
		if !ok {
			// Mail through a proxy: the greeting follows its handshake.
			var sc, ss int
			if sc, ss, tunnel, ok = proxyHandshake(c.first[cli], c.first[srv]); ok {
				proto, ok = greeting(c.first[srv][ss:], c.first[cli][sc:])
				skip[cli], skip[srv] = sc, ss
			}
		}
		if !ok {
			continue
		}
		c.start(proto, srv == reassembly.BtoA, false, "content")
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
				c.Data(e.dir, e.t, e.data)
			}
		}
		return
	}
	if final {
		c.ignore()
	}
}

// proxyHandshake recognizes a SOCKS5 (RFC 1928, with RFC 1929 user and
// password) or HTTP CONNECT (RFC 9110 §9.3.6) handshake at the start of
// the client's bytes cli and the proxy's srv, and returns how many bytes
// of each it takes and where the tunnel leads.
func proxyHandshake(cli, srv []byte) (skipCli, skipSrv int, via string, ok bool) {
	if bytes.HasPrefix(cli, []byte("CONNECT ")) {
		ce := bytes.Index(cli, []byte("\r\n\r\n"))
		se := bytes.Index(srv, []byte("\r\n\r\n"))
		if ce < 0 || se < 0 || !bytes.HasPrefix(srv, []byte("HTTP/1.")) || len(srv) < 12 || srv[9] != '2' {
			return 0, 0, "", false
		}
		target, _, _ := bytes.Cut(cli[len("CONNECT "):], []byte(" "))
		return ce + 4, se + 4, "http-connect to " + string(target), true
	}
	// SOCKS5: method selection, optional user/password, then CONNECT.
	if len(cli) < 2 || cli[0] != 5 || len(srv) < 2 || srv[0] != 5 {
		return 0, 0, "", false
	}
	c, s := 2+int(cli[1]), 2
	if srv[1] == 2 { // user and password
		if len(cli) < c+2 {
			return 0, 0, "", false
		}
		ulen := int(cli[c+1])
		if len(cli) < c+2+ulen+1 {
			return 0, 0, "", false
		}
		c += 2 + ulen + 1 + int(cli[c+2+ulen])
		s += 2
	} else if srv[1] != 0 {
		return 0, 0, "", false
	}
	req, n := socksAddress(cli, c)
	if n == 0 || cli[c] != 5 || cli[c+1] != 1 {
		return 0, 0, "", false
	}
	_, m := socksAddress(srv, s)
	if m == 0 || srv[s] != 5 || srv[s+1] != 0 {
		return 0, 0, "", false
	}
	return c + n, s + m, "socks5 to " + req, true
}

// socksAddress reads a SOCKS5 request or reply at b[at:] (VER CMD RSV
// ATYP ADDR PORT) and returns its address and length, 0 if incomplete.
func socksAddress(b []byte, at int) (string, int) {
	if len(b) < at+5 {
		return "", 0
	}
	var host string
	end := at + 4
	switch b[at+3] {
	case 1:
		end += 4
		if len(b) >= end {
			host = netip.AddrFrom4([4]byte(b[at+4 : end])).String()
		}
	case 3:
		end += 1 + int(b[at+4])
		if len(b) >= end {
			host = string(b[at+5 : end])
		}
	case 4:
		end += 16
		if len(b) >= end {
			host = "[" + netip.AddrFrom16([16]byte(b[at+4:end])).String() + "]"
		}
	default:
		return "", 0
	}
	if len(b) < end+2 {
		return "", 0
	}
	return fmt.Sprintf("%s:%d", host, int(b[end])<<8|int(b[end+1])), end + 2 - at
}

// greeting recognizes a server's greeting in srv, and for SMTP the
// client's EHLO/HELO in cli: until the client has spoken, a 220 greeting
// could be FTP's.
func greeting(srv, cli []byte) (session.Protocol, bool) {
	switch {
	case bytes.HasPrefix(srv, []byte("+OK")):
		return session.POP3, true
	case bytes.HasPrefix(srv, []byte("* OK")), bytes.HasPrefix(srv, []byte("* PREAUTH")):
		return session.IMAP, true
	case bytes.HasPrefix(srv, []byte("220 ")), bytes.HasPrefix(srv, []byte("220-")):
		if len(cli) < 5 {
			return "", false
		}
		v := bytes.ToUpper(cli[:5])
		if bytes.Equal(v, []byte("EHLO ")) || bytes.Equal(v, []byte("HELO ")) {
			return session.SMTP, true
		}
	}
	return "", false
}
