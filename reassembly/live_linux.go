//go:build linux && !pcap

package reassembly

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// packetSocket captures from one interface through an AF_PACKET socket
// with a kernel filter, so that only mail traffic reaches user space,
// and a TPACKET_V3 ring (packet(7)), as libpcap does since 1.5: the
// kernel writes packets into blocks of memory shared with this process,
// which reads a whole block without a system call per packet and hands
// it back when done.
type packetSocket struct {
	fd        int
	name      string
	link      layers.LinkType
	loopback  bool
	cooked    bool         // "any": SLL headers are built here
	loopbacks map[int]bool // with cooked, the loopback interfaces' indexes
	frame     []byte
	ring      []byte // the mapped blocks
	blockSize int
	blocks    int
	ringSize  int    // blockSize * blocks
	block     int    // the block being read
	reading   bool   // it is ours until left reaches 0
	left      int    // its packets not read yet
	pkt       int    // the offset of the next one in it
	received  uint64 // packets the kernel passed through the filter
	dropped   uint64 // packets the kernel dropped for lack of room
	outgoing  uint64 // loopback's second copies, left out
}

// ringBlock is the size of a ring's block: it must hold the largest
// packet (64 KiB on loopback, more with segmentation offload).
const ringBlock = 1 << 20

// htons turns v into network byte order in a uint16, as the socket API
// wants it.
func htons(v uint16) uint16 {
	return binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, v))
}

// openLive opens iface for capture with a filter for ports (all TCP when
// empty). An expression is libpcap's to compile (-tags pcap); this build
// reads --filter itself, after the kernel (Options.Filter).
func openLive(iface string, ports []uint16, expr string, ringSize int) (*packetSocket, error) {
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
		return nil, fmt.Errorf("interface %q is down (bring it up with: ip link set %q up)", iface, iface)
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
	s := &packetSocket{fd: fd, name: iface, link: link, loopback: ifi.Flags&net.FlagLoopback != 0, cooked: anyIface}
	if anyIface {
		s.loopbacks = loopbackIndexes()
	}
	// The filter goes on before the bind, so no unfiltered packet slips in.
	if err := attachFilter(fd, filter); err != nil {
		s.Close()
		return nil, fmt.Errorf("attaching the capture filter: %v", err)
	}
	if err := s.mapRing(ringSize); err != nil {
		s.Close()
		return nil, fmt.Errorf("setting up the capture ring of %d MiB (--ring-size): %v", s.ringSize>>20, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		s.Close()
		return nil, fmt.Errorf("binding to %s: %v", iface, err)
	}
	return s, nil
}

// mapRing asks for a TPACKET_V3 ring of size bytes and maps it. A block
// is handed to user space when it is full or has waited its timeout, so
// packets reach the views within that much time even when few come.
// Size 0 is DefaultRingSize, halved while the kernel has not the memory.
func (s *packetSocket) mapRing(size int) error {
	if err := unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return err
	}
	auto := size == 0
	if auto {
		size = DefaultRingSize()
	}
	for {
		s.blockSize, s.blocks = ringBlock, max(2, size/ringBlock)
		s.ringSize = s.blockSize * s.blocks
		const frame = 2048 // only checked by the kernel in V3: packets are packed in a block
		req := unix.TpacketReq3{Block_size: uint32(s.blockSize), Block_nr: uint32(s.blocks), Frame_size: frame,
			Frame_nr: uint32(s.blockSize / frame * s.blocks), Retire_blk_tov: ringTimeout}
		err := unix.SetsockoptTpacketReq3(s.fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req)
		if err == nil {
			break
		}
		if !auto || !errors.Is(err, unix.ENOMEM) || size/2 < minAutoRing {
			return err
		}
		size /= 2
	}
	ring, err := unix.Mmap(s.fd, 0, s.blockSize*s.blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	s.ring = ring
	return err
}

// ringTimeout is how long, in milliseconds, the kernel fills a block
// before handing it over anyway.
const ringTimeout = 20

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

// The block and packet headers of TPACKET_V3 (linux/if_packet.h).
const (
	blockStatus     = 8  // tpacket_block_desc: version, offset_to_priv, then tpacket_hdr_v1
	blockPackets    = 12 // num_pkts
	blockFirst      = 16 // offset_to_first_pkt
	tpStatusUser    = 1  // TP_STATUS_USER: the block is ours to read
	tpStatusKernel  = 0
	sockaddrLLAfter = (unix.SizeofTpacket3Hdr + 15) &^ 15 // TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
)

// next returns the next packet, or ok false when none came within wait
// (0: only one already in the ring). The data is valid until the next
// call.
func (s *packetSocket) next(wait time.Duration) (data []byte, ci gopacket.CaptureInfo, ok bool, err error) {
	deadline := time.Now().Add(wait)
	for {
		if s.left == 0 {
			if s.reading {
				s.release()
			}
			status := (*uint32)(unsafe.Pointer(&s.ring[s.block*s.blockSize+blockStatus]))
			if atomic.LoadUint32(status)&tpStatusUser == 0 {
				left := time.Until(deadline)
				if left <= 0 {
					return nil, ci, false, nil
				}
				fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN | unix.POLLERR}}
				if _, err := unix.Poll(fds, int((left+time.Millisecond-1)/time.Millisecond)); err != nil && !errors.Is(err, unix.EINTR) {
					return nil, ci, false, err
				}
				continue
			}
			base := s.block * s.blockSize
			s.reading = true
			s.left = int(binary.NativeEndian.Uint32(s.ring[base+blockPackets:]))
			s.pkt = base + int(binary.NativeEndian.Uint32(s.ring[base+blockFirst:]))
			continue
		}
		off := s.pkt
		h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&s.ring[off]))
		s.left--
		s.pkt += int(h.Next_offset)
		ll := s.ring[off+sockaddrLLAfter:]
		pkttype, ifindex := ll[10], int(int32(binary.NativeEndian.Uint32(ll[4:])))
		// On loopback every packet is seen leaving and arriving; keep the
		// arrival only, as libpcap does.
		if pkttype == unix.PACKET_OUTGOING && (s.loopback || s.cooked && s.loopbacks[ifindex]) {
			s.outgoing++
			continue
		}
		ci.Length = int(h.Len)
		ci.CaptureLength = int(h.Snaplen)
		ci.Timestamp = time.Unix(int64(h.Sec), int64(h.Nsec)).UTC()
		data := s.ring[off+int(h.Mac) : off+int(h.Mac)+int(h.Snaplen)]
		if s.cooked {
			data = s.sll(pkttype, binary.BigEndian.Uint16(ll[8:]), ll[11], ll[12:20], binary.NativeEndian.Uint16(ll[2:]), data)
			ci.Length += 16
			ci.CaptureLength = len(data)
		}
		return data, ci, true, nil
	}
}

