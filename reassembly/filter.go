package reassembly

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// MailFilter compiles a classic BPF program for a live capture that
// accepts only TCP segments to or from one of ports (IPv4, IPv6, one
// 802.1Q tag), plus non-first IPv4 fragments of TCP datagrams, which carry
// no ports but are needed to reassemble the datagram, IPv6 fragments for
// the same reason, and UDP datagrams to
// or from port 53 (DNS beside the mail). With no ports, or more than fit
// the program's short jumps, it accepts all TCP.
func MailFilter(link layers.LinkType, ports []uint16) ([]bpf.RawInstruction, error) {
	if len(ports) > 60 {
		ports = nil
	}
	var a asm
	switch link {
	case layers.LinkTypeEthernet:
		a.op(bpf.LoadAbsolute{Off: 12, Size: 2})
		a.jeq(0x0800, "v4_14")
		a.jeq(0x86dd, "v6_14")
		a.jeq(0x8100, "vlan")
		a.op(bpf.RetConstant{Val: 0})
		a.label("vlan")
		a.op(bpf.LoadAbsolute{Off: 16, Size: 2})
		a.jeq(0x0800, "v4_18")
		a.jeq(0x86dd, "v6_18")
		a.op(bpf.RetConstant{Val: 0})
		a.ip(14, ports)
		a.ip(18, ports)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		a.op(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0})
		a.jeq(0x40, "v4_0")
		a.jeq(0x60, "v6_0")
		a.op(bpf.RetConstant{Val: 0})
		a.ip(0, ports)
	default:
		return nil, fmt.Errorf("no capture filter for link type %s", link)
	}
	a.label("accept")
	a.op(bpf.RetConstant{Val: 262144})
	a.label("reject")
	a.op(bpf.RetConstant{Val: 0})
	prog, err := a.assemble()
	if err != nil {
		return nil, err
	}
	return bpf.Assemble(prog)
}

// ip emits the IPv4 and IPv6 checks for a network header at offset base.
func (a *asm) ip(base uint32, ports []uint16) {
	udp4, udp6 := fmt.Sprintf("udp4_%d", base), fmt.Sprintf("udp6_%d", base)
	a.label(fmt.Sprintf("v4_%d", base))
	a.op(bpf.LoadAbsolute{Off: base + 9, Size: 1})
	a.jeq(17, udp4)
	a.jne(6, "reject")
	a.op(bpf.LoadAbsolute{Off: base + 6, Size: 2})
	a.jset(0x1fff, "accept") // a later fragment: no TCP header in it
	a.op(bpf.LoadMemShift{Off: base})
	a.ports(bpf.LoadIndirect{Off: base, Size: 2}, bpf.LoadIndirect{Off: base + 2, Size: 2}, ports)
	a.label(udp4)
	a.op(bpf.LoadAbsolute{Off: base + 6, Size: 2})
	a.jset(0x1fff, "reject")
	a.op(bpf.LoadMemShift{Off: base})
	a.ports(bpf.LoadIndirect{Off: base, Size: 2}, bpf.LoadIndirect{Off: base + 2, Size: 2}, []uint16{53})
	a.label(fmt.Sprintf("v6_%d", base))
	a.op(bpf.LoadAbsolute{Off: base + 6, Size: 1})
	a.jeq(17, udp6)
	a.jeq(44, "accept") // a fragment (RFC 8200 §4.5): its ports, if any, are past what a filter reads
	a.jne(6, "reject")
	a.ports(bpf.LoadAbsolute{Off: base + 40, Size: 2}, bpf.LoadAbsolute{Off: base + 42, Size: 2}, ports)
	a.label(udp6)
	a.ports(bpf.LoadAbsolute{Off: base + 40, Size: 2}, bpf.LoadAbsolute{Off: base + 42, Size: 2}, []uint16{53})
}

func (a *asm) ports(src, dst bpf.Instruction, ports []uint16) {
	if len(ports) == 0 {
		a.jump("accept")
		return
	}
	for _, load := range []bpf.Instruction{src, dst} {
		a.op(load)
		for _, p := range ports {
			a.jeq(uint32(p), "accept")
		}
	}
	a.jump("reject")
}

// asm assembles classic BPF with named forward jump targets.
type asm struct {
	ins    []insn
	labels map[string]int
}

type insn struct {
	op     bpf.Instruction
	cond   bpf.JumpTest
	val    uint32
	target string // for jumps
	always bool
}

func (a *asm) op(i bpf.Instruction) { a.ins = append(a.ins, insn{op: i}) }
func (a *asm) jeq(v uint32, to string) {
	a.ins = append(a.ins, insn{cond: bpf.JumpEqual, val: v, target: to})
}
func (a *asm) jne(v uint32, to string) {
	a.ins = append(a.ins, insn{cond: bpf.JumpNotEqual, val: v, target: to})
}
func (a *asm) jset(v uint32, to string) {
	a.ins = append(a.ins, insn{cond: bpf.JumpBitsSet, val: v, target: to})
}
func (a *asm) jump(to string) { a.ins = append(a.ins, insn{target: to, always: true}) }

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.ins)
}

func (a *asm) assemble() ([]bpf.Instruction, error) {
	out := make([]bpf.Instruction, len(a.ins))
	for i, in := range a.ins {
		if in.target == "" {
			out[i] = in.op
			continue
		}
		to, ok := a.labels[in.target]
		skip := to - i - 1
		if !ok || skip < 0 || (!in.always && skip > 255) {
			return nil, fmt.Errorf("capture filter: cannot jump from %d to %q", i, in.target)
		}
		if in.always {
			out[i] = bpf.Jump{Skip: uint32(skip)}
		} else {
			out[i] = bpf.JumpIf{Cond: in.cond, Val: in.val, SkipTrue: uint8(skip)}
		}
	}
	return out, nil
}
