// Package pipeline runs a reassembly.Handler on a goroutine of its own,
// a batch behind the reassembly: the reader decodes and reassembles
// packets while the parsers read what it reassembled before. Decoding
// with gopacket's reassembly and the parsers took turns on one goroutine,
// each about half of its time, while the file was read ahead on another.
//
// The handler sees what it would see called directly, in the same order:
// every call is an event in one queue (analyzer/handoff), the bytes a
// call carries copied into its batch. Only the handler's goroutine calls
// the handler, so it needs no locks.
package pipeline

import (
	"net/netip"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/handoff"
	"github.com/mailtrace/mailtrace/reassembly"
)

// Pipeline is a reassembly.Handler that passes what it is told to h. It
// follows every connection: h's Open runs later, so a connection h
// ignores (returns nil for) is still reassembled, and h told nothing of it.
type Pipeline struct {
	h    reassembly.Handler
	dns  reassembly.DatagramHandler // h, where it wants DNS datagrams
	q    *handoff.Queue[event]
	done chan struct{}
}

// batches in flight: one being filled, one being handled, two to absorb
// a burst. Each holds up to handoff.Bytes of payload.
const batches = 4

// New starts the goroutine that calls h. Close must be called once the
// reader is done, before h's results are read.
func New(h reassembly.Handler) *Pipeline {
	p := &Pipeline{h: h, q: handoff.New[event](batches), done: make(chan struct{})}
	p.dns, _ = h.(reassembly.DatagramHandler)
	go func() {
		defer close(p.done)
		p.q.Run(p.handle)
	}()
	return p
}

// Close waits until h has been told everything it was sent.
func (p *Pipeline) Close() {
	p.q.Close()
	<-p.done
}

type kind uint8

const (
	opened kind = iota
	data
	gap
	conflict
	closed
	dropped
	datagram
	do
)

// event is one call to pass on. n is a gap's or a conflict's byte count
// and a data event's acknowledgement.
type event struct {
	kind kind
	dir  reassembly.Dir
	end  reassembly.End
	t    time.Time
	n    int64
	b    []byte
	c    *conn
	d    *addrs // a datagram's ends
	f    func() // what Do runs
}

type addrs struct{ src, dst netip.AddrPort }

func (p *Pipeline) handle(e event) bool {
	if e.c != nil && e.c.to == nil && e.kind != opened {
		return true // the handler ignored the connection
	}
	switch e.kind {
	case opened:
		e.c.to = p.h.Open(e.c.info)
	case data:
		e.c.to.Data(e.dir, e.t, e.b, e.n)
	case gap:
		e.c.to.Gap(e.dir, e.t, int(e.n))
	case conflict:
		e.c.to.Conflict(e.dir, e.t, int(e.n))
	case closed:
		e.c.to.Close(e.t, e.end)
	case dropped:
		if d, ok := e.c.to.(reassembly.DropNoter); ok {
			d.PacketsDropped()
		}
	case datagram:
		p.dns.Datagram(e.d.src, e.d.dst, e.t, e.b)
	case do:
		e.f()
	}
	return true
}

// Do runs f on the handler's goroutine once h has been told everything
// sent before, and sends what waits in the batch on now: live, the output
// is flushed when the capture goes quiet, and must show what came before.
func (p *Pipeline) Do(f func()) {
	p.q.Add(event{kind: do, f: f}, true)
}

// Open is called for every TCP connection, on the reader's goroutine.
func (p *Pipeline) Open(info reassembly.ConnInfo) reassembly.Conn {
	c := &conn{p: p, info: info}
	p.q.Add(event{kind: opened, c: c}, false)
	return c
}

// Datagram passes a DNS datagram on, where h wants them.
func (p *Pipeline) Datagram(src, dst netip.AddrPort, t time.Time, payload []byte) {
	if p.dns == nil {
		return
	}
	b := p.q.Copy(payload)
	p.q.Add(event{kind: datagram, t: t, b: b, d: &addrs{src, dst}}, false)
}

// conn is the reader's side of a connection. to is the handler's
// connection, set and used on the handler's goroutine only.
type conn struct {
	p    *Pipeline
	info reassembly.ConnInfo
	to   reassembly.Conn
}

func (c *conn) Data(d reassembly.Dir, t time.Time, b []byte, acked int64) {
	b = c.p.q.Copy(b) // before Add: the copy goes in the batch the event goes in
	c.p.q.Add(event{kind: data, dir: d, t: t, n: acked, b: b, c: c}, false)
}

func (c *conn) Gap(d reassembly.Dir, t time.Time, n int) {
	c.p.q.Add(event{kind: gap, dir: d, t: t, n: int64(n), c: c}, false)
}

func (c *conn) Conflict(d reassembly.Dir, t time.Time, n int) {
	c.p.q.Add(event{kind: conflict, dir: d, t: t, n: int64(n), c: c}, false)
}

func (c *conn) Close(t time.Time, how reassembly.End) {
	c.p.q.Add(event{kind: closed, t: t, end: how, c: c}, false)
}

// PacketsDropped passes the live capture's word on to a connection that
// wants it.
func (c *conn) PacketsDropped() {
	c.p.q.Add(event{kind: dropped, c: c}, false)
}
