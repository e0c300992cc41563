package reassembly

import (
	"bytes"
	"math/bits"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	gpreassembly "github.com/gopacket/gopacket/reassembly"
)

// captureContext carries a packet's time into gopacket's assembler, which
// keeps it with the packet's bytes while they wait, and back to the
// stream. One is allocated for every packet: a stamp, sixteen bytes
// without pointers (no heap bits to write, nothing for the
// collector to scan), where a CaptureInfo and two addresses took 128 with
// pointers and a fifth of what --stats allocated on the mail corpus. The
// addresses of a new connection's first packet are the Reader's
// (factory.New runs within its Packet).
type captureContext struct{ stamp }

func newCaptureContext(t time.Time) *captureContext { return &captureContext{stampOf(t)} }

func (c *captureContext) GetCaptureInfo() gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: c.time()}
}

type factory struct{ r *Reader }

func (f *factory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac gpreassembly.AssemblerContext) gpreassembly.Stream {
	// A bare ACK, FIN or RST opens nothing: the last ACK of a connection
	// already closed would otherwise leave a stream in gopacket's pool until
	// the end of the input, one per connection.
	if !tcp.SYN && len(tcp.Payload) == 0 {
		return nil
	}
	t := ac.(*captureContext).time()
	f.r.streams++
	return &stream{
		r:    f.r,
		id:   f.r.streams,
		info: ConnInfo{A: netip.AddrPortFrom(f.r.src, uint16(tcp.SrcPort)), B: netip.AddrPortFrom(f.r.dst, uint16(tcp.DstPort)), Start: t},
		last: t,
	}
}

// stream adapts one gopacket connection to a Conn; it exists only from a
// SYN or a segment with data (see factory.New).
//
// gopacket delivers each direction in sequence order, but on its own: a
// reply captured before the command that caused it (a tap or SPAN port
// merging the directions, -i any, multi-queue NICs) would reach the parser
// first. The stream therefore keeps each direction's bytes in a queue, in
// sequence order, and hands a chunk to the Conn only once every byte of
// the other direction that its segments acknowledged has been handed over
// (the rule Suricata applies: the ACK number says what the sender had
// seen). When those bytes never come (lost, a one-sided capture), the
// chunk goes after FlushAfter of capture time, the wait a hole gets. The
// heads of the two queues that may go are merged by capture time.
type stream struct {
	r       *Reader
	id      int64 // order of creation, for a deterministic end
	info    ConnInfo
	conn    Conn
	opened  bool
	last    time.Time
	fin     bool
	reset   bool
	halves  [2]halfState
	heldB   int   // bytes queued in both directions
	seq     int64 // order of arrival of queued chunks, to break ties
	waiting bool  // listed in Reader.waiting
	how     End   // how it ended, once complete
	ended   bool
}

// halfState follows the sequence space of one direction.
type halfState struct {
	known     bool
	expected  uint32 // sequence number of the next byte gopacket delivers
	maxEnd    uint32 // end of the furthest data seen
	delivered uint32 // sequence number of the next byte to hand to the Conn
	base      uint32 // sequence number of the direction's first byte
	fin       bool
	finSeq    uint32 // the FIN's sequence number, once seen
	rst       bool
	rstSeq    uint32 // the furthest RST's sequence number
	// peerAck is the furthest the other direction acknowledged of this
	// one (RFC 9293 §3.4: every byte before it was received), to find
	// bytes sent after the last the capture holds.
	peerAck   uint32
	peerAcked bool
	// firstAck is the first acknowledgement the other direction gave of
	// this one before any of its data was seen: where it began, when the
	// handshake was captured.
	firstAck   uint32
	firstAcked bool
	acks       ackRecords // segments gopacket has not delivered yet
	queue      []chunk    // delivered by gopacket, waiting for their turn
	overlap    overlapCheck
}

// chunk is bytes, or a gap, waiting to be handed to the Conn.
type chunk struct {
	t      time.Time
	order  int64
	data   []byte
	gap    int
	end    uint32 // sequence number just after the chunk
	ack    uint32 // the other direction's bytes the chunk's segments had seen
	hasAck bool
}

// maxHeld bounds what a stream queues; past it the oldest chunks go at
// once.
const maxHeld = 8 << 20

func dirOf(d gpreassembly.TCPFlowDirection) Dir {
	if d == gpreassembly.TCPDirServerToClient {
		return BtoA
	}
	return AtoB
}

