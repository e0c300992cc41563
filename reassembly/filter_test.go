package reassembly

import (
	"fmt"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

func TestMailFilter(t *testing.T) {
	mailPorts := []uint16{25, 587, 110, 143, 465, 993, 995}
	smtp := packet{true, "PA", 1, 1, "EHLO x\r\n"}   // client port 40000 -> 25
	reply := packet{false, "PA", 1, 1, "250 ok\r\n"} // 25 -> 40000
	type frame struct {
		name   string
		link   layers.LinkType
		data   []byte
		accept bool
	}
	eth := func(p packet, v6, vlan bool) []byte { return append(ethHeader(v6, vlan), ipPacket(t, p, v6)...) }
	web := smtp
	frames := []frame{
		{"IPv4 to port 25", layers.LinkTypeEthernet, eth(smtp, false, false), true},
		{"IPv4 from port 25", layers.LinkTypeEthernet, eth(reply, false, false), true},
		{"IPv6 to port 25", layers.LinkTypeEthernet, eth(smtp, true, false), true},
		{"VLAN IPv4 to port 25", layers.LinkTypeEthernet, eth(smtp, false, true), true},
		{"VLAN IPv6 from port 25", layers.LinkTypeEthernet, eth(reply, true, true), true},
		{"raw IPv4", layers.LinkTypeRaw, ipPacket(t, smtp, false), true},
		{"raw IPv6", layers.LinkTypeRaw, ipPacket(t, reply, true), true},
	}
	// The same segments moved to port 8080 are not mail.
	webFrame := func(v6, vlan bool) []byte {
		b := eth(web, v6, vlan)
		off := 14 + 20
		if v6 {
			off = 14 + 40
		}
		if vlan {
			off += 4
		}
		b[off+2], b[off+3] = 0x1f, 0x90 // destination port 8080
		return b
	}
	frames = append(frames,
		frame{"IPv4 to port 8080", layers.LinkTypeEthernet, webFrame(false, false), false},
		frame{"IPv6 to port 8080", layers.LinkTypeEthernet, webFrame(true, false), false},
		frame{"VLAN IPv4 to port 8080", layers.LinkTypeEthernet, webFrame(false, true), false},
		frame{"ARP", layers.LinkTypeEthernet, append(append([]byte{}, ethHeader(false, false)[:12]...), 0x08, 0x06, 0, 1), false},
	)
	// UDP to port 25 is not TCP.
	udp := eth(smtp, false, false)
	udp[14+9] = 17
	frames = append(frames, frame{"UDP to port 25", layers.LinkTypeEthernet, udp, false})
	// DNS beside the mail: UDP to or from port 53, IPv4 and IPv6.
	for _, v6 := range []bool{false, true} {
		for _, vlan := range []bool{false, true} {
			d := eth(smtp, v6, vlan)
			ip, l4 := 14, 14+20
			if vlan {
				ip, l4 = ip+4, l4+4
			}
			if v6 {
				d[ip+6], l4 = 17, ip+40
			} else {
				d[ip+9] = 17
			}
			d[l4+2], d[l4+3] = 0, 53
			frames = append(frames, frame{fmt.Sprintf("UDP to port 53 (IPv6 %v, VLAN %v)", v6, vlan), layers.LinkTypeEthernet, d, true})
		}
	}
	// A later IPv4 fragment of a TCP datagram carries no ports: keep it.
	frag := eth(web, false, false)
	frag[14+6], frag[14+7] = 0x00, 0x10
	frames = append(frames, frame{"later TCP fragment", layers.LinkTypeEthernet, frag, true})
	// So are IPv6 fragments: the Fragment header stands where TCP's would.
	frag6 := eth(web, true, false)
	frag6[14+6] = 44
	frames = append(frames, frame{"IPv6 fragment", layers.LinkTypeEthernet, frag6, true})

	progs := map[layers.LinkType]*bpf.VM{}
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw} {
		raw, err := MailFilter(link, mailPorts)
		if err != nil {
			t.Fatal(err)
		}
		var prog []bpf.Instruction
		for _, r := range raw {
			prog = append(prog, r.Disassemble())
		}
		vm, err := bpf.NewVM(prog)
		if err != nil {
			t.Fatal(err)
		}
		progs[link] = vm
	}
	for _, f := range frames {
		n, err := progs[f.link].Run(f.data)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if (n > 0) != f.accept {
			t.Errorf("%s: filter returned %d, want accept=%v", f.name, n, f.accept)
		}
	}
}

func TestMailFilterAllTCP(t *testing.T) {
	raw, err := MailFilter(layers.LinkTypeEthernet, nil)
	if err != nil {
		t.Fatal(err)
	}
	var prog []bpf.Instruction
	for _, r := range raw {
		prog = append(prog, r.Disassemble())
	}
	vm, _ := bpf.NewVM(prog)
	b := append(ethHeader(false, false), ipPacket(t, packet{true, "PA", 1, 1, "GET /"}, false)...)
	b[14+20+2], b[14+20+3] = 0x1f, 0x90
	if n, _ := vm.Run(b); n == 0 {
		t.Errorf("with no ports every TCP segment should pass")
	}
}
