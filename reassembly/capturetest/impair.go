package capturetest

import (
	"net/netip"
	"time"
)

// The impairments below return new slices and leave their input alone.

// Split cuts every payload into segments of at most n bytes, as a path
// with a tiny MSS (or an attacker) would.
func Split(segs []Segment, n int) []Segment {
	var out []Segment
	for _, s := range segs {
		if len(s.Payload) <= n {
			out = append(out, s)
			continue
		}
		for off := 0; off < len(s.Payload); off += n {
			part := s
			part.Payload = s.Payload[off:min(off+n, len(s.Payload))]
			part.Seq = s.Seq + uint32(off)
			part.FIN = s.FIN && off+n >= len(s.Payload)
			out = append(out, part)
		}
	}
	return out
}

// SwapNeighbours exchanges each pair of consecutive data segments of the
// same direction, so the second arrives first.
func SwapNeighbours(segs []Segment) []Segment {
	out := append([]Segment(nil), segs...)
	for i := 0; i+1 < len(out); i++ {
		a, b := out[i], out[i+1]
		if len(a.Payload) > 0 && len(b.Payload) > 0 && a.Src == b.Src && !a.FIN && !b.FIN {
			a.Time, b.Time = b.Time, a.Time
			out[i], out[i+1] = b, a
			i++
		}
	}
	return out
}

// SwapOpposite exchanges each pair of consecutive data segments of
// opposite directions, as a tap merging the two directions by different
// paths records them: a reply can be captured before its command. The
// capture times stay in capture order.
func SwapOpposite(segs []Segment) []Segment {
	out := append([]Segment(nil), segs...)
	for i := 0; i+1 < len(out); i++ {
		a, b := out[i], out[i+1]
		if len(a.Payload) > 0 && len(b.Payload) > 0 && a.Src != b.Src {
			a.Time, b.Time = b.Time, a.Time
			out[i], out[i+1] = b, a
			i++
		}
	}
	return out
}

// Delay records every data segment sent by from k packets later than it
// crossed the wire, as a capture point on a slower path would; the capture
// times stay in capture order.
func Delay(segs []Segment, from netip.AddrPort, k int) []Segment {
	out := append([]Segment(nil), segs...)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].Src != from || len(out[i].Payload) == 0 {
			continue
		}
		to := min(i+k, len(out)-1)
		s := out[i]
		copy(out[i:to], out[i+1:to+1])
		out[to] = s
	}
	for i := range out {
		out[i].Time = segs[i].Time
	}
	return out
}

// Duplicate sends every data segment twice, as a retransmission would.
func Duplicate(segs []Segment) []Segment {
	var out []Segment
	for _, s := range segs {
		out = append(out, s)
		if len(s.Payload) > 0 {
			d := s
			d.Time = s.Time.Add(time.Microsecond)
			out = append(out, d)
		}
	}
	return out
}

// OverlapRetransmit sends, just before each data segment that follows
// another of the same direction, a retransmission covering the second half
// of the earlier one and the first half of the later one, with the same
// bytes: the receiver sees overlapping data out of step with the stream.
func OverlapRetransmit(segs []Segment) []Segment {
	var out []Segment
	last := map[netip.AddrPort]Segment{} // previous data segment per sender
	for _, n := range segs {
		if p, ok := last[n.Src]; ok && len(p.Payload) >= 2 && len(n.Payload) >= 2 && !p.FIN && n.Seq == p.Seq+uint32(len(p.Payload)) {
			half := len(p.Payload) / 2
			r := p
			r.Time = n.Time.Add(-time.Nanosecond)
			r.Seq = p.Seq + uint32(half)
			r.FIN = false
			r.Payload = append(append([]byte(nil), p.Payload[half:]...), n.Payload[:len(n.Payload)/2]...)
			out = append(out, r)
		}
		out = append(out, n)
		if len(n.Payload) > 0 {
			last[n.Src] = n
		}
	}
	return out
}

// Drop leaves out the segments for which drop returns true.
func Drop(segs []Segment, drop func(i int, s Segment) bool) []Segment {
	var out []Segment
	for i, s := range segs {
		if !drop(i, s) {
			out = append(out, s)
		}
	}
	return out
}

// ShiftSeq adds delta to the sequence numbers sent by from (and to the
// acknowledgments sent to it), so that a stream can be made to wrap.
func ShiftSeq(segs []Segment, from netip.AddrPort, delta uint32) []Segment {
	out := append([]Segment(nil), segs...)
	for i := range out {
		if out[i].Src == from {
			out[i].Seq += delta
		} else if out[i].Dst == from && out[i].ACK {
			out[i].Ack += delta
		}
	}
	return out
}

// MovePort replaces port from by to on both sides of every segment.
func MovePort(segs []Segment, from, to uint16) []Segment {
	out := append([]Segment(nil), segs...)
	for i := range out {
		if out[i].Src.Port() == from {
			out[i].Src = netip.AddrPortFrom(out[i].Src.Addr(), to)
		}
		if out[i].Dst.Port() == from {
			out[i].Dst = netip.AddrPortFrom(out[i].Dst.Addr(), to)
		}
	}
	return out
}