func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir gpreassembly.TCPFlowDirection, nextSeq gpreassembly.Sequence, start *bool, ac gpreassembly.AssemblerContext) bool {
	if ci.Timestamp.After(s.last) {
		s.last = ci.Timestamp
	}
	if tcp.SYN && s.info.Opener == OpenerUnknown {
		// The sender of a SYN without ACK opened the connection; the
		// sender of a SYN-ACK accepted it.
		fromA := dir == gpreassembly.TCPDirClientToServer
		if tcp.ACK == fromA {
			s.info.Opener = OpenerB
		} else {
			s.info.Opener = OpenerA
		}
	}
	if !s.opened && (tcp.SYN || len(tcp.Payload) > 0) {
		s.opened = true
		s.r.stats.Connections++
		s.r.open++
		s.info.Start = ci.Timestamp
		s.conn = s.r.handler.Open(s.info)
		if s.conn != nil {
			s.r.live[s] = struct{}{}
		}
	}
	if tcp.RST {
		s.reset = true
	}
	if tcp.FIN {
		s.fin = true
	}
	// A capture that starts mid-connection has no SYN: start at the first
	// data seen rather than wait for one that will never come; a bare ACK
	// starts nothing, so that a later SYN still starts the half afresh.
	if nextSeq == -1 && !tcp.SYN && len(tcp.Payload) > 0 {
		*start = true
	}
	s.track(dirOf(dir), tcp, ci.Timestamp)
	return !s.opened || s.conn != nil
}

// track notes where each direction's data stands and what each data
// segment acknowledged.
func (s *stream) track(d Dir, tcp *layers.TCP, t time.Time) {
	h := &s.halves[d]
	switch {
	case tcp.SYN && !h.known:
		h.known, h.expected, h.maxEnd, h.delivered, h.base = true, tcp.Seq+1, tcp.Seq+1, tcp.Seq+1, tcp.Seq+1
	case !h.known && len(tcp.Payload) > 0:
		h.known, h.expected, h.maxEnd, h.delivered, h.base = true, tcp.Seq, tcp.Seq, tcp.Seq, tcp.Seq
		if n := s.headLost(h, tcp.Seq); n > 0 && s.conn != nil {
			// In its place: replies that acknowledged those bytes wait
			// for it.
			h.delivered, h.base = h.firstAck, h.firstAck
			s.enqueue(d, chunk{t: t, gap: n, end: tcp.Seq})
		}
	}
	if o := &s.halves[1-d]; tcp.ACK && !o.known && !o.firstAcked {
		o.firstAck, o.firstAcked = tcp.Ack, true
	}
	if tcp.FIN && !h.fin {
		h.fin, h.finSeq = true, tcp.Seq+uint32(len(tcp.Payload))
	}
	if end := tcp.Seq + uint32(len(tcp.Payload)); tcp.RST && h.known && (!h.rst || int32(end-h.rstSeq) > 0) {
		h.rst, h.rstSeq = true, end
	}
	if o := &s.halves[1-d]; tcp.ACK && (!o.peerAcked || int32(tcp.Ack-o.peerAck) > 0) {
		o.peerAck, o.peerAcked = tcp.Ack, true
	}
	if n := len(tcp.Payload); n > 0 && h.known {
		end := tcp.Seq + uint32(n)
		if int32(end-h.maxEnd) > 0 {
			h.maxEnd = end
		}
		if tcp.ACK && int32(end-h.expected) > 0 {
			h.acks.add(tcp.Seq, end, tcp.Ack)
		}
		if n := h.overlap.check(s.r.seed, tcp.Seq, tcp.Payload); n > 0 && s.conn != nil {
			s.conn.Conflict(d, t, n)
		}
	}
}

// acked reports whether the other direction than d has handed over every
// byte up to ack (its FIN counts as one, once its data is all delivered).
func (s *stream) acked(d Dir, ack uint32) bool {
	o := &s.halves[1-d]
	if !o.known {
		return false
	}
	limit := o.delivered
	if o.fin && len(o.queue) == 0 && o.delivered == o.maxEnd {
		limit++
	}
	return int32(limit-ack) >= 0
}

// peerOffset says how many bytes of the other direction than d an
// acknowledgement covers, -1 when unknown.
func (s *stream) peerOffset(d Dir, ack uint32, has bool) int64 {
	o := &s.halves[1-d]
	if !has || !o.known {
		return -1
	}
	n := int32(ack - o.base)
	if n < 0 {
		return -1
	}
	return int64(n)
}

