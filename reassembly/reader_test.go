package reassembly

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// recorder is a Handler that writes down what it is told.
type recorder struct {
	mu    sync.Mutex // a live capture records on a goroutine of its own
	conns []*recConn
}

type recConn struct {
	info   ConnInfo
	events []string
	ended  string
	mu     *sync.Mutex
}

func (r *recorder) Open(info ConnInfo) Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := &recConn{info: info, mu: &r.mu}
	r.conns = append(r.conns, c)
	return c
}

// ended reports whether a connection to port has been closed.
func (r *recorder) ended(port uint16) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		if (c.info.A.Port() == port || c.info.B.Port() == port) && c.ended != "" {
			return true
		}
	}
	return false
}

func (c *recConn) Data(d Dir, _ time.Time, b []byte, _ int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Adjacent chunks of one direction are merged: how bytes are cut
	// into deliveries is not part of the contract.
	tag := fmt.Sprintf("%d:", d)
	if n := len(c.events); n > 0 && strings.HasPrefix(c.events[n-1], tag) {
		c.events[n-1] += string(b)
		return
	}
	c.events = append(c.events, tag+string(b))
}

func (c *recConn) Gap(d Dir, _ time.Time, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf("gap %d:%d", d, n))
}

func (c *recConn) Conflict(d Dir, _ time.Time, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf("conflict %d:%d", d, n))
}

func (c *recConn) Close(_ time.Time, how End) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended = fmt.Sprint(how)
}

// packet is one TCP segment of a scripted conversation.
type packet struct {
	fromClient bool
	flags      string // S, A, F, R, P
	seq, ack   uint32
	payload    string
}

var (
	clientIP4 = net.IP{192, 0, 2, 10}
	serverIP4 = net.IP{192, 0, 2, 25}
	clientIP6 = net.ParseIP("2001:db8::10")
	serverIP6 = net.ParseIP("2001:db8::25")
)

// conversation is a short SMTP exchange with handshake and close.
func conversation() []packet {
	return []packet{
		{true, "S", 1000, 0, ""},
		{false, "SA", 5000, 1001, ""},
		{true, "A", 1001, 5001, ""},
		{false, "PA", 5001, 1001, "220 mx ESMTP\r\n"},
		{true, "PA", 1001, 5015, "EHLO c\r\n"},
		{false, "PA", 5015, 1009, "250 mx\r\n"},
		{true, "FA", 1009, 5023, ""},
		{false, "FA", 5023, 1010, ""},
		{true, "A", 1010, 5024, ""},
	}
}

var wantEvents = []string{"0:220 mx ESMTP\r\n", "1:EHLO c\r\n", "0:250 mx\r\n"}

// ipPacket serializes the IP and TCP layers of p.
func ipPacket(t *testing.T, p packet, v6 bool) []byte {
	t.Helper()
	src, dst := clientIP4, serverIP4
	if v6 {
		src, dst = clientIP6, serverIP6
	}
	sport, dport := layers.TCPPort(40000), layers.TCPPort(25)
	if !p.fromClient {
		src, dst, sport, dport = dst, src, dport, sport
	}
	tcp := &layers.TCP{SrcPort: sport, DstPort: dport, Seq: p.seq, Ack: p.ack, Window: 65535,
		SYN: strings.Contains(p.flags, "S"), ACK: strings.Contains(p.flags, "A"), FIN: strings.Contains(p.flags, "F"),
		RST: strings.Contains(p.flags, "R"), PSH: strings.Contains(p.flags, "P")}
	var ip gopacket.SerializableLayer
	if v6 {
		l := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp.SetNetworkLayerForChecksum(l)
		ip = l
	} else {
		l := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp.SetNetworkLayerForChecksum(l)
		ip = l
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(p.payload)); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

// framers put a link-layer header in front of an IP packet.
var framers = map[string]struct {
	link  layers.LinkType
	frame func(ip []byte, v6 bool) []byte
}{
	"ethernet": {layers.LinkTypeEthernet, func(ip []byte, v6 bool) []byte {
		return append(ethHeader(v6, false), ip...)
	}},
	"ethernet+vlan": {layers.LinkTypeEthernet, func(ip []byte, v6 bool) []byte {
		return append(ethHeader(v6, true), ip...)
	}},
	"linux sll": {layers.LinkTypeLinuxSLL, func(ip []byte, v6 bool) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		binary.BigEndian.PutUint16(h[14:], etherType(v6))
		return append(h, ip...)
	}},
	"linux sll2": {layers.LinkTypeLinuxSLL2, func(ip []byte, v6 bool) []byte {
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], etherType(v6))
		binary.BigEndian.PutUint32(h[4:], 2) // interface index
		binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
		h[10], h[11] = 4, 6                  // outgoing, address length
		return append(h, ip...)
	}},
	"bsd loopback": {layers.LinkTypeNull, func(ip []byte, v6 bool) []byte {
		family := uint32(2) // AF_INET, in the capturing host's byte order
		if v6 {
			family = 30 // AF_INET6 on Darwin
		}
		h := make([]byte, 4)
		binary.LittleEndian.PutUint32(h, family)
		return append(h, ip...)
	}},
	"raw ip": {layers.LinkTypeRaw, func(ip []byte, _ bool) []byte { return ip }},
}

