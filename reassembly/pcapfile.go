package reassembly

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
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
	r        *bufio.Reader
	order    binary.ByteOrder
	nano     bool
	link     layers.LinkType
	max      int
	hdr      [16]byte
	buf      []byte
	overLong int64 // records whose captured length exceeds the original
}

func newPcapReader(r *bufio.Reader) (*pcapReader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("bad pcap header: %v", err)
	}
	p := &pcapReader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == pcapMicro:
		p.order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h[:]) == pcapNano:
		p.order, p.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == pcapMicro:
		p.order = binary.BigEndian
	case binary.BigEndian.Uint32(h[:]) == pcapNano:
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
func (p *pcapReader) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	var ci gopacket.CaptureInfo
	if _, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("record header cut short")
		}
		return nil, ci, 0, err
	}
	frac := int64(p.order.Uint32(p.hdr[4:8]))
	if !p.nano {
		frac *= 1000
	}
	ci.Timestamp = time.Unix(int64(p.order.Uint32(p.hdr[0:4])), frac).UTC()
	ci.CaptureLength = int(p.order.Uint32(p.hdr[8:12]))
	ci.Length = int(p.order.Uint32(p.hdr[12:16]))
	if ci.CaptureLength > p.max || ci.CaptureLength < 0 {
		return nil, ci, 0, fmt.Errorf("capture length exceeds snap length: %d > %d", ci.CaptureLength, p.max)
	}
	if ci.CaptureLength > ci.Length {
		p.overLong++
		ci.Length = ci.CaptureLength
	}
	if cap(p.buf) < ci.CaptureLength {
		p.buf = make([]byte, max(ci.CaptureLength, 2048))
	}
	data := p.buf[:ci.CaptureLength]
	if _, err := io.ReadFull(p.r, data); err != nil {
		return nil, ci, 0, fmt.Errorf("record cut short: %v", err)
	}
	return data, ci, p.link, nil
}

// warnings says what was read in spite of the format's rules.
func (p *pcapReader) warnings() []string {
	if p.overLong == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d records had a captured length greater than their original length; their captured bytes were kept", p.overLong)}
}
