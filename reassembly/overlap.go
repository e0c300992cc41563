package reassembly

import "hash/crc32"

// overlapCheck remembers fingerprints of the bytes a direction sent
// recently, to tell a faithful retransmission from one that carries other
// bytes: gopacket keeps whichever copy came first and drops the rest
// without a word, and an analyzer that sees other bytes than the receiver
// did is the classic way to evade one.
//
// It keeps the CRC of each of the last few short segments, for
// retransmissions of the same range (a command), and of each aligned
// 128-byte block of the last 16 KiB, for longer data and retransmissions
// that overlap with other boundaries; each byte is hashed once.
type overlapCheck struct {
	segs   [8]segSum
	next   int
	blocks *[blockCount]blockSum
}

type segSum struct {
	seq uint32
	n   int
	crc uint32
}

type blockSum struct {
	tag uint32 // block number + 1; 0 is empty
	crc uint32
}

const (
	blockSize  = 128
	blockCount = 128
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli) // hardware-assisted

// check records the payload b sent at seq and returns how many of its
// bytes differ from a copy seen before.
func (o *overlapCheck) check(seq uint32, b []byte) int {
	if len(b) < 2*blockSize {
		sum := segSum{seq: seq, n: len(b), crc: crc32.Checksum(b, castagnoli)}
		for _, r := range o.segs {
			if r.n == sum.n && r.seq == sum.seq {
				if r.crc != sum.crc {
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
		crc := crc32.Checksum(b[off:off+blockSize], castagnoli)
		if slot.tag == num+1 {
			if slot.crc != crc {
				differ += blockSize
			}
			continue
		}
		*slot = blockSum{tag: num + 1, crc: crc}
	}
	return differ
}
