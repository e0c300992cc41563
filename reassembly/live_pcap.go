//go:build pcap

package reassembly

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// packetSocket captures through libpcap, for builds with -tags pcap: any
// system libpcap runs on, and tcpdump filter expressions.
type packetSocket struct {
	h                           *pcap.Handle
	name                        string
	link                        layers.LinkType
	received, dropped, outgoing uint64
	ringSize                    int // libpcap's buffer
}

const filterSupported = true

// openLive opens iface through libpcap with expr as its filter, or one
// for ports (all TCP when empty).
func openLive(iface string, ports []uint16, expr string, bufferSize int) (*packetSocket, error) {
	if _, err := net.InterfaceByName(iface); err != nil && iface != "any" {
		return nil, unknownInterface(iface)
	}
	if bufferSize == 0 {
		bufferSize = DefaultRingSize()
	}
	h, err := openPcap(iface, bufferSize)
	if err != nil {
		if strings.Contains(err.Error(), "ermission") {
			return nil, notPermitted(iface)
		}
		return nil, fmt.Errorf("opening %s: %v", iface, err)
	}
	if expr == "" {
		expr = portsExpr(ports)
	}
	if err := h.SetBPFFilter(expr); err != nil {
		h.Close()
		return nil, fmt.Errorf("filter %q: %v", expr, err)
	}
	return &packetSocket{h: h, name: iface, link: h.LinkType(), ringSize: bufferSize}, nil
}

// openPcap activates a libpcap handle with a buffer of bufferSize bytes
// (pcap_set_buffer_size, tcpdump's -B).
func openPcap(iface string, bufferSize int) (*pcap.Handle, error) {
	ih, err := pcap.NewInactiveHandle(iface)
	if err != nil {
		return nil, err
	}
	defer ih.CleanUp()
	for _, err := range []error{ih.SetSnapLen(liveSnapLen), ih.SetTimeout(liveWait), ih.SetBufferSize(bufferSize)} {
		if err != nil {
			return nil, err
		}
	}
	return ih.Activate()
}

// batches: libpcap's read waits for its timeout when nothing comes, so
// each packet goes to the analysis alone, at once.
const batches = false

// portsExpr writes the port filter in tcpdump's language, as MailFilter
// has it: TCP to or from the ports, the fragments whose ports cannot be
// read (later IPv4 fragments, IPv6 fragments), and DNS over UDP.
func portsExpr(ports []uint16) string {
	if len(ports) == 0 {
		return "tcp or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44) or udp port 53"
	}
	var terms []string
	for _, p := range ports {
		terms = append(terms, fmt.Sprintf("port %d", p))
	}
	return "(tcp and (" + strings.Join(terms, " or ") + ")) or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44) or udp port 53"
}

func unknownInterface(name string) error {
	devs, _ := pcap.FindAllDevs()
	var names []string
	for _, d := range devs {
		names = append(names, d.Name)
	}
	return noSuchInterface(name, names)
}

func (s *packetSocket) next(time.Duration) ([]byte, gopacket.CaptureInfo, bool, error) {
	data, ci, err := s.h.ZeroCopyReadPacketData()
	switch {
	case errors.Is(err, pcap.NextErrorTimeoutExpired):
		return nil, ci, false, nil
	case err != nil:
		return nil, ci, false, err
	}
	return data, ci, true, nil
}

func (s *packetSocket) updateStats() {
	if st, err := s.h.Stats(); err == nil {
		s.received, s.dropped = uint64(st.PacketsReceived), uint64(st.PacketsDropped)
	}
}

func (s *packetSocket) Close() error {
	s.h.Close()
	return nil
}
