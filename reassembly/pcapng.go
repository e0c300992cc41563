package reassembly

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcapng (draft-ietf-opsawg-pcapng): blocks of a type, a total length,
// a body and the length again. A section header block sets the byte
// order of the blocks after it and starts a new list of interfaces.
const (
	blockSection     = 0x0a0d0d0a
	blockInterface   = 0x00000001
	blockOldPacket   = 0x00000002 // obsolete, still written by old tools
	blockSimple      = 0x00000003
	blockStatistics  = 0x00000005
	blockEnhanced    = 0x00000006
	blockSecrets     = 0x0000000a
	byteOrderMagic   = 0x1a2b3c4d
	secretsTLSKeyLog = 0x544c534b // "TLSK"

	optionEnd        = 0
	optionResolution = 9  // if_tsresol
	optionOffset     = 14 // if_tsoffset

	// maxBlock bounds a block the reader holds whole (a packet with its
	// options, an interface, a section header): a packet is at most
	// maxRecord, as in pcap. Blocks of the types it does not read are
	// passed over whatever their length.
	maxBlock = maxRecord + 1<<16
	// maxSecretsBlock bounds one block's secrets kept; a key log line is
	// under 250 bytes, so this is some 60 000 connections.
	maxSecretsBlock = 16 << 20
)

// zeroTime is the time of a Simple Packet Block, which has none: Go's
// zero time, as gopacket's reader gives it.
var zeroTime = stampOf(time.Time{})

// ngReader reads pcapng a block at a time, each packet's bytes where its
// input's buffer holds them. It reads what pcapgo's NgReader reads,
// packets of mixed link types and unknown versions of the format passed
// over (FuzzNgAsPcapgo holds it to it), and hands the TLS key logs of
// Decryption Secrets Blocks (§4.7) to secrets: pcapgo keeps them to
// itself. Where a block breaks the format's lengths, it stops with an
// error where pcapgo would read across into the next block.
type ngReader struct {
	in      *input
	big     bool // the section's byte order
	unknown bool // the section is of a version not known: its blocks are passed over
	ifaces  []ngInterface
	secrets func([]byte)
}

// ngInterface is what a packet's time and link type need of its
// Interface Description Block (§4.2).
type ngInterface struct {
	link   layers.LinkType
	snap   uint32
	perSec uint64 // time units per second (if_tsresol)
	up     uint64 // nanoseconds per unit, where a unit is longer than a nanosecond
	down   uint64 // units per nanosecond, where it is shorter
	offset uint64 // seconds added (if_tsoffset)
}

// newNgReader reads the first section header; in starts with its magic.
func newNgReader(in *input, secrets func([]byte)) (*ngReader, error) {
	r := &ngReader{in: in, secrets: secrets}
	h, err := in.take(12)
	if err != nil {
		return nil, fmt.Errorf("bad pcapng header: %v", err)
	}
	if err := r.section(h); err != nil {
		return nil, fmt.Errorf("bad pcapng header: %v", err)
	}
	return r, nil
}

// body is the next n bytes of a block begun.
func (r *ngReader) body(n int) ([]byte, error) {
	b, err := r.in.take(n)
	return b, inBlock(err)
}

// pass passes over the next n bytes of a block begun.
func (r *ngReader) pass(n int) error { return inBlock(r.in.skip(n)) }

