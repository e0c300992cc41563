package reassembly

import "hash/maphash"

// overlapCheck remembers fingerprints of the bytes a direction sent
// recently, to tell a faithful retransmission from one that carries other
// bytes: gopacket keeps whichever copy came first and drops the rest
// without a word, and an analyzer that sees other bytes than the receiver
// did is the classic way to evade one.
//
// It keeps a hash of each of the last few short segments, for
// retransmissions of the same range (a command), and of each aligned
// 128-byte block of the last 16 KiB, for longer data and retransmissions
// that overlap with other boundaries; each byte is hashed once. The hash
// is the runtime's (AES-based where the CPU has it) under a seed chosen
// per run: several times faster than CRC-32C, and a sender cannot make
// other bytes with the same sum, as it could for a CRC.
type overlapCheck struct {
	segs   [8]segSum
	next   int
	blocks *[blockCount]blockSum
}

type segSum struct {
	seq uint32
	n   int
	sum uint64
}

type blockSum struct {
	tag uint32 // block number + 1; 0 is empty
	sum uint64
}

const (
	blockSize  = 128
	blockCount = 128
)

// check records the payload b sent at seq and returns how many of its
// bytes differ from a copy seen before; seed is the run's.
func (o *overlapCheck) check(seed maphash.Seed, seq uint32, b []byte) int {
	if len(b) < 2*blockSize {
		sum := segSum{seq: seq, n: len(b), sum: maphash.Bytes(seed, b)}
		for _, r := range o.segs {
			if r.n == sum.n && r.seq == sum.seq {
				if r.sum != sum.sum {
					return sum.n
				}
				return 0
			}
		}
		o.segs[o.next] = sum
		o.next = (o.next + 1) % len(o.segs)
		if len(b) < blockSize {
			return 0
		}
	}
	if o.blocks == nil {
		o.blocks = new([blockCount]blockSum)
	}
	differ := 0
	// The first block boundary at or after seq; sequence space wraps at a
	// multiple of blockSize, so block numbers stay aligned across it.
	off := int((blockSize - seq%blockSize) % blockSize)
	for ; off+blockSize <= len(b); off += blockSize {
		num := (seq + uint32(off)) / blockSize
		slot := &o.blocks[num%blockCount]
		sum := maphash.Bytes(seed, b[off:off+blockSize])
		if slot.tag == num+1 {
			if slot.sum != sum {
				differ += blockSize
			}
			continue
		}
		*slot = blockSum{tag: num + 1, sum: sum}
	}
	return differ
}
