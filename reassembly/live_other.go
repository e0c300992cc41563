//go:build !linux && !pcap

package reassembly

import (
	"errors"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

type packetSocket struct {
	name                        string
	link                        layers.LinkType
	received, dropped, outgoing uint64
	ringSize                    int
}

func openLive(iface string, ports []uint16, filter string, ringSize int) (*packetSocket, error) {
	return nil, errors.New("live capture needs Linux, or a build with -tags pcap (libpcap)")
}

func (s *packetSocket) next(time.Duration) ([]byte, gopacket.CaptureInfo, bool, error) {
	return nil, gopacket.CaptureInfo{}, false, errors.New("live capture needs Linux")
}
func (s *packetSocket) updateStats() {}
func (s *packetSocket) Close() error { return nil }

const (
	filterSupported = false
	batches         = false
)
