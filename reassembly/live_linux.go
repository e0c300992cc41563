//go:build linux && !pcap

package reassembly

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// packetSocket captures from one interface through an AF_PACKET socket,
// with a kernel filter so that only mail traffic reaches user space.
type packetSocket struct {
	fd        int
	name      string
	link      layers.LinkType
	loopback  bool
	buf, oob  []byte
	cooked    bool         // "any": SLL headers are built here
	loopbacks map[int]bool // with cooked, the loopback interfaces' indexes
	frame     []byte
	received  uint64 // packets the kernel passed through the filter
	dropped   uint64 // packets the kernel dropped for lack of room
	outgoing  uint64 // loopback's second copies, left out
}

// htons turns v into network byte order in a uint16, as the socket API
// wants it.
func htons(v uint16) uint16 {
	return binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, v))
}

// openLive opens iface for capture with a filter for ports (all TCP when
// empty). Filter expressions need libpcap (-tags pcap).
func openLive(iface string, ports []uint16, expr string) (*packetSocket, error) {
	if expr != "" {
		return nil, errors.New("--filter needs a build with -tags pcap (libpcap)")
	}
	// "any" captures on every interface, as libpcap does: cooked
	// (SOCK_DGRAM) packets start at the network header, and each gets a
	// Linux SLL header built from its link-layer address.
	anyIface := iface == "any"
	ifi := &net.Interface{Flags: net.FlagUp}
	link, sockType, filterLink := linkTypeOf(iface), unix.SOCK_RAW, layers.LinkType(0)
	if anyIface {
		link, sockType, filterLink = layers.LinkTypeLinuxSLL, unix.SOCK_DGRAM, layers.LinkTypeRaw
	} else {
		var err error
		if ifi, err = net.InterfaceByName(iface); err != nil {
			return nil, unknownInterface(iface)
		}
		filterLink = link
	}
	if ifi.Flags&net.FlagUp == 0 {
		return nil, fmt.Errorf("interface %s is down (bring it up with: ip link set %s up)", iface, iface)
	}
	filter, err := MailFilter(filterLink, ports)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, notPermitted(iface)
		}
		return nil, fmt.Errorf("opening a packet socket: %v", err)
	}
	s := &packetSocket{fd: fd, name: iface, link: link, loopback: ifi.Flags&net.FlagLoopback != 0, cooked: anyIface,
		buf: make([]byte, liveSnapLen), oob: make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))+64)}
	if anyIface {
		s.loopbacks = loopbackIndexes()
	}
	// The filter goes on before the bind, so no unfiltered packet slips in.
	if err := attachFilter(fd, filter); err != nil {
		s.Close()
		return nil, fmt.Errorf("attaching the capture filter: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		s.Close()
		return nil, fmt.Errorf("binding to %s: %v", iface, err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	// A large receive buffer rides out bursts while sessions are parsed.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 32<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 32<<20)
	}
	return s, nil
}

func attachFilter(fd int, prog []bpf.RawInstruction) error {
	f := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		f[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// linkTypeOf maps the interface's ARPHRD type to the frames the socket
// delivers: Ethernet headers for Ethernet and loopback, bare IP for
// tunnels.
func linkTypeOf(iface string) layers.LinkType {
	b, err := os.ReadFile("/sys/class/net/" + iface + "/type")
	if err == nil {
		switch strings.TrimSpace(string(b)) {
		case "65534", "776", "778": // none (tun), sit, ipgre
			return layers.LinkTypeRaw
		}
	}
	return layers.LinkTypeEthernet
}

func unknownInterface(name string) error {
	ifs, _ := net.Interfaces()
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	return noSuchInterface(name, names)
}

// next returns the next packet, or ok false when none came within wait.
// The data is valid until the next call.
func (s *packetSocket) next(wait time.Duration) (data []byte, ci gopacket.CaptureInfo, ok bool, err error) {
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		if left < 0 {
			return nil, ci, false, nil
		}
		fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return nil, ci, false, err
		}
		if n == 0 {
			return nil, ci, false, nil
		}
		size, oobn, _, from, err := unix.Recvmsg(s.fd, s.buf, s.oob, unix.MSG_TRUNC|unix.MSG_DONTWAIT)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return nil, ci, false, err
		}
		// On loopback every packet is seen leaving and arriving; keep the
		// arrival only, as libpcap does.
		ll, _ := from.(*unix.SockaddrLinklayer)
		if ll != nil && ll.Pkttype == unix.PACKET_OUTGOING && (s.loopback || s.cooked && s.loopbacks[ll.Ifindex]) {
			s.outgoing++
			continue
		}
		ci.Length = size
		ci.CaptureLength = min(size, len(s.buf))
		ci.Timestamp = timestamp(s.oob[:oobn])
		data := s.buf[:ci.CaptureLength]
		if s.cooked && ll != nil {
			data = s.sll(ll, data)
			ci.Length += 16
			ci.CaptureLength = len(data)
		}
		return data, ci, true, nil
	}
}

// sll puts a Linux cooked-capture header (DLT_LINUX_SLL) in front of a
// network-layer packet received on an "any" socket.
func (s *packetSocket) sll(ll *unix.SockaddrLinklayer, pkt []byte) []byte {
	h := s.frame[:0]
	h = binary.BigEndian.AppendUint16(h, uint16(ll.Pkttype))
	h = binary.BigEndian.AppendUint16(h, ll.Hatype)
	h = binary.BigEndian.AppendUint16(h, uint16(ll.Halen))
	h = append(h, ll.Addr[:]...)
	h = binary.NativeEndian.AppendUint16(h, ll.Protocol) // kept in network order by the kernel
	s.frame = append(h, pkt...)
	return s.frame
}

func loopbackIndexes() map[int]bool {
	out := map[int]bool{}
	ifs, _ := net.Interfaces()
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			out[i.Index] = true
		}
	}
	return out
}

func timestamp(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})) {
				ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
				return time.Unix(int64(ts.Sec), int64(ts.Nsec)).UTC()
			}
		}
	}
	return time.Now().UTC()
}

// updateStats adds what the kernel counted since the last call.
func (s *packetSocket) updateStats() {
	st, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err == nil {
		s.received += uint64(st.Packets)
		s.dropped += uint64(st.Drops)
	}
}

func (s *packetSocket) Close() error { return unix.Close(s.fd) }

const filterSupported = false