func etherType(v6 bool) uint16 {
	if v6 {
		return 0x86dd
	}
	return 0x0800
}

func ethHeader(v6, vlan bool) []byte {
	h := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	if vlan {
		h = append(h, 0x81, 0x00, 0x00, 0x64)
	}
	return binary.BigEndian.AppendUint16(h, etherType(v6))
}

func pcapFile(t *testing.T, link layers.LinkType, frames [][]byte, nanos bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, link); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// bigEndianPcap writes a pcap as a big-endian host would.
func bigEndianPcap(link layers.LinkType, frames [][]byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.BigEndian.AppendUint16(b, 2)
	b = binary.BigEndian.AppendUint16(b, 4)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, 65535)
	b = binary.BigEndian.AppendUint32(b, uint32(link))
	for i, f := range frames {
		b = binary.BigEndian.AppendUint32(b, 1767323045)
		b = binary.BigEndian.AppendUint32(b, uint32(i*1000))
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func run(t *testing.T, files ...[]byte) (*recorder, Stats, []Warning) {
	t.Helper()
	rec := &recorder{}
	var warnings []Warning
	r := NewReader(DefaultOptions(), rec, func(w Warning) { warnings = append(warnings, w) })
	var inputs []Input
	for _, f := range files {
		inputs = append(inputs, Input{Path: "-", Reader: bytes.NewReader(f)})
	}
	st, err := r.ReadAll(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	return rec, st, warnings
}

func checkConversation(t *testing.T, rec *recorder, v6 bool) {
	t.Helper()
	if len(rec.conns) != 1 {
		t.Fatalf("got %d connections, want 1", len(rec.conns))
	}
	c := rec.conns[0]
	// The SYN comes first, so A is the client and opened the connection.
	if c.info.Opener != OpenerA || c.info.B.Port() != 25 {
		t.Errorf("got opener %v, B %v", c.info.Opener, c.info.B)
	}
	if v6 != c.info.A.Addr().Is6() {
		t.Errorf("address family: got %v", c.info.A)
	}
	// Events are relative to A: BtoA (1) is the server here.
	want := []string{"1:" + wantEvents[0][2:], "0:" + wantEvents[1][2:], "1:" + wantEvents[2][2:]}
	if strings.Join(c.events, "|") != strings.Join(want, "|") {
		t.Errorf("events: got %q, want %q", c.events, want)
	}
	if c.ended != fmt.Sprint(EndClosed) {
		t.Errorf("end: got %s", c.ended)
	}
}

func TestLinkTypes(t *testing.T) {
	for name, fr := range framers {
		for _, v6 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/ipv6=%v", name, v6), func(t *testing.T) {
				var frames [][]byte
				for _, p := range conversation() {
					frames = append(frames, fr.frame(ipPacket(t, p, v6), v6))
				}
				rec, st, _ := run(t, pcapFile(t, fr.link, frames, false))
				if st.UnknownLink != 0 || st.Malformed != 0 {
					t.Errorf("stats: %+v", st)
				}
				checkConversation(t, rec, v6)
			})
		}
	}
}

func conversationFrames(t *testing.T) [][]byte {
	var frames [][]byte
	for _, p := range conversation() {
		frames = append(frames, append(ethHeader(false, false), ipPacket(t, p, false)...))
	}
	return frames
}

