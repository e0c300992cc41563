package reassembly

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The live capture's queue: queueBatches batches of up to batchBytes or
// batchPackets each.
const (
	queueBatches = 16
	batchBytes   = 1 << 20
	batchPackets = 1024
)

// queue hands batches of copied packets from the goroutine that reads
// them (a live capture's, a file's) to the analysis and back.
type queue struct {
	free, full chan *batch
	size       int // a batch's bytes, about
	// drained is when the reader last found nothing more to read, after
	// it had handed over every packet read before (UnixNano, 0: never):
	// every packet captured before it is in full or analyzed. Live, the
	// clock may move only that far (Live's tick).
	drained atomic.Int64
}

type batch struct {
	buf  []byte
	pkts []captured
	err  error
}

// record is what a capture file says of a packet besides its bytes.
type record struct {
	sec            int64 // a stamp's, spelt out: see captured
	nsec           int32
	capLen, length uint32
	link           layers.LinkType
}

// captured is a packet of a batch: what the analysis reads of it, and
// where its bytes are in the batch. Small and free of pointers: the
// reader's goroutine writes a thousand of them per batch and the
// analysis reads them on another core, so each cache line costs a
// transfer between cores (with 96 bytes of CaptureInfo and all, a fifth
// of the reader's time in a CPU profile), and none needs a write
// barrier. 32 bytes: a stamp inside record would make it 40.
type captured struct {
	record
	start, end int32
}

// info is the packet's time and lengths, as the capture gave them.
func (p *captured) info() gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: p.time(), CaptureLength: int(p.capLen), Length: int(p.length)}
}

func (p *captured) time() time.Time { return stamp{p.sec, p.nsec}.time() }

// stamp is a capture time as two integers, for the records made for
// every packet (captured, captureContext): no pointer for the collector
// to follow, no write barrier. Every source gives times in UTC, and time
// gives them back so.
type stamp struct {
	sec  int64
	nsec int32
}

func stampOf(t time.Time) stamp { return stamp{t.Unix(), int32(t.Nanosecond())} }

// normal is the time sec seconds and nsec nanoseconds after 1970, nsec
// taken into the seconds where it is a second or more, or negative, as
// time.Unix takes it.
func normal(sec, nsec int64) (int64, int32) {
	if nsec >= 0 && nsec < 1e9 {
		return sec, int32(nsec)
	}
	s := stampOf(time.Unix(sec, nsec))
	return s.sec, s.nsec
}

func (s stamp) time() time.Time { return time.Unix(s.sec, int64(s.nsec)).UTC() }

// newQueue makes a queue of n batches of about size bytes each.
func newQueue(n, size int) *queue {
	q := &queue{free: make(chan *batch, n), full: make(chan *batch, n), size: size}
	for range n {
		q.free <- &batch{buf: make([]byte, 0, size)}
	}
	return q
}

// take is a free batch, emptied; nil once done is closed.
func (q *queue) take(done <-chan struct{}) *batch {
	select {
	case <-done:
		return nil
	default:
	}
	select {
	case b := <-q.free:
		b.buf, b.pkts, b.err = b.buf[:0], b.pkts[:0], nil
		return b
	case <-done:
		return nil
	}
}

// filled reports whether b has reached the queue's bounds.
func (q *queue) filled(b *batch) bool { return len(b.pkts) >= batchPackets || len(b.buf) >= q.size }

// add copies a packet into b.
func (b *batch) add(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	at := stampOf(ci.Timestamp)
	b.addPacket(data, record{sec: at.sec, nsec: at.nsec,
		capLen: uint32(min(ci.CaptureLength, math.MaxUint32)), length: uint32(min(ci.Length, math.MaxUint32)), link: link})
}

// addPacket copies a packet a file gave into b.
func (b *batch) addPacket(data []byte, p record) {
	start := len(b.buf)
	b.buf = append(b.buf, data...)
	b.pkts = append(b.pkts, captured{record: p, start: int32(start), end: int32(len(b.buf))})
}

// send hands b to the analysis; false once done is closed.
func (q *queue) send(b *batch, done <-chan struct{}) bool {
	select {
	case q.full <- b:
		return true
	case <-done:
		return false
	}
}
