package reassembly

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"
)

// decoder decodes link, IP and TCP headers into reused layer structs, so a
// packet costs no allocation in the common case.
type decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	lo      layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	gre     layers.GRE
	udp     layers.UDP
	vxlan   layers.VXLAN
	tcp     layers.TCP
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	found   []gopacket.LayerType
	defrag  *ip4defrag.IPv4Defragmenter
	defrag6 ip6Defrag
	frag6   frag6  // the IPv6 fragment ip6Extensions found
	scratch []byte // a frame rewritten before decoding (old QinQ tags)
}

// frag6 is an IPv6 Fragment header (RFC 8200 §4.5) and what follows it.
type frag6 struct {
	id   uint32
	off  int
	more bool
	next layers.IPProtocol
	data []byte
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}, defrag: ip4defrag.NewIPv4Defragmenter()}
	for _, first := range []gopacket.LayerType{
		layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
	} {
		// A slice indexed by layer type rather than gopacket's default
		// map: the next layer's decoder is looked up for every layer of
		// every packet, and these types are small numbers.
		var dlc gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
		for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.lo, &d.ip4, &d.ip6,
			&d.gre, &d.udp, &d.vxlan, &d.tcp} {
			dlc = dlc.Put(l)
		}
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(dlc)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	return d
}

// firstLayer maps a capture link type to the layer its frames start with;
// ok is false for link types mailtrace does not decode.
func firstLayer(link layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch link {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4, true
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6, true
	case layers.LinkTypeRaw, 12: // 12 is DLT_RAW on some BSDs
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6, true
		}
		return layers.LayerTypeIPv4, true
	}
	return 0, false
}

// segment is one decoded TCP segment. tcp points into the decoder and is
// valid until the next call to decode.
type segment struct {
	src, dst netip.Addr
	tcp      *layers.TCP
	netFlow  gopacket.Flow
	// A UDP datagram's ports and payload (dnsDatagram), valid until the
	// next call to decode.
	udpSrc, udpDst uint16
	payload        []byte
}

// decodeResult says why a packet yielded no segment.
type decodeResult int

const (
	decodedTCP decodeResult = iota
	notTCP
	unknownLink
	malformed
	fragmentHeld
	ipv6Fragment // a fragment of an IPv6 datagram, in d.frag6
	dnsDatagram  // a UDP datagram to or from port 53
)

func (d *decoder) decode(link layers.LinkType, data []byte, ts time.Time) (segment, decodeResult) {
	first, ok := firstLayer(link, data)
	if !ok {
		return segment{}, unknownLink
	}
	if first == layers.LayerTypeEthernet {
		if seg, ok := d.plainTCP(data); ok {
			return seg, decodedTCP
		}
		data = d.retag(data)
	}
	return d.layers(first, data, ts)
}

// layers decodes data, which starts with a first layer, one layer at a
// time; it takes every frame mailtrace knows.
func (d *decoder) layers(first gopacket.LayerType, data []byte, ts time.Time) (segment, decodeResult) {
	d.found = d.found[:0]
	err := d.parsers[first].DecodeLayers(data, &d.found)
	if len(d.found) > 0 && d.found[len(d.found)-1] != layers.LayerTypeTCP {
		// Encapsulations gopacket has no decoding layer for.
		if inner, ok := d.unwrap(); ok {
			err = d.parsers[inner.first].DecodeLayers(inner.data, &d.found)
		}
	}
	var seg segment
	haveIP, haveTCP := false, false
	for _, lt := range d.found {
		switch lt {
		case layers.LayerTypeIPv4:
			haveIP = true
			seg.src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			seg.dst, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
			seg.netFlow = d.ip4.NetworkFlow()
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				return d.reassembleFragment(ts)
			}
		case layers.LayerTypeIPv6:
			haveIP = true
			seg.src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			seg.dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
			seg.netFlow = d.ip6.NetworkFlow()
		case layers.LayerTypeTCP:
			haveTCP = true
		}
	}
	if !haveIP {
		if err != nil {
			return segment{}, malformed
		}
		return segment{}, notTCP
	}
	if !haveTCP && d.found[len(d.found)-1] == layers.LayerTypeIPv6 {
		switch res := d.ip6Extensions(); res {
		case decodedTCP:
			haveTCP, err = true, nil
		case notTCP:
		case ipv6Fragment:
			return d.reassemble6(seg, ts)
		default:
			return segment{}, res
		}
	}
	if !haveTCP && d.found[len(d.found)-1] == layers.LayerTypeUDP && (d.udp.SrcPort == 53 || d.udp.DstPort == 53) {
		seg.udpSrc, seg.udpDst = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
		seg.payload = d.udp.Payload
		return seg, dnsDatagram
	}
	if !haveTCP {
		if err != nil && d.found[len(d.found)-1] != layers.LayerTypeIPv6 && d.found[len(d.found)-1] != layers.LayerTypeIPv4 {
			return segment{}, malformed
		}
		if d.lastIPProtocol() == layers.IPProtocolTCP {
			return segment{}, malformed
		}
		return segment{}, notTCP
	}
	seg.tcp = &d.tcp
	return seg, decodedTCP
}