func TestFileFormats(t *testing.T) {
	frames := conversationFrames(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(pcapFile(t, layers.LinkTypeEthernet, frames, true))
	zw.Close()
	formats := map[string][]byte{
		"pcap microseconds": pcapFile(t, layers.LinkTypeEthernet, frames, false),
		"pcap nanoseconds":  pcapFile(t, layers.LinkTypeEthernet, frames, true),
		"pcap big-endian":   bigEndianPcap(layers.LinkTypeEthernet, frames),
		"pcap gzip":         gz.Bytes(),
		"pcapng":            pcapngFile(t, frames),
	}
	for name, data := range formats {
		t.Run(name, func(t *testing.T) {
			rec, _, warnings := run(t, data)
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			checkConversation(t, rec, false)
		})
	}
}

// pcapngFile writes the conversation in two sections: the first with an
// Ethernet interface, the second with a raw-IP and an Ethernet interface,
// the packets spread over all of them.
func pcapngFile(t *testing.T, ethFrames [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	write := func(w *pcapgo.NgWriter, iface int, i int, frame []byte) {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame), InterfaceIndex: iface}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	w1, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		write(w1, 0, i, ethFrames[i])
	}
	w1.Flush()
	w2, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "tun0", LinkType: layers.LinkTypeRaw, SnapLength: 65535}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	eth, err := w2.AddInterface(pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	for i := 3; i < len(ethFrames); i++ {
		if i%2 == 0 {
			write(w2, eth, i, ethFrames[i])
		} else {
			write(w2, 0, i, ethFrames[i][14:]) // raw IP on interface 0
		}
	}
	w2.Flush()
	return buf.Bytes()
}

func TestIPv4Fragments(t *testing.T) {
	var frames [][]byte
	for _, p := range conversation() {
		ip := ipPacket(t, p, false)
		if p.payload != "EHLO c\r\n" {
			frames = append(frames, append(ethHeader(false, false), ip...))
			continue
		}
		// Fragment: the TCP header and 4 payload bytes, then the rest,
		// the second fragment first.
		hdr, body := ip[:20], ip[20:]
		cut := 24
		f1 := fragment(hdr, body[:cut], 0, true)
		f2 := fragment(hdr, body[cut:], cut, false)
		frames = append(frames, append(ethHeader(false, false), f2...), append(ethHeader(false, false), f1...))
	}
	rec, _, _ := run(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
	checkConversation(t, rec, false)
}

func fragment(hdr, payload []byte, offset int, more bool) []byte {
	h := bytes.Clone(hdr)
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	flags := uint16(offset / 8)
	if more {
		flags |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:], flags)
	h[10], h[11] = 0, 0
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	return append(h, payload...)
}

