package reassembly

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket/layers"
)

// The classic pcap file format (draft-ietf-opsawg-pcap): a 24-byte file
// header, then records of a 16-byte header and the captured bytes.
const (
	pcapMicro = 0xa1b2c3d4 // microsecond timestamps
	pcapNano  = 0xa1b23c4d // nanosecond timestamps

	// standardSnapLen is libpcap's and Wireshark's largest packet for
	// most link types; a file may declare a larger snap length.
	standardSnapLen = 262144
	// maxRecord bounds one record whatever the file declares, so that a
	// bogus length cannot make the reader allocate gigabytes.
	maxRecord = 16 << 20
)

// pcapReader reads classic pcap files, either byte order, micro- or
// nanosecond timestamps. Records whose captured length exceeds their
// original length are kept, as Wireshark keeps them: some writers fill
// the original length wrong, and the bytes are still the packet's.
type pcapReader struct {
	in       *input
	order    binary.ByteOrder
	nano     bool
	link     layers.LinkType
	max      int
	overLong int64 // records whose captured length exceeds the original
}

func newPcapReader(in *input) (*pcapReader, error) {
	h, err := in.take(24)
	if err != nil {
		return nil, fmt.Errorf("bad pcap header: %v", err)
	}
	p := &pcapReader{in: in}
	switch {
	case binary.LittleEndian.Uint32(h) == pcapMicro:
		p.order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h) == pcapNano:
		p.order, p.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h) == pcapMicro:
		p.order = binary.BigEndian
	case binary.BigEndian.Uint32(h) == pcapNano:
		p.order, p.nano = binary.BigEndian, true
	default:
		return nil, errors.New("bad pcap header: unknown magic")
	}
	snap := int(p.order.Uint32(h[16:20]))
	p.max = min(max(snap, standardSnapLen), maxRecord)
	// The upper bits of the link type field may carry FCS information.
	p.link = layers.LinkType(p.order.Uint32(h[20:24]) & 0x0fffffff)
	return p, nil
}

// next returns the next record; its bytes are valid until the next call.
func (p *pcapReader) next() ([]byte, record, error) {
	var k record
	h, err := p.in.take(16)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("record header cut short")
		}
		return nil, k, err
	}
	frac := int64(p.order.Uint32(h[4:8]))
	if !p.nano {
		frac *= 1000
	}
	k.sec, k.nsec = normal(int64(p.order.Uint32(h[0:4])), frac)
	capLen, length := int64(p.order.Uint32(h[8:12])), int64(p.order.Uint32(h[12:16]))
	if capLen > int64(p.max) {
		return nil, k, fmt.Errorf("capture length exceeds snap length: %d > %d", capLen, p.max)
	}
	if capLen > length {
		p.overLong++
		length = capLen
	}
	k.capLen, k.length, k.link = uint32(capLen), uint32(length), p.link
	data, err := p.in.take(int(capLen))
	if err != nil {
		return nil, k, fmt.Errorf("record cut short: %v", err)
	}
	return data, k, nil
}

// warnings says what was read in spite of the format's rules.
func (p *pcapReader) warnings() []string {
	if p.overLong == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d records had a captured length greater than their original length; their captured bytes were kept", p.overLong)}
}
