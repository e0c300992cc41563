package reassembly

import (
	"bytes"
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
	tcp     layers.TCP
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	found   []gopacket.LayerType
	defrag  *ip4defrag.IPv4Defragmenter
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}, defrag: ip4defrag.NewIPv4Defragmenter()}
	for _, first := range []gopacket.LayerType{
		layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
	} {
		p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.sll2, &d.lo, &d.ip4, &d.ip6, &d.tcp)
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
}

// decodeResult says why a packet yielded no segment.
type decodeResult int

const (
	decodedTCP decodeResult = iota
	notTCP
	unknownLink
	malformed
	fragmentHeld
)

func (d *decoder) decode(link layers.LinkType, data []byte, ts time.Time) (segment, decodeResult) {
	first, ok := firstLayer(link, data)
	if !ok {
		return segment{}, unknownLink
	}
	d.found = d.found[:0]
	err := d.parsers[first].DecodeLayers(data, &d.found)
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