func TestLostSegmentIsAGap(t *testing.T) {
	conv := conversation()
	conv = append(conv[:5:5], append([]packet{{true, "PA", 1009, 5023, "NOOP\r\n"}}, conv[5:]...)...)
	// Drop the client's EHLO: the NOOP after it arrives beyond a hole.
	var frames [][]byte
	for _, p := range conv {
		if p.payload == "EHLO c\r\n" {
			continue
		}
		if p.flags == "FA" && p.fromClient {
			p.seq += 6
		}
		frames = append(frames, append(ethHeader(false, false), ipPacket(t, p, false)...))
	}
	rec, _, _ := run(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
	c := rec.conns[0]
	// The 250 acknowledges the lost EHLO, so it follows the gap; the NOOP
	// acknowledges the 250, so it follows that, though captured first.
	want := "1:220 mx ESMTP\r\n|gap 0:8|1:250 mx\r\n|0:NOOP\r\n"
	if got := strings.Join(c.events, "|"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUnknownLinkTypeCounted(t *testing.T) {
	frames := conversationFrames(t)
	_, st, _ := run(t, pcapFile(t, layers.LinkType(147), frames, false)) // DLT_USER0
	if st.UnknownLink != int64(len(frames)) || st.Connections != 0 {
		t.Errorf("got %+v", st)
	}
}

func testTime(ms int) time.Time {
	return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
}

// TestMaxOpen: connections that never close are given up, those idle
// longest first, once more than MaxOpen are open.
func TestMaxOpen(t *testing.T) {
	var frames [][]byte
	var times []time.Time
	for i := 0; i < 50; i++ {
		p := packet{true, "S", 1000, 0, ""}
		f := append(ethHeader(false, false), ipPacket(t, p, false)...)
		// A distinct client port per connection.
		f[14+20], f[14+21] = byte(i>>8), byte(i)
		frames = append(frames, f)
		times = append(times, testTime(i*1000))
	}
	rec := &recorder{}
	opts := DefaultOptions()
	opts.MaxOpen = 10
	r := NewReader(opts, rec, nil)
	for i, f := range frames {
		r.Packet(layers.LinkTypeEthernet, f, times[i])
		if r.open > opts.MaxOpen {
			t.Fatalf("after %d connections %d are open, bound is %d", i+1, r.open, opts.MaxOpen)
		}
	}
	st := r.stats
	r.Finish()
	if st.Evicted < 40 {
		t.Errorf("evicted %d connections, want at least 40", st.Evicted)
	}
	// The first connections went first.
	if rec.conns[0].ended != fmt.Sprint(EndEvicted) || rec.conns[49].ended != fmt.Sprint(EndOpen) {
		t.Errorf("first ended %s, last ended %s", rec.conns[0].ended, rec.conns[49].ended)
	}
}

func TestOverlapCheck(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB
	evil := bytes.Clone(data)
	copy(evil[500:], "EVIL")
	tests := []struct {
		name     string
		seq      uint32
		again    []byte
		againSeq uint32
		want     int
	}{
		{"same range, same bytes", 1000, data, 1000, 0},
		{"same range, other bytes", 1000, evil, 1000, blockSize},
		{"overlap with other boundaries, same bytes", 1000, data[100:900], 1100, 0},
		{"overlap with other boundaries, other bytes", 1000, evil[100:900], 1100, blockSize},
		{"across the sequence wrap", 0xffffff00, evil[37:], 0xffffff00 + 37, blockSize},
	}
	short, shortEvil := []byte("RCPT TO:<alumnopop@redes.unlp.edu.ar>\r\n"), []byte("RCPT TO:<attacker0@redes.unlp.edu.ar>\r\n")
	seed := maphash.MakeSeed()
	var o overlapCheck
	o.check(seed, 5000, short)
	if n := o.check(seed, 5000, short); n != 0 {
		t.Errorf("short segment sent again: %d conflicting bytes", n)
	}
	if n := o.check(seed, 5000, shortEvil); n != len(short) {
		t.Errorf("short segment with other bytes: got %d conflicting bytes, want %d", n, len(short))
	}
	for _, tc := range tests {
		var o overlapCheck
		if n := o.check(seed, tc.seq, data); n != 0 {
			t.Fatalf("%s: the first copy conflicts (%d)", tc.name, n)
		}
		if n := o.check(seed, tc.againSeq, tc.again); n != tc.want {
			t.Errorf("%s: got %d conflicting bytes, want %d", tc.name, n, tc.want)
		}
	}
}

// TestTailLossIsAGap: bytes lost at the end of a direction leave no hole
// for a later segment to show, but the other side acknowledged them: they
// are a gap of that direction and size, whether the FIN was lost too or
// not, and the connection still open or closed.
func TestTailLossIsAGap(t *testing.T) {
	tests := []struct {
		name string
		drop func(p packet) bool
		want string
	}{{
		name: "nothing lost: no gap",
		drop: func(packet) bool { return false },
		want: "1:220 mx ESMTP\r\n|0:EHLO c\r\n|1:250 mx\r\n",
	}, {
		name: "the server's last reply lost, its FIN seen",
		drop: func(p packet) bool { return p.payload == "250 mx\r\n" },
		want: "1:220 mx ESMTP\r\n|0:EHLO c\r\n|gap 1:8",
	}, {
		// The client's acknowledgements lost too: the FIN's sequence
		// number says where the server's bytes ended.
		name: "the server's last reply lost, and what acknowledged it",
		drop: func(p packet) bool {
			return p.payload == "250 mx\r\n" || p.fromClient && (p.flags == "FA" || p.seq == 1010)
		},
		want: "1:220 mx ESMTP\r\n|0:EHLO c\r\n|gap 1:8",
	}, {
		name: "the server's last reply and its FIN lost",
		drop: func(p packet) bool { return p.payload == "250 mx\r\n" || !p.fromClient && p.flags == "FA" },
		want: "1:220 mx ESMTP\r\n|0:EHLO c\r\n|gap 1:8",
	}, {
		// Known only at the end; the reply that acknowledged the lost
		// bytes was still waiting for them (less than FlushAfter went
		// by), and goes after the gap.
		name: "the client's last command lost, still open",
		drop: func(p packet) bool {
			return p.payload == "EHLO c\r\n" || p.flags == "FA" || p.flags == "A" && p.seq == 1010
		},
		want: "1:220 mx ESMTP\r\n|gap 0:8|1:250 mx\r\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var frames [][]byte
			for _, p := range conversation() {
				if !tc.drop(p) {
					frames = append(frames, append(ethHeader(false, false), ipPacket(t, p, false)...))
				}
			}
			rec, _, _ := run(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
			if got := strings.Join(rec.conns[0].events, "|"); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHeadLossIsAGap: the client's SYN and first command lost, the
// server's SYN-ACK seen: it acknowledged where the client began, so the
// bytes before the first seen are a gap, before it.
func TestHeadLossIsAGap(t *testing.T) {
	conv := conversation()
	conv = append(conv[:5:5], append([]packet{{true, "PA", 1009, 5023, "NOOP\r\n"}}, conv[5:]...)...)
	var frames [][]byte
	for _, p := range conv {
		if p.flags == "S" || p.payload == "EHLO c\r\n" || p.fromClient && p.flags == "A" && p.seq == 1001 {
			continue
		}
		if p.flags == "FA" && p.fromClient {
			p.seq += 6
		}
		frames = append(frames, append(ethHeader(false, false), ipPacket(t, p, false)...))
	}
	rec, _, _ := run(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
	// The SYN-ACK came first: the server is A (0) here.
	want := "0:220 mx ESMTP\r\n|gap 1:8|0:250 mx\r\n|1:NOOP\r\n"
	if got := strings.Join(rec.conns[0].events, "|"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestResetPastTheBytesIsAGap: a RST's sequence number is past bytes the
// capture lacks, and nothing acknowledged them: they are a gap.
func TestResetPastTheBytesIsAGap(t *testing.T) {
	conv := conversation()[:5] // handshake, greeting, EHLO
	// The server's 250 is lost, and it resets after it.
	conv = append(conv, packet{false, "R", 5023, 0, ""})
	var frames [][]byte
	for _, p := range conv {
		frames = append(frames, append(ethHeader(false, false), ipPacket(t, p, false)...))
	}
	rec, _, _ := run(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
	if got, want := strings.Join(rec.conns[0].events, "|"), "1:220 mx ESMTP\r\n|0:EHLO c\r\n|gap 1:8"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// timeConn writes down the time each delivery carries.
type timeConn struct {
	nopConn
	times map[string]time.Time
}

func (c *timeConn) Data(_ Dir, t time.Time, b []byte, _ int64) { c.times[string(b)] = t }

type timeHandler struct{ conn *timeConn }

func (h timeHandler) Open(ConnInfo) Conn { return h.conn }

// TestDataCarriesItsPacketsTime: bytes delivered as they arrive carry
// their own packet's capture time, even when the capture's clock stepped
// back and an earlier packet of the connection bears a later time.
func TestDataCarriesItsPacketsTime(t *testing.T) {
	conn := &timeConn{times: map[string]time.Time{}}
	r := NewReader(DefaultOptions(), timeHandler{conn}, nil)
	want := map[string]time.Time{}
	for i, p := range conversation() {
		at := testTime(i * 1000)
		if p.payload == "EHLO c\r\n" {
			at = testTime(2500) // before the 220's 3000
		}
		if p.payload != "" {
			want[p.payload] = at
		}
		r.Packet(layers.LinkTypeEthernet, append(ethHeader(false, false), ipPacket(t, p, false)...), at)
	}
	r.Finish()
	for payload, at := range want {
		if got, ok := conn.times[payload]; !ok || !got.Equal(at) {
			t.Errorf("%q: delivered at %v (delivered: %v), want %v", payload, got, ok, at)
		}
	}
}
