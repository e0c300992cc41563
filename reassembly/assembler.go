package reassembly

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/netip"
	"os"
	"sort"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	gpreassembly "github.com/gopacket/gopacket/reassembly"
)

// Dir is the direction of a chunk of bytes relative to the connection's
// first packet seen: AtoB flows the same way as that packet.
type Dir uint8

const (
	AtoB Dir = iota
	BtoA
)

// Opener says which endpoint sent the connection's SYN, if it was seen.
type Opener uint8

const (
	OpenerUnknown Opener = iota
	OpenerA
	OpenerB
)

// ConnInfo describes a TCP connection when it is first seen.
type ConnInfo struct {
	A, B   netip.AddrPort // A sent the first packet seen
	Start  time.Time
	Opener Opener
}

// End says how a connection ended.
type End uint8

const (
	EndOpen    End = iota // still open when the capture ended
	EndClosed             // FIN seen
	EndReset              // RST seen
	EndEvicted            // given up to stay within MaxOpen
)

// Conn receives the reassembled bytes of one connection, each direction in
// sequence order, the two merged as their acknowledgements say. Data's
// slice is only valid during the call; acked is how many bytes of the
// other direction the sender had acknowledged when it sent b (counted from
// that direction's first byte), or -1 when unknown.
type Conn interface {
	Data(dir Dir, t time.Time, b []byte, acked int64)
	Gap(dir Dir, t time.Time, n int)
	// Conflict reports a retransmission whose n bytes differ from those
	// first sent, which were kept: a broken stack, or an evasion attempt.
	Conflict(dir Dir, t time.Time, n int)
	Close(t time.Time, how End)
}

// Handler is told of every TCP connection; returning nil ignores it.
type Handler interface {
	Open(info ConnInfo) Conn
}

// DatagramHandler is a Handler that also wants the UDP datagrams to or
// from port 53 (DNS); payload is only valid during the call.
type DatagramHandler interface {
	Datagram(src, dst netip.AddrPort, t time.Time, payload []byte)
}

// Options bound reassembly in capture time and memory.
type Options struct {
	// FlushAfter is how long, in capture time, out-of-order data waits for
	// missing bytes before they are declared lost.
	FlushAfter time.Duration
	// IdleTimeout closes connections idle this long in capture time; zero
	// keeps them open until the end of the input.
	IdleTimeout time.Duration
	// MaxPagesPerConn and MaxPagesTotal bound buffered out-of-order pages
	// (about 1900 bytes each); zero means unbounded.
	MaxPagesPerConn, MaxPagesTotal int
	// MaxOpen bounds the connections followed at once: past it, those
	// idle longest are given up (EndEvicted). Zero means unbounded.
	MaxOpen int
	// Secrets, when set, is handed the TLS key log of each pcapng
	// Decryption Secrets Block, as the file is read and before the
	// packets that follow the block.
	Secrets func(keylog []byte)
	// Filter, when set, keeps only the packets it matches (Stats.Filtered
	// counts the others).
	Filter *Filter
}

// PageBytes is the size of gopacket's pages of out-of-order data.
const PageBytes = 1900

// DefaultOptions are the documented defaults.
func DefaultOptions() Options {
	return Options{FlushAfter: 2 * time.Second, MaxPagesPerConn: 4096, MaxPagesTotal: 16384, MaxOpen: 10000}
}

// Stats counts what the input held.
type Stats struct {
	Files       int
	Packets     int64
	Bytes       int64
	TCPPackets  int64
	NotTCP      int64
	Malformed   int64
	UnknownLink int64
	Connections int64
	Evicted     int64 // connections given up to stay within MaxOpen
	Truncated   int64 // packets cut by the capture's snap length
	Filtered    int64 // packets Options.Filter did not keep
	// IPv6Fragments counts fragments of IPv6 datagrams that could not be
	// put together (overlapping, late, past the bounds, or never whole):
	// TCP data they carried shows as gaps. Those put together are read.
	IPv6Fragments int64
	// FutureTimes counts packets stamped after year 9999, read as
	// stamped at its end.
	FutureTimes int64
	// DNSPackets counts UDP datagrams to or from port 53.
	DNSPackets int64
}