// plainTCP decodes the frame nearly every mail capture is made of, an
// untagged Ethernet frame with an unfragmented IPv4 header without
// options and a TCP segment, without gopacket's layer-by-layer dispatch;
// ok is false for every other frame, which goes the general way. What it
// accepts, it reads as gopacket's IPv4 layer does (which does not check
// the version either, and takes a zero total length for a segmentation
// offload's frame), and the TCP header with gopacket's own decoder.
func (d *decoder) plainTCP(frame []byte) (segment, bool) {
	const eth, ip4 = 14, 20
	if len(frame) < eth+ip4 || binary.BigEndian.Uint16(frame[12:]) != uint16(layers.EthernetTypeIPv4) {
		return segment{}, false
	}
	ip := frame[eth:]
	if ip[0]&0x0f != 5 || layers.IPProtocol(ip[9]) != layers.IPProtocolTCP ||
		binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 { // more fragments, or an offset
		return segment{}, false
	}
	switch n := int(binary.BigEndian.Uint16(ip[2:])); {
	case n == 0:
	case n < ip4:
		return segment{}, false
	case n < len(ip):
		ip = ip[:n]
	}
	if err := d.tcp.DecodeFromBytes(ip[ip4:], gopacket.NilDecodeFeedback); err != nil {
		return segment{}, false
	}
	src, dst := ip[12:16], ip[16:20]
	return segment{
		src:     netip.AddrFrom4([4]byte(src)),
		dst:     netip.AddrFrom4([4]byte(dst)),
		tcp:     &d.tcp,
		netFlow: gopacket.NewFlow(layers.EndpointIPv4, src, dst),
	}, true
}

// retag rewrites the tags of old QinQ (TPID 0x9100, 0x9200), which
// gopacket does not know, as 802.1Q tags, in a copy of the frame.
func (d *decoder) retag(data []byte) []byte {
	if len(data) < 14 {
		return data
	}
	t := binary.BigEndian.Uint16(data[12:14])
	if t != 0x9100 && t != 0x9200 {
		return data
	}
	d.scratch = append(d.scratch[:0], data...)
	for off := 12; off+4 <= len(d.scratch); off += 4 {
		switch binary.BigEndian.Uint16(d.scratch[off:]) {
		case 0x9100, 0x9200:
			binary.BigEndian.PutUint16(d.scratch[off:], 0x8100)
		case 0x8100, 0x88a8:
		default:
			return d.scratch
		}
	}
	return d.scratch
}

// inner is the start of a frame found inside an encapsulation.
type inner struct {
	first gopacket.LayerType
	data  []byte
}

// unwrap finds the IP packet inside PPPoE sessions (RFC 2516), MPLS
// label stacks (RFC 3032), L2TPv2 tunnels (RFC 2661) and PPTP's PPP in
// GRE (RFC 2637) after the last layer decoded.
func (d *decoder) unwrap() (inner, bool) {
	var etype layers.EthernetType
	var payload []byte
	switch d.found[len(d.found)-1] {
	case layers.LayerTypeEthernet:
		etype, payload = d.eth.EthernetType, d.eth.Payload
	case layers.LayerTypeDot1Q:
		etype, payload = d.dot1q.Type, d.dot1q.Payload
	case layers.LayerTypeGRE:
		etype, payload = d.gre.Protocol, d.gre.Payload
	case layers.LayerTypeUDP:
		if d.udp.SrcPort == 1701 || d.udp.DstPort == 1701 {
			return l2tp(d.udp.Payload)
		}
		return inner{}, false
	default:
		return inner{}, false
	}
	switch etype {
	case layers.EthernetTypePPPoESession:
		// Version/type, code, session id, length, then PPP.
		if len(payload) < 6 {
			return inner{}, false
		}
		return ppp(payload[6:])
	case 0x880b: // PPP, as PPTP carries it in GRE
		return ppp(payload)
	case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
		for off := 0; off+4 <= len(payload); off += 4 {
			if payload[off+2]&1 == 0 {
				continue // not the bottom of the stack
			}
			ip := payload[off+4:]
			if len(ip) > 0 && ip[0]>>4 == 6 {
				return inner{layers.LayerTypeIPv6, ip}, true
			}
			return inner{layers.LayerTypeIPv4, ip}, true
		}
	}
	return inner{}, false
}

// l2tp finds the PPP frame in an L2TPv2 data message (RFC 2661 §3.1):
// flags and version, then the optional length, tunnel and session ids,
// optional sequence numbers and an optional offset.
func l2tp(b []byte) (inner, bool) {
	if len(b) < 6 {
		return inner{}, false
	}
	flags := binary.BigEndian.Uint16(b)
	if flags&0x8000 != 0 || flags&0x000f != 2 {
		return inner{}, false // a control message, or not version 2
	}
	off := 2
	if flags&0x4000 != 0 {
		off += 2 // length
	}
	off += 4 // tunnel and session ids
	if flags&0x0800 != 0 {
		off += 4 // Ns, Nr
	}
	if flags&0x0200 != 0 {
		if len(b) < off+2 {
			return inner{}, false
		}
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	}
	if len(b) < off {
		return inner{}, false
	}
	return ppp(b[off:])
}

