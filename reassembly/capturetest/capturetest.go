// Package capturetest reads captures into plain TCP segments and writes
// segments back as a pcap, so tests can impair real traffic (reorder,
// duplicate, split, drop, move ports, wrap sequence numbers) without
// importing gopacket themselves.
package capturetest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Segment is one TCP segment of a capture.
type Segment struct {
	Time               time.Time
	Src, Dst           netip.AddrPort
	Seq, Ack           uint32
	SYN, ACK, FIN, RST bool
	PSH                bool
	Payload            []byte
}

// ReadFile reads the TCP segments of a pcap or pcapng file; other packets
// are left out.
func ReadFile(path string) ([]Segment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(data)
}

// Read parses the TCP segments of a capture held in memory.
func Read(data []byte) ([]Segment, error) {
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var src source
	var link layers.LinkType
	if bytes.HasPrefix(data, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, err
		}
		src, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		src, link = r, r.LinkType()
	}
	var out []Segment
	for {
		pkt, ci, err := src.ReadPacketData()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		p := gopacket.NewPacket(pkt, link, gopacket.Default)
		tl, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tl == nil || p.NetworkLayer() == nil {
			continue
		}
		var src, dst netip.Addr
		switch ip := p.NetworkLayer().(type) {
		case *layers.IPv4:
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		default:
			continue
		}
		out = append(out, Segment{
			Time: ci.Timestamp, Src: netip.AddrPortFrom(src, uint16(tl.SrcPort)), Dst: netip.AddrPortFrom(dst, uint16(tl.DstPort)),
			Seq: tl.Seq, Ack: tl.Ack, SYN: tl.SYN, ACK: tl.ACK, FIN: tl.FIN, RST: tl.RST, PSH: tl.PSH,
			Payload: bytes.Clone(tl.Payload),
		})
	}
}

// Write encodes segments as an Ethernet pcap with nanosecond timestamps.
func Write(segs []Segment) ([]byte, error) {
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	for i, s := range segs {
		frame, err := encode(s)
		if err != nil {
			return nil, fmt.Errorf("segment %d: %v", i, err)
		}
		ci := gopacket.CaptureInfo{Timestamp: s.Time, CaptureLength: len(frame), Length: len(frame)}
		if err := w.WritePacket(ci, frame); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func encode(s Segment) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(s.Src.Port()), DstPort: layers.TCPPort(s.Dst.Port()),
		Seq: s.Seq, Ack: s.Ack, SYN: s.SYN, ACK: s.ACK, FIN: s.FIN, RST: s.RST, PSH: s.PSH, Window: 65535}
	var ip gopacket.SerializableLayer
	if s.Src.Addr().Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: s.Src.Addr().AsSlice(), DstIP: s.Dst.Addr().AsSlice()}
		tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: s.Src.Addr().AsSlice(), DstIP: s.Dst.Addr().AsSlice()}
		tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(s.Payload)); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}