// Input is one capture to read: a path, or "-" for Reader.
type Input struct {
	Path   string
	Reader io.Reader // used when Path is "-"
}

// Warning is a problem that left a partial result.
type Warning struct {
	Path string
	Err  error
}

func (w Warning) Error() string { return fmt.Sprintf("%s: %v", w.Path, w.Err) }

// ErrNoPackets is a capture that holds a valid header and no packet.
var ErrNoPackets = errors.New("capture holds no packets")

// CutShort is a capture whose file ends, or turns unreadable, after
// Packets packets: they are read, the rest is lost.
type CutShort struct {
	Packets int64
	Err     error
}

func (c *CutShort) Error() string {
	return fmt.Sprintf("capture cut short after %d packets: %v", c.Packets, c.Err)
}
func (c *CutShort) Unwrap() error { return c.Err }

// FileError is a capture that could not be read at all.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Reader reassembles the TCP connections of one or more captures, read one
// after the other as a single trace.
type Reader struct {
	opts     Options
	handler  Handler
	warn     func(Warning)
	progress func(Progress)
	read     int64 // bytes read of the current file
	dec      *decoder
	asm      *gpreassembly.Assembler
	stats    Stats
	last     time.Time
	flushed  time.Time
	open     int  // connections opened and not yet complete
	evicting bool // connections completing now are being given up
	streams  int64
	// waiting lists the streams with bytes queued for the other
	// direction's, in the order they began to wait.
	waiting []*stream
	// completed lists the streams gopacket completed during its last
	// call, to be closed in the order they were opened.
	completed []*stream
	// live holds the streams handed to a Conn and not ended, to tell
	// them of packets a live capture dropped (at most MaxOpen and what
	// waits to be evicted).
	live map[*stream]struct{}
	// seed keys the hashes that tell a faithful retransmission from
	// one with other bytes (overlapCheck).
	seed maphash.Seed
	// src and dst are the addresses of the packet being assembled, for
	// the stream a new connection's first packet opens (factory.New).
	src, dst netip.Addr
}

// DropNoter is a Conn that wants to know that the capture dropped packets
// while it was open: what it holds may lack more than its gaps say.
type DropNoter interface {
	PacketsDropped()
}

// packetsDropped tells every connection open now that packets were
// dropped.
func (r *Reader) packetsDropped() {
	for s := range r.live {
		if d, ok := s.conn.(DropNoter); ok {
			d.PacketsDropped()
		}
	}
}

// NewReader makes a Reader that pushes into h; warn receives problems that
// leave a partial result.
func NewReader(opts Options, h Handler, warn func(Warning)) *Reader {
	r := &Reader{opts: opts, handler: h, warn: warn, dec: newDecoder(), live: map[*stream]struct{}{}, seed: maphash.MakeSeed()}
	pool := gpreassembly.NewStreamPool(&factory{r: r})
	r.asm = gpreassembly.NewAssembler(pool)
	r.asm.MaxBufferedPagesPerConnection = opts.MaxPagesPerConn
	r.asm.MaxBufferedPagesTotal = opts.MaxPagesTotal
	return r
}

// Progress is how far the reading of a file has come.
type Progress struct {
	Path        string
	Read, Size  int64 // bytes; Size is 0 when unknown (standard input)
	Connections int64
}

// OnProgress has f told of the reading's progress every few thousand
// packets.
func (r *Reader) OnProgress(f func(Progress)) { r.progress = f }

// ReadAll reads every input then flushes all connections. A file that is
// not a capture stops the run with a *FileError; a capture cut short is
// read up to the cut and reported as a Warning.
func (r *Reader) ReadAll(ctx context.Context, inputs []Input) (Stats, error) {
	for _, in := range inputs {
		if err := r.readOne(ctx, in); err != nil {
			r.Finish()
			return r.stats, err
		}
	}
	r.Finish()
	return r.stats, nil
}

