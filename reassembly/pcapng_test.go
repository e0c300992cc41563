package reassembly

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ngBlock is a pcapng block of type typ with body, padded, and its
// lengths.
func ngBlock(order binary.AppendByteOrder, typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	total := uint32(12 + len(body))
	b := order.AppendUint32(nil, typ)
	b = order.AppendUint32(b, total)
	b = append(b, body...)
	return order.AppendUint32(b, total)
}

// ngOption is an option of a block's body, padded.
func ngOption(order binary.AppendByteOrder, code uint16, value []byte) []byte {
	b := order.AppendUint16(nil, code)
	b = order.AppendUint16(b, uint16(len(value)))
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// ngInterfaceBlock describes an interface; options as given.
func ngInterfaceBlock(order binary.AppendByteOrder, link layers.LinkType, snap uint32, options ...[]byte) []byte {
	body := order.AppendUint16(nil, uint16(link))
	body = order.AppendUint16(body, 0)
	body = order.AppendUint32(body, snap)
	for _, o := range options {
		body = append(body, o...)
	}
	if len(options) > 0 {
		body = append(body, 0, 0, 0, 0)
	}
	return ngBlock(order, blockInterface, body)
}

// ngPacketBlock is an Enhanced Packet Block (or an obsolete one).
func ngPacketBlock(order binary.AppendByteOrder, old bool, iface uint32, units uint64, data []byte, length uint32) []byte {
	var body []byte
	typ := uint32(blockEnhanced)
	if old {
		typ = blockOldPacket
		body = order.AppendUint16(body, uint16(iface))
		body = order.AppendUint16(body, 0)
	} else {
		body = order.AppendUint32(body, iface)
	}
	body = order.AppendUint32(body, uint32(units>>32))
	body = order.AppendUint32(body, uint32(units))
	body = order.AppendUint32(body, uint32(len(data)))
	body = order.AppendUint32(body, length)
	body = append(body, data...)
	return ngBlock(order, typ, body)
}

// ngSeeds are files of the shapes pcapng allows: both byte orders, time
// resolutions and offsets, simple and obsolete packets, several
// interfaces and sections, a section of an unknown version, secrets,
// statistics and unknown blocks, and some cut short.
func ngSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	frame := bytes.Repeat([]byte{0x45, 0, 0, 20}, 5)
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		f := sectionHeader(order)
		f = append(f, ngInterfaceBlock(order, layers.LinkTypeEthernet, 16)...)
		f = append(f, ngInterfaceBlock(order, layers.LinkTypeRaw, 16,
			ngOption(order, optionResolution, []byte{9}), ngOption(order, optionOffset, order.AppendUint64(nil, 3600)))...)
		f = append(f, ngInterfaceBlock(order, layers.LinkTypeLinuxSLL, 64, ngOption(order, optionResolution, []byte{0x80 | 30}))...)
		f = append(f, ngPacketBlock(order, false, 0, 1767225600123456, frame, 20)...)
		f = append(f, ngPacketBlock(order, false, 1, 1767225600123456789, frame[:7], 99)...)
		f = append(f, ngPacketBlock(order, true, 2, 1<<62|1<<29, frame[:3], 3)...)
		f = append(f, ngBlock(order, blockSimple, append(order.AppendUint32(nil, 30), frame...))...)
		f = append(f, secretsBlock(order, "CLIENT_RANDOM a b\n")...)
		f = append(f, ngBlock(order, blockStatistics, make([]byte, 12))...)
		f = append(f, ngBlock(order, 0x0bad0bad, []byte("anything"))...)
		seeds = append(seeds, f)
		// A second section of an unknown version, then one known again.
		unknown := sectionHeader(order)
		unknown[12+bytes.IndexByte(order.AppendUint16(nil, 1), 1)] = 2 // version 2.0
		g := append(bytes.Clone(f), unknown...)
		g = append(g, ngInterfaceBlock(order, layers.LinkTypeEthernet, 0)...)
		g = append(g, ngPacketBlock(order, false, 0, 5, frame, 20)...)
		g = append(g, sectionHeader(order)...)
		g = append(g, ngInterfaceBlock(order, layers.LinkTypeIPv4, 0)...)
		g = append(g, ngPacketBlock(order, false, 0, 7, frame, 20)...)
		seeds = append(seeds, g, g[:len(g)-5], g[:len(g)-30])
		// A packet of an interface the section does not have.
		seeds = append(seeds, append(bytes.Clone(f), ngPacketBlock(order, false, 9, 1, frame, 20)...))
	}
	for _, name := range []string{"smtp1.pcapng", "tls-secrets.pcapng"} {
		if b, err := os.ReadFile(filepath.Join("..", "samples", name)); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// readNg is every packet the reader gives (time, lengths, link, bytes),
// and the error it ends with.
func readNg(in *input) ([]string, error) {
	r, err := newNgReader(in, func([]byte) {})
	if err != nil {
		return nil, err
	}
	return readEach(func() (string, error) {
		data, p, err := r.next()
		return fmt.Sprintf("%d.%09d %d %d %d %x", p.sec, p.nsec, p.capLen, p.length, p.link, data), err
	})
}

// readPcapgo is the same as pcapgo's NgReader reads it.
func readPcapgo(file []byte) ([]string, error) {
	r, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
	if err != nil {
		return nil, err
	}
	return readEach(func() (string, error) {
		data, ci, err := r.ZeroCopyReadPacketData()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d.%09d %d %d %d %x", ci.Timestamp.Unix(), ci.Timestamp.Nanosecond(),
			ci.CaptureLength, ci.Length, ci.AncillaryData[0].(layers.LinkType), data), nil
	})
}