// inBlock is an input's error inside a block: its end there cuts the
// block short, it does not end the file.
func inBlock(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (r *ngReader) u16(b []byte) uint16 {
	if r.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *ngReader) u32(b []byte) uint32 {
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *ngReader) u64(b []byte) uint64 {
	if r.big {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// next is the next packet: its bytes, valid until the next call, what
// the block says of it, and io.EOF at the end of the file.
func (r *ngReader) next() ([]byte, record, error) {
	for {
		// Every block is at least 12 bytes: type, length, and either the
		// first field of its body or the length again.
		h, err := r.in.take(12)
		if err != nil {
			return nil, record{}, err
		}
		typ := r.u32(h)
		if typ == blockSection {
			if err := r.section(h); err != nil {
				return nil, record{}, err
			}
			continue
		}
		total := int64(r.u32(h[4:]))
		// The body's first field, kept: a streamed input's next take may
		// write over h.
		var first [4]byte
		copy(first[:], h[8:])
		if total < 12 {
			return nil, record{}, fmt.Errorf("block of type %#x is %d bytes long, shorter than any block", typ, total)
		}
		rest := int(total - 12)
		switch {
		case r.unknown:
			err = r.pass(rest)
		case typ == blockEnhanced || typ == blockOldPacket || typ == blockSimple:
			if rest > maxBlock {
				return nil, record{}, fmt.Errorf("packet block of %d bytes: longer than any packet", total)
			}
			body, err := r.body(rest)
			if err != nil {
				return nil, record{}, err
			}
			return r.packet(typ, first[:], body)
		case typ == blockInterface:
			err = r.iface(first[:], rest)
		case typ == blockStatistics:
			// pcapgo reads the statistics of an interface it must know.
			if id := r.u32(first[:]); int64(id) >= int64(len(r.ifaces)) {
				return nil, record{}, fmt.Errorf("statistics of interface %d, of %d in the section", id, len(r.ifaces))
			}
			err = r.pass(rest)
		case typ == blockSecrets && r.secrets != nil && rest <= maxSecretsBlock:
			err = r.keyLog(first[:], rest)
		default:
			err = r.pass(rest)
		}
		if err != nil {
			return nil, record{}, err
		}
	}
}

// section reads a Section Header Block (§4.1) from its first 12 bytes
// on: its byte order, and its version, of which only 1.0 is known.
func (r *ngReader) section(h []byte) error {
	switch {
	case binary.LittleEndian.Uint32(h[8:]) == byteOrderMagic:
		r.big = false
	case binary.BigEndian.Uint32(h[8:]) == byteOrderMagic:
		r.big = true
	default:
		return errors.New("section header of no known byte order")
	}
	total := int64(r.u32(h[4:]))
	// Version (4 bytes), section length (8) and the length again.
	if total < 28 || total > maxBlock {
		return fmt.Errorf("section header of %d bytes", total)
	}
	body, err := r.body(int(total - 12))
	if err != nil {
		return err
	}
	r.ifaces = r.ifaces[:0]
	r.unknown = r.u16(body) != 1 || r.u16(body[2:]) != 0
	return nil
}

// iface reads an Interface Description Block, whose first field (link
// type) is in first: its link type, snap length and time resolution.
func (r *ngReader) iface(first []byte, rest int) error {
	if rest < 8 || rest > maxBlock {
		return fmt.Errorf("interface block of %d bytes", rest+12)
	}
	body, err := r.body(rest)
	if err != nil {
		return err
	}
	i := ngInterface{link: layers.LinkType(r.u16(first)), snap: r.u32(body)}
	resolution := byte(0)
	opts := body[4 : len(body)-4]
	for len(opts) >= 4 {
		code, n := r.u16(opts), int(r.u16(opts[2:]))
		if code == optionEnd {
			break
		}
		if 4+n > len(opts) {
			return fmt.Errorf("interface option %d of %d bytes runs past its block", code, n)
		}
		value := opts[4 : 4+n]
		switch {
		case code == optionResolution && n >= 1:
			resolution = value[0]
		case code == optionOffset && n >= 8:
			i.offset = r.u64(value)
		}
		opts = opts[min(len(opts), 4+(n+3)&^3):]
	}
	if resolution == 0 {
		resolution = 6 // microseconds, the default
	}
	exp := uint64(resolution & 0x7f)
	if exp > 63 {
		return fmt.Errorf("time resolution of interface %d too fine (exponent %d)", len(r.ifaces), exp)
	}
	if resolution&0x80 != 0 {
		i.perSec = 1 << exp // a negative power of two
	} else {
		// A negative power of ten; past 10^19 it wraps, as pcapgo's does.
		i.perSec = 1
		for range exp {
			i.perSec *= 10
		}
	}
	i.up, i.down = 1, 1
	if i.perSec < 1e9 {
		i.up = 1e9 / i.perSec
	} else {
		i.down = i.perSec / 1e9
	}
	r.ifaces = append(r.ifaces, i)
	return nil
}

// packet reads an Enhanced (§4.3), Simple (§4.4) or obsolete Packet
// Block; first is its body's first 4 bytes, body the rest with the
// trailing length.
func (r *ngReader) packet(typ uint32, first, body []byte) ([]byte, record, error) {
	var p record
	var id int64
	if typ == blockSimple {
		if len(r.ifaces) == 0 {
			return nil, p, errors.New("simple packet block before any interface")
		}
		p.length = r.u32(first)
		p.capLen = p.length
		if snap := r.ifaces[0].snap; snap != 0 && p.capLen > snap {
			p.capLen = snap
		}
		p.sec, p.nsec = zeroTime.sec, zeroTime.nsec
	} else {
		if typ == blockOldPacket {
			id = int64(r.u16(first))
		} else {
			id = int64(r.u32(first))
		}
		if id >= int64(len(r.ifaces)) {
			return nil, p, fmt.Errorf("packet of interface %d, of %d in the section", id, len(r.ifaces))
		}
		if len(body) < 16 {
			return nil, p, fmt.Errorf("packet block of %d bytes", len(body)+12)
		}
		p.sec, p.nsec = r.ifaces[id].time(uint64(r.u32(body))<<32 | uint64(r.u32(body[4:])))
		p.capLen, p.length = r.u32(body[8:]), r.u32(body[12:])
		body = body[16:]
	}
	// The bytes, padded to 4, and after them, in an Enhanced Packet Block,
	// its options or at least the trailing length. pcapgo reads the other
	// two to their block's end without asking for the trailing length,
	// which may then be read as the packet's last bytes: so are they here.
	room := int64(len(body)) - int64((4-p.capLen&3)&3)
	if typ == blockEnhanced {
		room -= 4
	}
	if int64(p.capLen) > room {
		return nil, p, fmt.Errorf("packet of %d bytes in a block of %d", p.capLen, len(body)+12)
	}
	p.link = r.ifaces[id].link
	return body[:p.capLen], p, nil
}

// time is a packet's time from its units since 1970 on interface i, as
// pcapgo converts it.
func (i *ngInterface) time(units uint64) (int64, int32) {
	return normal(int64(units/i.perSec+i.offset), int64(units%i.perSec*i.up/i.down))
}

// keyLog reads a Decryption Secrets Block, whose type is in first, and
// hands a TLS key log on.
func (r *ngReader) keyLog(first []byte, rest int) error {
	kind := r.u32(first)
	body, err := r.body(rest)
	if err != nil {
		return err
	}
	if kind != secretsTLSKeyLog || len(body) < 4 {
		return nil
	}
	n := int64(r.u32(body))
	if n > int64(len(body)-4) {
		return nil
	}
	r.secrets(bytes.Clone(body[4 : 4+n])) // the input's bytes do not stay
	return nil
}
