package reassembly

import (
	"net/netip"
	"sort"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// IPv6 datagrams are put back together from their fragments as RFC 8200
// §4.5 says a destination does, so that TCP data sent in fragments is
// read, not shown as lost (gopacket has a defragmenter for IPv4 only).
// Fragments that overlap are dropped with their datagram (RFC 5722), as
// are those of a datagram not whole within 60 seconds of capture time.
const (
	ip6FragTimeout  = 60 * time.Second
	ip6MaxDatagram  = 65535   // a fragmented datagram's payload, at most
	ip6MaxHeld      = 4 << 20 // bytes of fragments held in all
	ip6MaxDatagrams = 4096    // datagrams being put together at once
)

type ip6Key struct {
	src, dst netip.Addr
	id       uint32
}

type ip6Piece struct {
	off  int
	data []byte
}

type ip6Datagram struct {
	seq    uint64 // its place in ip6Defrag.order
	first  time.Time
	pieces []ip6Piece
	held   int
	total  int // the payload's length once the last fragment came; -1 before
	next   layers.IPProtocol
}

// ip6Defrag holds the fragments of datagrams not yet whole.
type ip6Defrag struct {
	m       map[ip6Key]*ip6Datagram
	held    int
	dropped int64 // fragments given up: overlapping, late, past the bounds
	// order lists the datagrams as they began, for the oldest to be given
	// up first in constant time however many are held (a flood of
	// fragments of new datagrams must not cost a scan each); entries whose
	// datagram is gone are passed over as they come up.
	order []ip6Entry
	seq   uint64
}

type ip6Entry struct {
	k   ip6Key
	seq uint64
}

// add takes one fragment: off in bytes, more set but on the last one,
// next the header after the Fragment header (meaningful on the first).
// It returns the payload once the datagram is whole, and what it starts
// with.
func (f *ip6Defrag) add(k ip6Key, off int, more bool, next layers.IPProtocol, data []byte, ts time.Time) ([]byte, layers.IPProtocol, bool) {
	if f.m == nil {
		f.m = map[ip6Key]*ip6Datagram{}
	}
	d := f.m[k]
	if d != nil && ts.Sub(d.first) > ip6FragTimeout {
		f.drop(k, d)
		d = nil
	}
	if off+len(data) > ip6MaxDatagram || (more && len(data)%8 != 0) {
		if d != nil {
			f.drop(k, d)
		}
		f.dropped++
		return nil, 0, false
	}
	if d == nil {
		if len(f.m) >= ip6MaxDatagrams {
			f.dropOldest()
		}
		f.seq++
		d = &ip6Datagram{seq: f.seq, first: ts, total: -1}
		f.m[k] = d
		f.order = append(f.order, ip6Entry{k, f.seq})
		if len(f.order) > 2*len(f.m)+64 {
			f.compact() // datagrams that were whole left their entries
		}
	}
	for _, p := range d.pieces {
		if off < p.off+len(p.data) && p.off < off+len(data) {
			f.drop(k, d) // overlapping fragments: the datagram is not trusted
			f.dropped++
			return nil, 0, false
		}
	}
	for f.held+len(data) > ip6MaxHeld && len(f.m) > 1 {
		f.dropOldest()
		if f.m[k] == nil { // it was the oldest
			f.dropped++
			return nil, 0, false
		}
	}
	d.pieces = append(d.pieces, ip6Piece{off: off, data: append([]byte(nil), data...)})
	d.held += len(data)
	f.held += len(data)
	if off == 0 {
		d.next = next
	}
	if !more {
		d.total = off + len(data)
	}
	if d.total < 0 || d.held != d.total {
		return nil, 0, false
	}
	// Whole: the pieces do not overlap and add up to the total.
	sort.Slice(d.pieces, func(i, j int) bool { return d.pieces[i].off < d.pieces[j].off })
	whole := make([]byte, 0, d.total)
	for _, p := range d.pieces {
		whole = append(whole, p.data...)
	}
	f.held -= d.held
	delete(f.m, k)
	return whole, d.next, true
}

func (f *ip6Defrag) drop(k ip6Key, d *ip6Datagram) {
	f.dropped += int64(len(d.pieces))
	f.held -= d.held
	delete(f.m, k)
}

func (f *ip6Defrag) dropOldest() {
	for len(f.order) > 0 {
		e := f.order[0]
		f.order = f.order[1:]
		if d := f.m[e.k]; d != nil && d.seq == e.seq {
			f.drop(e.k, d)
			break
		}
	}
	if len(f.order) == 0 {
		f.order = nil // let the array go once drained
	}
}

// compact keeps the entries of order whose datagram is still held.
func (f *ip6Defrag) compact() {
	kept := f.order[:0]
	for _, e := range f.order {
		if d := f.m[e.k]; d != nil && d.seq == e.seq {
			kept = append(kept, e)
		}
	}
	f.order = kept
}

// left counts the fragments of datagrams still not whole, at the end of
// the input, and lets them go.
func (f *ip6Defrag) left() int64 {
	n := f.dropped
	for k, d := range f.m {
		n += int64(len(d.pieces))
		f.drop(k, d)
	}
	f.dropped, f.order = 0, nil
	return n
}