// due reports whether a chunk captured at t has waited long enough for the
// other direction's bytes.
func (s *stream) due(t time.Time) bool {
	return s.r.opts.FlushAfter <= 0 || !s.r.last.Before(t.Add(s.r.opts.FlushAfter))
}

func (s *stream) ReassembledSG(sg gpreassembly.ScatterGather, ac gpreassembly.AssemblerContext) {
	if s.conn == nil {
		return
	}
	dir, _, _, skip := sg.Info()
	d := dirOf(dir)
	n, _ := sg.Lengths()
	t := s.last
	st := sg.Stats()
	if cc, ok := ac.(*captureContext); ok && n > 0 && st.Chunks == 1 && st.Packets == 1 {
		// Only the packet just given to the assembler, in order: the
		// common case, read without copying gopacket's CaptureInfo.
		t = cc.time()
	} else if n > 0 {
		// Data waiting behind a hole was sent before the retransmission
		// that filled it: the earliest time stands for the whole run.
		t = sg.CaptureInfo(0).Timestamp
		if last := sg.CaptureInfo(n - 1).Timestamp; last.Before(t) {
			t = last
		}
	}
	h := &s.halves[d]
	h.expected += uint32(skip)
	start := h.expected
	h.expected += uint32(n)
	defer func() { h.acks.forget(h.expected) }()
	if len(s.halves[0].queue) == 0 && len(s.halves[1].queue) == 0 {
		ack, has := h.acks.ackFor(start, h.expected)
		if !has || s.acked(d, ack) || s.due(t) {
			if skip > 0 {
				s.conn.Gap(d, t, skip)
			}
			if n > 0 {
				s.conn.Data(d, t, sg.Fetch(n), s.peerOffset(d, ack, has))
			}
			h.delivered = h.expected
			return
		}
	}
	if skip > 0 {
		// Lost bytes carry no acknowledgement of their own: a gap goes as
		// soon as the bytes before it have.
		s.enqueue(d, chunk{t: t, gap: skip, end: start})
	}
	// Keep each packet's own time and acknowledgement, so that the
	// release can interleave the two directions as they crossed the wire.
	data := sg.Fetch(n)
	limit := maxRuns(n, st.Chunks)
	for off, runs := 0, 1; off < n; runs++ {
		pt := sg.CaptureInfo(off).Timestamp
		end := n
		switch {
		case runs < limit:
			end = runEnd(sg, off, n, pt)
		case runs < 2*limit:
			// Past the bound on runs by capture time, a run still ends
			// where what its bytes acknowledged changes, so that no chunk
			// carries one turn's bytes under another's acknowledgement
			// (as many runs again at most: each costs a look through
			// the records).
			end = int(h.acks.runEnd(start+uint32(off), start+uint32(n)) - start)
		}
		c := chunk{t: pt, data: bytes.Clone(data[off:end]), end: start + uint32(end)}
		c.ack, c.hasAck = h.acks.ackFor(start+uint32(off), c.end)
		s.enqueue(d, c)
		off = end
	}
	s.drain(false)
}

func (s *stream) enqueue(d Dir, c chunk) {
	s.seq++
	c.order = s.seq
	s.halves[d].queue = append(s.halves[d].queue, c)
	s.heldB += len(c.data)
	if !s.waiting {
		s.waiting = true
		s.r.waiting = append(s.r.waiting, s)
	}
}

// ready reports whether the head of d's queue may go now.
func (s *stream) ready(d Dir, force bool) bool {
	q := s.halves[d].queue
	if len(q) == 0 {
		return false
	}
	c := &q[0]
	return force || !c.hasAck || s.acked(d, c.ack) || s.due(c.t)
}

// drain hands over every chunk whose turn has come, the earlier captured
// first when both directions may go; force hands over everything.
func (s *stream) drain(force bool) {
	for {
		f := force || s.heldB > maxHeld
		r0, r1 := s.ready(AtoB, f), s.ready(BtoA, f)
		d := AtoB
		switch {
		case r0 && r1:
			a, b := &s.halves[AtoB].queue[0], &s.halves[BtoA].queue[0]
			if b.t.Before(a.t) || (b.t.Equal(a.t) && b.order < a.order) {
				d = BtoA
			}
		case r1:
			d = BtoA
		case !r0:
			return
		}
		h := &s.halves[d]
		c := h.queue[0]
		h.queue[0] = chunk{}
		h.queue = h.queue[1:]
		s.heldB -= len(c.data)
		h.delivered = c.end
		if c.gap > 0 {
			s.conn.Gap(d, c.t, c.gap)
		} else {
			s.conn.Data(d, c.t, c.data, s.peerOffset(d, c.ack, c.hasAck))
		}
	}
}

