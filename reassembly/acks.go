package reassembly

import "sort"

// ackRecord is what one data segment acknowledged of the other direction.
type ackRecord struct {
	seq, end, ack uint32
}

// maxAckRecords bounds the segments remembered per direction (a run of
// segments that acknowledge the same is one); past it the oldest are
// forgotten, and their bytes go in capture order.
const maxAckRecords = 512

// ackRecords are the records of the segments of one direction that
// gopacket has not delivered yet, in capture order.
//
// Segments that come in order, the usual, make records that each begin
// and end at or after the one before: the delivered ones are then the
// first, and those a run of bytes overlaps are next to each other, found
// by a binary search. A capture that loses a byte before every segment
// keeps the full 512 records while it waits, and looking through them
// all for each segment delivered was half of its run. Records out of
// order (a retransmission, segments swapped) are looked through one by
// one until they are gone.
type ackRecords struct {
	// all holds the records from head on; those before are forgotten,
	// their room taken back when the array is full (compact), so that a
	// connection that delivers as it goes reuses one array.
	all       []ackRecord
	head      int
	unordered bool // some record begins or ends before the one before it
}

// live are the records not forgotten.
func (r *ackRecords) live() []ackRecord { return r.all[r.head:] }

// add records a segment of [seq, end) that acknowledged ack.
func (r *ackRecords) add(seq, end, ack uint32) {
	if n := len(r.all); n > r.head {
		last := &r.all[n-1]
		if last.end == seq && last.ack == ack {
			// The next segment of a turn, acknowledging what the one
			// before did: one record holds the turn, so that a long one
			// waiting behind a hole does not push the records of the turn
			// before it out.
			last.end = end
			return
		}
		if int32(seq-last.seq) < 0 || int32(end-last.end) < 0 {
			r.unordered = true
		}
	}
	if len(r.all)-r.head == maxAckRecords {
		r.head++
	}
	if len(r.all) == cap(r.all) && r.head >= len(r.all)/2 {
		// Half the array or more is forgotten: moving the rest down
		// costs no more than the appends that filled it.
		r.all = r.all[:copy(r.all, r.all[r.head:])]
		r.head = 0
	}
	r.all = append(r.all, ackRecord{seq: seq, end: end, ack: ack})
}

// overlapping is where the records that may overlap bytes from from on
// begin: past those that end before, when they are in order.
func (r *ackRecords) overlapping(from uint32) []ackRecord {
	list := r.live()
	if r.unordered {
		return list
	}
	i := sort.Search(len(list), func(i int) bool { return int32(list[i].end-from) > 0 })
	return list[i:]
}

// ackFor is what the segments carrying [from, to) acknowledged: the least,
// since a retransmission may acknowledge more than the first copy did.
func (r *ackRecords) ackFor(from, to uint32) (ack uint32, ok bool) {
	for _, a := range r.overlapping(from) {
		if int32(to-a.seq) <= 0 {
			if !r.unordered {
				break // and so do all after it
			}
			continue
		}
		if int32(a.end-from) > 0 && (!ok || int32(a.ack-ack) < 0) {
			ack, ok = a.ack, true
		}
	}
	return ack, ok
}

// runEnd is where the bytes from from on stop sharing one record, or the
// lack of one: the end of the record that holds from, or the start of the
// first record after it; to at most.
func (r *ackRecords) runEnd(from, to uint32) uint32 {
	end := to
	for _, a := range r.live() {
		switch {
		case int32(a.seq-from) <= 0 && int32(a.end-from) > 0:
			if int32(a.end-end) < 0 {
				end = a.end
			}
		case int32(a.seq-from) > 0 && int32(a.seq-end) < 0:
			end = a.seq
		}
	}
	return end
}

// forget drops the records of segments delivered up to expected.
func (r *ackRecords) forget(expected uint32) {
	if !r.unordered {
		for r.head < len(r.all) && int32(r.all[r.head].end-expected) <= 0 {
			r.head++
		}
	} else {
		kept := r.all[:0]
		r.unordered = false
		for _, a := range r.live() {
			if int32(a.end-expected) > 0 {
				if n := len(kept); n > 0 && (int32(a.seq-kept[n-1].seq) < 0 || int32(a.end-kept[n-1].end) < 0) {
					r.unordered = true
				}
				kept = append(kept, a)
			}
		}
		r.all, r.head = kept, 0
	}
	if r.head == len(r.all) {
		r.all, r.head = r.all[:0], 0
	}
}