// release hands the block read back to the kernel and moves to the next.
func (s *packetSocket) release() {
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&s.ring[s.block*s.blockSize+blockStatus])), tpStatusKernel)
	s.block = (s.block + 1) % s.blocks
	s.reading = false
}

// sll puts a Linux cooked-capture header (DLT_LINUX_SLL) in front of a
// network-layer packet received on an "any" socket.
func (s *packetSocket) sll(pkttype uint8, hatype uint16, halen uint8, addr []byte, protocol uint16, pkt []byte) []byte {
	h := s.frame[:0]
	h = binary.BigEndian.AppendUint16(h, uint16(pkttype))
	h = binary.BigEndian.AppendUint16(h, hatype)
	h = binary.BigEndian.AppendUint16(h, uint16(halen))
	h = append(h, addr[:8]...)
	h = binary.NativeEndian.AppendUint16(h, protocol) // kept in network order by the kernel
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

// updateStats adds what the kernel counted since the last call.
func (s *packetSocket) updateStats() {
	st, err := unix.GetsockoptTpacketStatsV3(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err == nil {
		s.received += uint64(st.Packets)
		s.dropped += uint64(st.Drops)
	}
}

func (s *packetSocket) Close() error {
	if s.ring != nil {
		unix.Munmap(s.ring)
	}
	return unix.Close(s.fd)
}

// batches: packets read from the ring may be gathered, as next(0) says
// without waiting whether more are there.
const batches = true

const filterSupported = false
