package reassembly

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestEncapsulations: the conversation is found whole inside each
// encapsulation tshark decodes on such links.
func TestEncapsulations(t *testing.T) {
	mac := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	eth := func(etype uint16, rest ...[]byte) []byte {
		f := binary.BigEndian.AppendUint16(append([]byte(nil), mac...), etype)
		for _, r := range rest {
			f = append(f, r...)
		}
		return f
	}
	u16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	wraps := map[string]struct {
		v6   bool
		wrap func(ip []byte) []byte
	}{
		"old QinQ 0x9100 over 802.1Q": {false, func(ip []byte) []byte {
			return eth(0x9100, []byte{0, 10}, u16(0x8100), []byte{0, 20}, u16(0x0800), ip)
		}},
		"QinQ 0x9200": {false, func(ip []byte) []byte { return eth(0x9200, []byte{0, 10}, u16(0x0800), ip) }},
		"PPPoE session": {false, func(ip []byte) []byte {
			return eth(0x8864, []byte{0x11, 0, 0, 1}, u16(uint16(len(ip)+2)), u16(0x0021), ip)
		}},
		"MPLS, two labels": {false, func(ip []byte) []byte {
			return eth(0x8847, []byte{0, 1, 0, 64}, []byte{0, 2, 1, 64}, ip)
		}},
		"GRE": {false, func(ip []byte) []byte {
			outer := outerIPv4(47, 4+len(ip))
			return eth(0x0800, outer, []byte{0, 0}, u16(0x0800), ip)
		}},
		"VXLAN": {false, func(ip []byte) []byte {
			innerEth := eth(0x0800, ip)
			udp := append(u16(40000), u16(4789)...)
			udp = append(udp, u16(uint16(8+8+len(innerEth)))...)
			udp = append(udp, 0, 0)
			vx := []byte{0x08, 0, 0, 0, 0, 0, 1, 0}
			outer := outerIPv4(17, len(udp)+len(vx)+len(innerEth))
			return eth(0x0800, outer, udp, vx, innerEth)
		}},
		"L2TP and PPP": {false, func(ip []byte) []byte {
			l2 := []byte{0x40, 0x02, 0, 0, 0, 1, 0, 2, 0xff, 0x03, 0x00, 0x21}
			binary.BigEndian.PutUint16(l2[2:], uint16(len(l2)+len(ip)))
			udp := append(append(u16(1701), u16(1701)...), u16(uint16(8+len(l2)+len(ip)))...)
			udp = append(udp, 0, 0)
			return eth(0x0800, outerIPv4(17, len(udp)+len(l2)+len(ip)), udp, l2, ip)
		}},
		"PPTP: PPP in GRE": {false, func(ip []byte) []byte {
			gre := []byte{0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 1, 0, 0, 0, 1} // key (payload length, call id) and sequence present, version 1
			binary.BigEndian.PutUint16(gre[4:], uint16(len(ip)+1))
			return eth(0x0800, outerIPv4(47, len(gre)+1+len(ip)), gre, []byte{0x21}, ip)
		}},
		"IPv6 Destination Options and Routing headers": {true, func(ip []byte) []byte {
			ext := []byte{43, 0, 1, 4, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0} // PadN; routing type 0, 0 segments left
			out := append(append(append([]byte(nil), ip[:40]...), ext...), ip[40:]...)
			out[6] = 60
			binary.BigEndian.PutUint16(out[4:], binary.BigEndian.Uint16(ip[4:])+uint16(len(ext)))
			return eth(0x86dd, out)
		}},
	}
	for name, w := range wraps {
		t.Run(name, func(t *testing.T) {
			var frames [][]byte
			for _, p := range conversation() {
				frames = append(frames, w.wrap(ipPacket(t, p, w.v6)))
			}
			rec, st, _ := run(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
			if st.TCPPackets != int64(len(frames)) {
				t.Errorf("decoded %d TCP packets of %d (malformed %d, not TCP %d)", st.TCPPackets, len(frames), st.Malformed, st.NotTCP)
			}
			checkConversation(t, rec, w.v6)
		})
	}
}

// TestIPv6FragmentsCounted: fragments of IPv6 datagrams are counted, not
// taken for malformed packets.
func TestIPv6FragmentsCounted(t *testing.T) {
	ip := ipPacket(t, conversation()[3], true)
	frag := []byte{6, 0, 0, 1, 0, 0, 0, 7} // offset 0, more fragments
	out := append(append(append([]byte(nil), ip[:40]...), frag...), ip[40:]...)
	out[6] = 44
	binary.BigEndian.PutUint16(out[4:], binary.BigEndian.Uint16(ip[4:])+8)
	_, st, _ := run(t, pcapFile(t, layers.LinkTypeRaw, [][]byte{out}, false))
	if st.IPv6Fragments != 1 || st.Malformed != 0 {
		t.Errorf("fragments %d, malformed %d; want 1, 0", st.IPv6Fragments, st.Malformed)
	}
}

// outerIPv4 is an IPv4 header for a tunnel carrying n bytes of protocol
// proto.
func outerIPv4(proto byte, n int) []byte {
	h := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 10, 9, 9, 1, 10, 9, 9, 2}
	binary.BigEndian.PutUint16(h[2:], uint16(20+n))
	return h
}

// TestTimesPastYear9999: packets stamped after the year 9999 are read as
// stamped at its end, and counted.
func TestTimesPastYear9999(t *testing.T) {
	rec := &recorder{}
	r := NewReader(DefaultOptions(), rec, nil)
	far := time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, f := range conversationFrames(t) {
		r.Packet(layers.LinkTypeEthernet, f, far.Add(time.Duration(i)*time.Millisecond))
	}
	r.Finish()
	if r.stats.FutureTimes != int64(len(conversation())) || len(rec.conns) != 1 || rec.conns[0].info.Start.Year() != 9999 {
		t.Errorf("future times %d, connections %d", r.stats.FutureTimes, len(rec.conns))
	}
	checkConversation(t, rec, false)
}