// headLost is how many bytes of h were sent before seq, its first data
// seen: its SYN was lost but the handshake was captured, and the other
// side had acknowledged less than seq before any of h's data came (the
// kernel dropped the first segments of a burst). A capture that began
// mid-connection says nothing of what came before it.
func (s *stream) headLost(h *halfState, seq uint32) int {
	if !h.firstAcked || s.info.Opener == OpenerUnknown {
		return 0
	}
	n := int32(seq - h.firstAck)
	if n <= 0 || n > maxTailLost {
		return 0
	}
	return int(n)
}

// maxTailLost bounds a loss read from acknowledgements alone: past it the
// number is not believed (an ACK of another connection, a forged one).
const maxTailLost = 1 << 30

// tailLost is how many bytes direction d sent after the last the capture
// holds (once gopacket handed over all it had): no later segment of d shows the hole (a kernel that dropped the
// end of a burst, a capture that began to miss one side), but the other
// side's acknowledgements do, and so do its own FIN's and RST's sequence
// numbers. A FIN takes one sequence number: one seen is left out; one
// unseen is taken to be the last number acknowledged when the connection
// was closed, and not to be when it is still open.
func (s *stream) tailLost(d Dir) int {
	h := &s.halves[d]
	if !h.known {
		return 0
	}
	end, known := h.expected, false
	if h.peerAcked {
		end, known = h.peerAck, true
		switch {
		case h.fin && int32(end-h.finSeq) > 0:
			end = h.finSeq
		case !h.fin && s.how == EndClosed:
			end--
		}
	}
	// A FIN or RST is sent after every byte before its sequence number,
	// also where no acknowledgement of them was captured.
	if h.fin && (!known || int32(h.finSeq-end) > 0) {
		end, known = h.finSeq, true
	}
	if h.rst && (!known || int32(h.rstSeq-end) > 0) {
		end = h.rstSeq
	}
	if h.fin && int32(end-h.finSeq) > 0 {
		end = h.finSeq // nothing is sent after a FIN: a later RST is one past it
	}
	n := int32(end - h.expected)
	if n <= 0 || n > maxTailLost {
		return 0
	}
	return int(n)
}

// maxRuns bounds the runs of a delivery of n bytes in pages pages kept
// apart by capture time. gopacket finds a byte's packet by walking the
// delivery's pages, and each run takes a binary search of such walks, so
// finding every packet's bytes behind a hole filled late would cost the
// square of their number (thousands of 1-byte segments). The runs allowed
// are what 64 page steps per byte pay for, and at least 32: thousands for
// full-sized packets, 32 for 1-byte ones. Past them the rest goes as one
// run, with the least acknowledgement of its segments, so that it waits
// for no more than any of them did.
func maxRuns(n, pages int) int {
	return max(32, 64*n/(max(pages, 1)*max(bits.Len(uint(n)), 1)))
}

// runEnd finds where the bytes captured at t, starting at off, end:
// pages of one packet share its capture time.
func runEnd(sg gpreassembly.ScatterGather, off, n int, t time.Time) int {
	lo, hi := off+1, n // the run ends somewhere in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if sg.CaptureInfo(mid).Timestamp.Equal(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (s *stream) ReassemblyComplete(ac gpreassembly.AssemblerContext) bool {
	if s.opened {
		s.r.open--
	}
	if s.r.evicting {
		s.r.stats.Evicted++
	}
	if s.conn != nil {
		s.how = EndOpen
		switch {
		case s.r.evicting:
			s.how = EndEvicted
		case s.reset:
			s.how = EndReset
		case s.fin:
			s.how = EndClosed
		}
		// gopacket completes connections in map order; they are closed
		// in the order they were opened once its flush returns.
		s.r.completed = append(s.r.completed, s)
	}
	return true
}

// end hands over what is queued, then the bytes lost at the end, and
// closes the Conn.
func (s *stream) end() {
	// Each direction's lost end goes in its place, after its last bytes:
	// what acknowledged it waits for it, as anywhere else.
	for d := range s.halves {
		if n := s.tailLost(Dir(d)); n > 0 {
			h := &s.halves[d]
			h.expected += uint32(n)
			s.enqueue(Dir(d), chunk{t: s.last, gap: n, end: h.expected})
		}
	}
	s.drain(false)
	s.drain(true)
	s.ended = true
	delete(s.r.live, s)
	s.conn.Close(s.last, s.how)
}
