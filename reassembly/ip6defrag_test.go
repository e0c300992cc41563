package reassembly

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// v6Packet serializes one IPv6 TCP segment, checksum and all.
func v6Packet(t *testing.T, fromClient bool, seq, ack uint32, syn, fin bool, payload []byte) []byte {
	t.Helper()
	c, s := net.ParseIP("2001:db8::1"), net.ParseIP("2001:db8::25")
	ip := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolTCP, HopLimit: 64, SrcIP: c, DstIP: s}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 25, Seq: seq, Ack: ack, SYN: syn, FIN: fin, ACK: ack != 0, Window: 65535}
	if !fromClient {
		ip.SrcIP, ip.DstIP = s, c
		tcp.SrcPort, tcp.DstPort = 25, 40000
	}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fragment6 cuts an IPv6 packet's payload into fragments of size bytes
// (a multiple of 8), each with its Fragment header (RFC 8200 §4.5).
func fragment6(p []byte, id uint32, size int) [][]byte {
	hdr, body := p[:40], p[40:]
	next := hdr[6]
	var out [][]byte
	for off := 0; off < len(body); off += size {
		end := min(off+size, len(body))
		f := append([]byte(nil), hdr...)
		f[6] = 44 // Fragment
		binary.BigEndian.PutUint16(f[4:6], uint16(8+end-off))
		fo := uint16(off)
		if end < len(body) {
			fo |= 1
		}
		f = append(f, next, 0, byte(fo>>8), byte(fo))
		f = binary.BigEndian.AppendUint32(f, id)
		out = append(out, append(f, body[off:end]...))
	}
	return out
}

// TestIPv6Fragments: TCP data sent in IPv6 fragments, in any order, is
// read as sent; fragments that overlap are dropped with their datagram,
// the data is a gap, and the statistics count them.
func TestIPv6Fragments(t *testing.T) {
	data := []byte(strings.Repeat("MAIL FROM:<a@b>\r\n", 200)) // 3 400 bytes
	for _, tc := range []struct {
		name    string
		order   []int
		overlap bool
	}{
		{"in order", []int{0, 1, 2}, false},
		{"out of order", []int{2, 0, 1}, false},
		{"overlapping", []int{0, 1, 2}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frags := fragment6(v6Packet(t, true, 1001, 5001, false, false, data), 7, 1448)
			if tc.overlap {
				// The second fragment claims to start 8 bytes early.
				fo := binary.BigEndian.Uint16(frags[1][42:44])
				binary.BigEndian.PutUint16(frags[1][42:44], fo-8)
			}
			rec := &recorder{}
			r := NewReader(DefaultOptions(), rec, nil)
			ms := 0
			send := func(p []byte) {
				ms++
				r.Packet(layers.LinkTypeRaw, p, testTime(ms))
			}
			send(v6Packet(t, true, 1000, 0, true, false, nil))
			send(v6Packet(t, false, 5000, 1001, true, false, nil))
			send(v6Packet(t, true, 1001, 5001, false, false, nil))
			for _, i := range tc.order {
				send(frags[i])
			}
			send(v6Packet(t, false, 5001, 1001+uint32(len(data)), false, false, []byte("250 ok\r\n")))
			send(v6Packet(t, true, 1001+uint32(len(data)), 5009, false, true, nil))
			send(v6Packet(t, false, 5009, 1002+uint32(len(data)), false, true, nil))
			r.Finish()
			if len(rec.conns) != 1 {
				t.Fatalf("%d connections", len(rec.conns))
			}
			got := strings.Join(rec.conns[0].events, "|")
			st := r.stats
			switch {
			case !tc.overlap && (got != "0:"+string(data)+"|1:250 ok\r\n" || st.IPv6Fragments != 0):
				t.Errorf("events %.80q…, %d fragments not reassembled", got, st.IPv6Fragments)
			case tc.overlap && (!strings.Contains(got, "gap 0:3400") || st.IPv6Fragments != 3):
				t.Errorf("events %.80q…, %d fragments not reassembled; want a gap of 3400 and 3", got, st.IPv6Fragments)
			}
		})
	}
}

// TestIPv6FragmentFlood: first fragments of ever new datagrams, which
// never end, and whole datagrams, one after another: what is held stays
// within the bounds, and the list of datagrams by age with it.
func TestIPv6FragmentFlood(t *testing.T) {
	var f ip6Defrag
	src, dst := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::25")
	chunk := make([]byte, 64)
	for i := range 50000 {
		at := testTime(i)
		f.add(ip6Key{src, dst, uint32(i)}, 0, true, layers.IPProtocolTCP, chunk, at) // never whole
		if _, _, ok := f.add(ip6Key{src, dst, uint32(1 << 31)}, 0, false, layers.IPProtocolTCP, chunk, at); !ok {
			t.Fatalf("a datagram of one fragment was not whole")
		}
		if len(f.m) > ip6MaxDatagrams || len(f.order) > 2*ip6MaxDatagrams+64 || f.held > ip6MaxHeld {
			t.Fatalf("after %d: %d datagrams, %d in order, %d bytes held", i, len(f.m), len(f.order), f.held)
		}
	}
	if n := f.left(); n != 50000 {
		t.Errorf("%d fragments not put together, want 50000", n)
	}
}