func (r *Reader) readOne(ctx context.Context, in Input) error {
	r.read = 0
	var size int64
	if in.Path != "-" {
		if st, err := os.Stat(in.Path); err == nil {
			size = st.Size()
		}
	}
	src, closer, err := openPath(in.Path, in.Reader, &r.read, r.opts.Secrets)
	if err != nil {
		return &FileError{Path: in.Path, Err: err}
	}
	defer closer.Close()
	r.stats.Files++
	// The file is read (decompressed, its blocks parsed) on a goroutine
	// of its own, a batch ahead of the reassembly and the parsers.
	done := make(chan struct{})
	q := readAhead(src, done)
	defer func() {
		close(done)
		if ctx.Err() != nil {
			// The reader may be blocked on input that is not coming (a
			// pipe left open): it is left to end with it.
			return
		}
		for range q.full {
		}
	}()
	var n int64
	for {
		var b *batch
		select {
		case b = <-q.full:
		case <-ctx.Done():
			return ctx.Err() // also while waiting for input
		}
		if b == nil {
			return nil // the reader closed the queue
		}
		for _, p := range b.pkts {
			n++
			if r.progress != nil && n&4095 == 0 {
				r.progress(Progress{Path: in.Path, Read: atomic.LoadInt64(&r.read), Size: size, Connections: r.stats.Connections})
			}
			if p.capLen < p.length {
				r.stats.Truncated++
			}
			r.Packet(p.link, b.buf[p.start:p.end], p.time())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := b.err; err != nil {
			if w, ok := src.(interface{ warnings() []string }); ok && r.warn != nil {
				for _, text := range w.warnings() {
					r.warn(Warning{Path: in.Path, Err: errors.New(text)})
				}
			}
			if errors.Is(err, io.EOF) {
				if n == 0 && r.warn != nil {
					r.warn(Warning{Path: in.Path, Err: ErrNoPackets})
				}
				return nil
			}
			if r.warn != nil {
				r.warn(Warning{Path: in.Path, Err: &CutShort{Packets: n, Err: err}})
			}
			return nil
		}
		q.free <- b
	}
}

// readAhead reads packets from src into batches until done is closed or
// src ends (the last batch carries its error); then it closes full.
func readAhead(src packetSource, done <-chan struct{}) *queue {
	// A few small batches: enough to keep both goroutines busy, little
	// enough not to show in memory.
	q := newQueue(4, 256<<10)
	go func() {
		defer close(q.full)
		for {
			b := q.take(done)
			if b == nil {
				return
			}
			for !q.filled(b) {
				data, p, err := src.next()
				if err != nil {
					b.err = err
					break
				}
				b.addPacket(data, p)
			}
			if !q.send(b, done) || b.err != nil {
				return
			}
		}
	}()
	return q
}

// lastTime is the latest time JSON (RFC 3339) can write; pcapng's 64-bit
// time stamps go further.
var lastTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// Packet decodes and reassembles one captured frame; it says false when
// Options.Filter left it out.
func (r *Reader) Packet(link layers.LinkType, data []byte, ts time.Time) bool {
	if ts.After(lastTime) {
		ts = lastTime
		r.stats.FutureTimes++
	}
	r.stats.Packets++
	r.stats.Bytes += int64(len(data))
	seg, res := r.dec.decode(link, data, ts)
	switch res {
	case notTCP, fragmentHeld:
		r.stats.NotTCP++
		return true
	case unknownLink:
		r.stats.UnknownLink++
		return true
	case malformed:
		r.stats.Malformed++
		return true
	}
	if f := r.opts.Filter; f != nil && !keeps(f, seg, res) {
		r.stats.Filtered++
		return false
	}
	switch res {
	case dnsDatagram:
		r.stats.DNSPackets++
		if h, ok := r.handler.(DatagramHandler); ok {
			h.Datagram(netip.AddrPortFrom(seg.src.Unmap(), seg.udpSrc), netip.AddrPortFrom(seg.dst.Unmap(), seg.udpDst), ts, seg.payload)
		}
		return true
	}
	r.stats.TCPPackets++
	if ts.After(r.last) {
		r.last = ts
	}
	r.src, r.dst = seg.src, seg.dst
	r.asm.AssembleWithContext(seg.netFlow, seg.tcp, newCaptureContext(ts))
	r.endCompleted()
	r.flushByCaptureTime()
	if r.opts.MaxOpen > 0 && r.open > r.opts.MaxOpen {
		r.evict()
	}
	return true
}

// keeps tells whether filter f keeps the TCP segment or DNS datagram seg.
func keeps(f *Filter, seg segment, res decodeResult) bool {
	if res == dnsDatagram {
		return f.Match(17, netip.AddrPortFrom(seg.src, seg.udpSrc), netip.AddrPortFrom(seg.dst, seg.udpDst))
	}
	return f.Match(6, netip.AddrPortFrom(seg.src, uint16(seg.tcp.SrcPort)), netip.AddrPortFrom(seg.dst, uint16(seg.tcp.DstPort)))
}

// evict gives up the connections idle longest, down to 90% of MaxOpen:
// a capture full of connections that never close must not take memory
// without bound.
func (r *Reader) evict() {
	r.evicting = true
	defer func() { r.evicting = false }()
	target := r.opts.MaxOpen * 9 / 10
	for idle := 10 * time.Minute; r.open > target && idle >= time.Millisecond; idle /= 4 {
		r.asm.FlushWithOptions(gpreassembly.FlushOptions{T: r.last.Add(-r.opts.FlushAfter), TC: r.last.Add(-idle)})
		r.endCompleted()
	}
}

// endCompleted closes the connections gopacket completed, in the order
// they were opened, so that output does not depend on its map order.
func (r *Reader) endCompleted() {
	if len(r.completed) == 0 {
		return
	}
	sort.Slice(r.completed, func(i, j int) bool { return r.completed[i].id < r.completed[j].id })
	for _, s := range r.completed {
		s.end()
	}
	clear(r.completed)
	r.completed = r.completed[:0]
}

// releaseDue hands over the queued bytes whose wait for the other
// direction is over.
func (r *Reader) releaseDue() {
	kept := r.waiting[:0]
	for _, s := range r.waiting {
		if !s.ended {
			s.drain(false)
		}
		if s.ended || len(s.halves[0].queue)+len(s.halves[1].queue) == 0 {
			s.waiting = false
			continue
		}
		kept = append(kept, s)
	}
	clear(r.waiting[len(kept):])
	r.waiting = kept
}

// flushByCaptureTime gives up on missing bytes older than FlushAfter, by
// the packets' own clock, never the wall clock: reading a file must give
// the same result however fast it is read.
func (r *Reader) flushByCaptureTime() {
	if r.opts.FlushAfter <= 0 || r.last.Sub(r.flushed) < r.opts.FlushAfter/2 {
		return
	}
	opt := gpreassembly.FlushOptions{T: r.last.Add(-r.opts.FlushAfter)}
	if r.opts.IdleTimeout > 0 {
		opt.TC = r.last.Add(-r.opts.IdleTimeout)
	}
	r.asm.FlushWithOptions(opt)
	r.endCompleted()
	r.releaseDue()
	// RFC 791's reassembly timer is at most a few minutes; 30 s of
	// capture time bounds what incomplete datagrams hold.
	r.dec.defrag.DiscardOlderThan(r.last.Add(-30 * time.Second))
	r.flushed = r.last
}

// Finish pushes out everything still buffered and closes every connection.
func (r *Reader) Finish() {
	r.asm.FlushAll()
	r.endCompleted()
	r.stats.IPv6Fragments += r.dec.defrag6.left()
}

// Add adds the figures of another read, for traces read apart.
func (s *Stats) Add(o Stats) {
	s.Files += o.Files
	s.Packets += o.Packets
	s.Bytes += o.Bytes
	s.TCPPackets += o.TCPPackets
	s.NotTCP += o.NotTCP
	s.Malformed += o.Malformed
	s.UnknownLink += o.UnknownLink
	s.Connections += o.Connections
	s.Evicted += o.Evicted
	s.Truncated += o.Truncated
	s.IPv6Fragments += o.IPv6Fragments
	s.FutureTimes += o.FutureTimes
	s.DNSPackets += o.DNSPackets
	s.Filtered += o.Filtered
}