// readEach collects what next describes of each packet, up to 65 536 of
// them, until it says an error.
func readEach(next func() (string, error)) ([]string, error) {
	var got []string
	for len(got) < 1<<16 {
		packet, err := next()
		if err != nil {
			return got, err
		}
		got = append(got, packet)
	}
	return got, nil
}

// The reader gives what pcapgo's gives: on every file pcapgo reads to
// its end, the same packets and the end; on others, the same packets as
// far as both go (it stops at a block whose lengths do not hold where
// pcapgo reads on into the next, and passes over a malformed block it
// does not need where pcapgo stops). Streamed however cut and read in
// place, it gives the same packets and the same error.
func FuzzNgAsPcapgo(f *testing.F) {
	for _, s := range ngSeeds(f) {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, file []byte, cut uint8) {
		if len(file) < 4 || !bytes.Equal(file[:4], magicPcapngSH) {
			file = append(bytes.Clone(magicPcapngSH), file...)
		}
		got, err := readNg(&input{r: bufio.NewReaderSize(bytes.NewReader(file), 1<<16)})
		cutGot, cutErr := readNg(&input{r: bufio.NewReaderSize(&pieces{b: file, n: int(cut) + 1}, 16)})
		if fmt.Sprint(got) != fmt.Sprint(cutGot) || fmt.Sprint(err) != fmt.Sprint(cutErr) {
			t.Fatalf("whole %q, %v; cut %q, %v", got, err, cutGot, cutErr)
		}
		want, wantErr := readPcapgo(file)
		for i := range min(len(want), len(got)) {
			if want[i] != got[i] {
				t.Fatalf("packet %d:\n got %s\nwant %s", i, got[i], want[i])
			}
		}
		if errors.Is(wantErr, io.EOF) && (len(got) != len(want) || !errors.Is(err, io.EOF)) {
			t.Fatalf("pcapgo read %d packets to the end; the reader %d, then %v", len(want), len(got), err)
		}
	})
}

// The seeds are read as pcapgo reads them, to their end where it reads
// to the end: a reader that lost a block's field would differ here.
func TestNgSeedsAsPcapgo(t *testing.T) {
	ends := 0
	for i, file := range ngSeeds(t) {
		got, err := readNg(&input{r: bufio.NewReader(bytes.NewReader(file))})
		want, wantErr := readPcapgo(file)
		if fmt.Sprint(got) != fmt.Sprint(want) || (err == io.EOF) != (wantErr == io.EOF) {
			t.Errorf("seed %d: got %d packets, %v; pcapgo %d, %v", i, len(got), err, len(want), wantErr)
		}
		if err == io.EOF && len(got) > 0 {
			ends++
		}
	}
	if ends < 4 {
		t.Errorf("only %d seeds read to their end with packets", ends)
	}
}
