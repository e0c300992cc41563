package reassembly

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string
	Ports     []uint16      // the kernel filter's ports; none: all TCP
	Duration  time.Duration // stop after this long (0: no limit)
	Count     int64         // stop after this many packets (0: no limit)
	Write     io.Writer     // a pcapng copy of every captured packet, or nil
	Filter    string        // a tcpdump filter expression for libpcap (-tags pcap builds; others take Options.Filter)
	// Started, when set, is called once the interface is open and the
	// capture has begun.
	Started func()
	// Idle, when set, is called whenever every packet read so far has
	// been analyzed: live output is flushed then, so that it shows at
	// once when traffic is light and goes in large writes in a burst.
	Idle func()
	// RingSize is the kernel's buffer for packets waiting to be read, in
	// bytes (0: DefaultRingSize, halved while the kernel refuses it):
	// what rides out a burst.
	RingSize int
}

// DefaultRingSize is the capture buffer's size when none is given: a
// 64th of the machine's memory, between 32 and 256 MiB. A burst at line
// rate is as long as the traffic that makes it, and the buffer is what
// holds the part the analysis has not taken yet: replaying the 250 MB
// corpus at 1.8 Gbit/s on two cores, 64 MiB lost packets in the views
// that write every byte and 256 MiB lost none (docs/performance.md),
// while a laptop with 4 GiB keeps 64 MiB. tcpdump's 2 MiB default is for
// writing packets to a file, not analyzing them.
func DefaultRingSize() int { return ringFor(totalMemory()) }

func ringFor(memory int) int { return min(max(memory/64, minAutoRing), 256<<20) }

// minAutoRing is where the default stops halving when the kernel will
// not give what was asked.
const minAutoRing = 32 << 20

// FilterSupported tells whether this build takes LiveOptions.Filter.
const FilterSupported = filterSupported

// LiveStats are the capture's counters, as tcpdump reports them.
type LiveStats struct {
	Captured           uint64 // packets read, kept by the filter and analyzed
	ReceivedByFilter   uint64 // packets the kernel filter passed
	DroppedByKernel    uint64 // packets the kernel dropped for lack of room
	LoopbackDuplicates uint64 // loopback's outgoing copies, left out
	RingSize           int    // the kernel's buffer, in bytes
}

// notPermitted says what a capture without the right privilege needs.
func notPermitted(iface string) error {
	exe, err := os.Executable()
	if err != nil {
		exe = "$(command -v mailtrace)"
	}
	return fmt.Errorf("capturing on %s is not permitted: run as root, or grant the capability once with: sudo setcap cap_net_raw,cap_net_admin=eip %s", iface, exe)
}

// noSuchInterface names the interfaces there are.
func noSuchInterface(name string, have []string) error {
	return fmt.Errorf("no interface %q; interfaces here: %s", name, strings.Join(have, ", "))
}

// liveSnapLen is libpcap's MAXIMUM_SNAPLEN: whole packets, even merged by
// segmentation offload.
const liveSnapLen = 262144

// liveWait bounds how long a read waits, so that stop conditions and
// flushes are looked at even when no packet comes.
const liveWait = 200 * time.Millisecond

// Live captures from an interface until ctx ends, Duration passes or
// Count packets were read, then flushes every connection (those still
// open end as open). Packets are read on a goroutine of their own, which
// empties the kernel's buffer into a bounded queue while this one
// analyzes: a burst waits in the queue, then in the kernel's buffer, and
// only past both is it dropped, and counted.
func (r *Reader) Live(ctx context.Context, o LiveOptions) (LiveStats, Stats, error) {
	var ls LiveStats
	src, err := openLive(o.Interface, o.Ports, o.Filter, o.RingSize)
	if err != nil {
		return ls, r.stats, err
	}
	ls.RingSize = src.ringSize
	if o.Started != nil {
		o.Started()
	}
	defer src.Close()
	var ng *pcapgo.NgWriter
	if o.Write != nil {
		ng, err = pcapgo.NewNgWriterInterface(o.Write,
			pcapgo.NgInterface{Name: o.Interface, LinkType: src.link, SnapLength: liveSnapLen, TimestampResolution: 9},
			pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "mailtrace", OS: runtime.GOOS, Hardware: runtime.GOARCH}})
		if err != nil {
			return ls, r.stats, fmt.Errorf("writing the capture: %v", err)
		}
	}
	r.stats.Files++
	var stop <-chan time.Time
	if o.Duration > 0 {
		timer := time.NewTimer(o.Duration)
		defer timer.Stop()
		stop = timer.C
	}
	q := newQueue(queueBatches, batchBytes)
	done := make(chan struct{})
	// Count, as tcpdump's -c, counts the packets the filter keeps: the
	// kernel's, or, with this package's filter, those it keeps here.
	fillCount := o.Count
	if r.opts.Filter != nil {
		fillCount = 0
	}
	counted := func() bool { return r.opts.Filter != nil && o.Count > 0 && ls.Captured >= uint64(o.Count) }
	go q.fill(src, done, fillCount)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var werr, cerr error
	analyze := func(b *batch) {
		for _, p := range b.pkts {
			if counted() {
				break
			}
			data := b.buf[p.start:p.end]
			// Captured and -w count and keep what the filter keeps, as
			// tcpdump's do.
			if r.Packet(src.link, data, p.time()) {
				ls.Captured++
				if ng != nil && werr == nil {
					werr = ng.WritePacket(p.info(), data)
				}
			}
		}
		if b.err != nil {
			cerr = b.err
		}
	}