// ppp finds the IP packet in a PPP frame (RFC 1661), with or without the
// HDLC address and control bytes, with a one- or two-byte protocol.
func ppp(b []byte) (inner, bool) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) < 1 {
		return inner{}, false
	}
	proto, n := uint16(b[0]), 1
	if b[0]&1 == 0 { // not compressed: two bytes
		if len(b) < 2 {
			return inner{}, false
		}
		proto, n = binary.BigEndian.Uint16(b), 2
	}
	switch proto {
	case 0x21:
		return inner{layers.LayerTypeIPv4, b[n:]}, true
	case 0x57:
		return inner{layers.LayerTypeIPv6, b[n:]}, true
	}
	return inner{}, false
}

// ip6Extensions walks the IPv6 extension headers gopacket leaves
// undecoded (Routing, Destination Options, Fragment, AH; RFC 8200 §4) to
// the TCP header.
func (d *decoder) ip6Extensions() decodeResult {
	next, b := d.ip6.NextHeader, d.ip6.Payload
	if d.ip6.HopByHop != nil {
		next = d.ip6.HopByHop.NextHeader
	}
	return d.walk6(next, b)
}

// walk6 walks extension headers from next, over b, to the TCP header.
func (d *decoder) walk6(next layers.IPProtocol, b []byte) decodeResult {
	for range 8 {
		switch next {
		case layers.IPProtocolTCP:
			if err := d.tcp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
				return malformed
			}
			return decodedTCP
		case layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination, layers.IPProtocolIPv6HopByHop:
			if len(b) < 2 || len(b) < (int(b[1])+1)*8 {
				return malformed
			}
			next, b = layers.IPProtocol(b[0]), b[(int(b[1])+1)*8:]
		case layers.IPProtocolAH:
			if len(b) < 2 || len(b) < (int(b[1])+2)*4 {
				return malformed
			}
			next, b = layers.IPProtocol(b[0]), b[(int(b[1])+2)*4:]
		case layers.IPProtocolIPv6Fragment:
			if len(b) < 8 {
				return malformed
			}
			if fo := binary.BigEndian.Uint16(b[2:4]); fo != 0 { // offset or more fragments
				d.frag6 = frag6{id: binary.BigEndian.Uint32(b[4:8]), off: int(fo &^ 7), more: fo&1 != 0,
					next: layers.IPProtocol(b[0]), data: b[8:]}
				return ipv6Fragment
			}
			next, b = layers.IPProtocol(b[0]), b[8:] // an atomic fragment
		default:
			return notTCP
		}
	}
	return notTCP
}

func (d *decoder) lastIPProtocol() layers.IPProtocol {
	for i := len(d.found) - 1; i >= 0; i-- {
		switch d.found[i] {
		case layers.LayerTypeIPv4:
			return d.ip4.Protocol
		case layers.LayerTypeIPv6:
			return d.ip6.NextHeader
		}
	}
	return 0
}

// reassemble6 keeps an IPv6 fragment and decodes TCP from the datagram
// once it is whole; seg has its addresses.
func (d *decoder) reassemble6(seg segment, ts time.Time) (segment, decodeResult) {
	f := d.frag6
	whole, next, ok := d.defrag6.add(ip6Key{seg.src, seg.dst, f.id}, f.off, f.more, f.next, f.data, ts)
	if !ok {
		return segment{}, fragmentHeld
	}
	if res := d.walk6(next, whole); res != decodedTCP {
		return segment{}, res
	}
	seg.tcp = &d.tcp
	return seg, decodedTCP
}

// reassembleFragment feeds an IPv4 fragment to the defragmenter and decodes
// TCP from the datagram once it is whole.
func (d *decoder) reassembleFragment(ts time.Time) (segment, decodeResult) {
	// The defragmenter keeps the fragments it is given: hand it a copy,
	// not the reused layer and the reader's reused buffer.
	frag := new(layers.IPv4)
	*frag = d.ip4
	frag.Contents = bytes.Clone(d.ip4.Contents)
	frag.Payload = bytes.Clone(d.ip4.Payload)
	frag.Options = nil
	whole, err := d.defrag.DefragIPv4WithTimestamp(frag, ts)
	if err != nil {
		return segment{}, malformed
	}
	if whole == nil {
		return segment{}, fragmentHeld
	}
	if whole.Protocol != layers.IPProtocolTCP {
		return segment{}, notTCP
	}
	if err := d.tcp.DecodeFromBytes(whole.Payload, gopacket.NilDecodeFeedback); err != nil {
		return segment{}, malformed
	}
	var seg segment
	seg.src, _ = netip.AddrFromSlice(whole.SrcIP.To4())
	seg.dst, _ = netip.AddrFromSlice(whole.DstIP.To4())
	seg.netFlow = whole.NetworkFlow()
	seg.tcp = &d.tcp
	return seg, decodedTCP
}
