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
	Filter    string        // a tcpdump filter expression (-tags pcap builds only)
	// Started, when set, is called once the interface is open and the
	// capture has begun.
	Started func()
}

// FilterSupported tells whether this build takes LiveOptions.Filter.
const FilterSupported = filterSupported

// LiveStats are the capture's counters, as tcpdump reports them.
type LiveStats struct {
	Captured           uint64 // packets read and analyzed
	ReceivedByFilter   uint64 // packets the kernel filter passed
	DroppedByKernel    uint64 // packets the kernel dropped for lack of room
	LoopbackDuplicates uint64 // loopback's outgoing copies, left out
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
// open end as open).
func (r *Reader) Live(ctx context.Context, o LiveOptions) (LiveStats, Stats, error) {
	var ls LiveStats
	src, err := openLive(o.Interface, o.Ports, o.Filter)
	if err != nil {
		return ls, r.stats, err
	}
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
	var deadline time.Time
	if o.Duration > 0 {
		deadline = time.Now().Add(o.Duration)
	}
	lastTick := time.Now()
	var werr error
	for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) && (o.Count <= 0 || int64(ls.Captured) < o.Count) {
		data, ci, ok, err := src.next(liveWait)
		if err != nil {
			return ls, r.stats, fmt.Errorf("capturing on %s: %v", o.Interface, err)
		}
		if ok {
			ls.Captured++
			if ng != nil && werr == nil {
				werr = ng.WritePacket(ci, data)
			}
			r.Packet(src.link, data, ci.Timestamp)
		}
		// Live, capture time is the clock: an idle connection's missing
		// bytes are given up on even when no packet comes.
		if now := time.Now().UTC(); now.Sub(lastTick) >= time.Second {
			lastTick = now
			if now.After(r.last) {
				r.last = now
			}
			r.flushByCaptureTime()
			if ng != nil && werr == nil {
				werr = ng.Flush()
			}
		}
	}
	src.updateStats()
	ls.ReceivedByFilter, ls.DroppedByKernel, ls.LoopbackDuplicates = src.received, src.dropped, src.outgoing
	r.Finish()
	if ng != nil && werr == nil {
		werr = ng.Flush()
	}
	if werr != nil {
		return ls, r.stats, fmt.Errorf("writing the capture: %v", werr)
	}
	return ls, r.stats, nil
}