loop:
	for {
		select {
		case b, ok := <-q.full:
			if !ok {
				break loop // the count was reached, or the capture failed
			}
			analyze(b)
			q.free <- b
			if counted() {
				break loop
			}
			if len(q.full) == 0 && o.Idle != nil {
				o.Idle()
			}
		case <-tick.C:
			// The kernel's count of packets it dropped, read once a
			// second: every connection open while it rose may lack
			// more than its gaps show (its start or its end, where
			// nothing later tells how much).
			r.readDrops(src)
			// Live, the wall is the clock when no packet comes: an idle
			// connection's missing bytes are given up on. But only up to
			// when the ring was last found empty, and only once the
			// queue is too: a segment captured before then and still
			// waiting to be analyzed is not lost (it would be taken for
			// a gap when the burst that held it back is over).
			drained := q.drained.Load()
			if drained != 0 && len(q.full) == 0 {
				if at := time.Unix(0, drained).UTC(); at.After(r.last) {
					r.last = at
				}
				r.flushByCaptureTime()
			}
			if ng != nil && werr == nil {
				werr = ng.Flush()
			}
		case <-stop:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	// The reader goroutine stops within liveWait; what it read by then
	// is analyzed too.
	close(done)
	for b := range q.full {
		analyze(b)
	}
	r.readDrops(src)
	ls.ReceivedByFilter, ls.DroppedByKernel, ls.LoopbackDuplicates = src.received, src.dropped, src.outgoing
	r.Finish()
	if cerr != nil {
		return ls, r.stats, fmt.Errorf("capturing on %s: %v", o.Interface, cerr)
	}
	if ng != nil && werr == nil {
		werr = ng.Flush()
	}
	if werr != nil {
		return ls, r.stats, fmt.Errorf("writing the capture: %v", werr)
	}
	return ls, r.stats, nil
}

// readDrops reads the capture's counters and tells the connections open
// if the kernel dropped packets since they were last read.
func (r *Reader) readDrops(src *packetSocket) {
	before := src.dropped
	src.updateStats()
	if src.dropped > before {
		r.packetsDropped()
	}
}

// fill reads packets into free batches until done is closed, count
// packets were read or the capture fails; then it closes full. A batch
// goes as soon as the capture has nothing more ready, so packets reach
// the views as they come.
func (q *queue) fill(src *packetSocket, done <-chan struct{}, count int64) {
	defer close(q.full)
	var n int64
	for {
		b := q.take(done)
		if b == nil {
			return
		}
		wait := liveWait
		var empty int64 // when the ring had nothing more, if it came to that
		for !q.filled(b) && (count <= 0 || n < count) {
			data, ci, ok, err := src.next(wait)
			if err != nil {
				b.err = err
				break
			}
			if !ok {
				empty = time.Now().UnixNano()
				break
			}
			b.add(data, ci, src.link)
			n++
			if !batches {
				break
			}
			wait = 0
		}
		if len(b.pkts) == 0 && b.err == nil {
			q.free <- b // nothing came: wait again
			if empty != 0 {
				q.drained.Store(empty)
			}
			continue
		}
		if !q.send(b, done) || b.err != nil || count > 0 && n >= count {
			return
		}
		if empty != 0 {
			q.drained.Store(empty) // after the batch: what it holds is handed over
		}
	}
}
