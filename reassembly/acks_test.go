package reassembly

import (
	"math/rand/v2"
	"testing"
)

// naiveAcks is ackRecords as it was before records in order were told
// apart: every question looks through every record.
type naiveAcks struct{ list []ackRecord }

func (n *naiveAcks) add(seq, end, ack uint32) {
	if last := len(n.list) - 1; last >= 0 && n.list[last].end == seq && n.list[last].ack == ack {
		n.list[last].end = end
		return
	}
	if len(n.list) == maxAckRecords {
		n.list = append(n.list[:0], n.list[1:]...)
	}
	n.list = append(n.list, ackRecord{seq: seq, end: end, ack: ack})
}

func (n *naiveAcks) ackFor(from, to uint32) (ack uint32, ok bool) {
	for _, a := range n.list {
		if int32(a.end-from) > 0 && int32(to-a.seq) > 0 && (!ok || int32(a.ack-ack) < 0) {
			ack, ok = a.ack, true
		}
	}
	return ack, ok
}

func (n *naiveAcks) forget(expected uint32) {
	kept := n.list[:0]
	for _, a := range n.list {
		if int32(a.end-expected) > 0 {
			kept = append(kept, a)
		}
	}
	n.list = kept
}

// TestAckRecordsAsLookingThroughAll: whatever the segments, in order,
// swapped, retransmitted, across the wrap of sequence numbers, past the
// bound of records, the records answer as looking through them all does.
func TestAckRecordsAsLookingThroughAll(t *testing.T) {
	for _, tc := range []struct {
		name     string
		disorder int // one segment in this many goes back; 0: none
		holes    bool
		deliver  int // one step in this many delivers bytes
	}{
		{"in order", 0, false, 5},
		{"behind holes", 0, true, 5},
		{"behind holes, past the bound", 0, true, 2000},
		{"some back", 50, true, 5},
		{"some back, past the bound", 50, true, 1000},
		{"often back", 3, false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(tc.name))))
			var got ackRecords
			var want naiveAcks
			next := uint32(0xffff0000) // wraps within the run
			expected := next
			ack := uint32(1)
			for step := range 20000 {
				switch k := r.IntN(10); {
				case r.IntN(tc.deliver) == 0:
					if int32(next-expected) > 0 {
						expected += uint32(r.IntN(int(next-expected) + 1))
					}
					got.forget(expected)
					want.forget(expected)
					if g, w := got.live(), want.list; len(g) != len(w) || len(g) > 0 && (g[0] != w[0] || g[len(g)-1] != w[len(w)-1]) {
						t.Fatalf("step %d: %d records kept, want %d", step, len(g), len(w))
					}
				case k < 7: // a segment
					seq := next
					if tc.disorder > 0 && r.IntN(tc.disorder) == 0 {
						seq -= uint32(r.IntN(3000))
					}
					if tc.holes && r.IntN(2) == 0 {
						seq++
					}
					end := seq + 1 + uint32(r.IntN(1400))
					if int32(end-next) > 0 {
						next = end
					}
					if r.IntN(4) == 0 {
						ack += uint32(r.IntN(100))
					}
					got.add(seq, end, ack)
					want.add(seq, end, ack)
				default: // a question about bytes from the next to deliver on
					from := expected + uint32(r.IntN(2000))
					to := from + 1 + uint32(r.IntN(4000))
					g, gok := got.ackFor(from, to)
					w, wok := want.ackFor(from, to)
					if g != w || gok != wok {
						t.Fatalf("step %d: ackFor(%d, %d) = %d %v, want %d %v", step, from, to, g, gok, w, wok)
					}
				}
			}
			if len(want.list) == 0 && tc.deliver > 100 {
				t.Errorf("the run never filled the records")
			}
			if cap(got.all) > 4*maxAckRecords {
				t.Errorf("an array of %d records for at most %d", cap(got.all), maxAckRecords)
			}
		})
	}
}
