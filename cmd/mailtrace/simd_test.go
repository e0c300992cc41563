package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestNoAVXLeftDirty: every assembly function linked into the command
// that writes a YMM or ZMM register has a VZEROUPPER to clear their upper
// halves before it returns (that each path out passes one is not
// checked: it takes a disassembler's flow graph). One that had none
// (segmentio/asm's printable check) left them dirty for the SSE code Go
// compiles to, and on an AMD EPYC guest every such instruction after it
// paid: --full ran 2.3-2.6 times as long, --follow 2.8-4.5. A
// dependency's update must not bring that back.
func TestNoAVXLeftDirty(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("VEX and EVEX are amd64's")
	}
	bin := mailtraceBinary(t) // go test's own binaries have no symbols
	// Functions written in assembly are ABI0's; the compiler's own code
	// never writes a YMM register.
	out, err := exec.Command("go", "tool", "objdump", "-s", `\.abi0$`, bin).Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v", err)
	}
	dirty := wideWithoutVzeroupper(out)
	for _, f := range dirty {
		t.Errorf("%s writes YMM or ZMM registers and returns without VZEROUPPER", f)
	}
	if !bytes.Contains(out, []byte("VZEROUPPER")) {
		t.Fatal("no VZEROUPPER in any function: the scan read nothing")
	}
}

// wideWithoutVzeroupper lists the functions of go tool objdump's output
// that hold a 256- or 512-bit instruction and no VZEROUPPER or VZEROALL.
// Left out: the runtime's preemption stub, which saves and restores the
// registers it finds, and BoringCrypto's marker, which is bytes, not
// code.
func wideWithoutVzeroupper(objdump []byte) []string {
	skip := map[string]bool{"runtime.asyncPreempt.abi0(SB)": true, "crypto/internal/boring/sig.StandardCrypto.abi0(SB)": true}
	var found []string
	name, wide, zeroed := "", false, false
	end := func() {
		if name != "" && wide && !zeroed && !skip[name] {
			found = append(found, name)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(objdump))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "TEXT "); ok {
			end()
			name, wide, zeroed = strings.Fields(rest)[0], false, false
			continue
		}
		f := strings.Fields(line) // file:line, address, encoding, instruction
		if len(f) < 4 {
			continue
		}
		if f[3] == "VZEROUPPER" || f[3] == "VZEROALL" {
			zeroed = true
		}
		if b, err := hex.DecodeString(f[2]); err == nil && vectorWide(b) {
			wide = true
		}
	}
	end()
	return found
}

// vectorWide reports an instruction encoded to use 256 or 512 bits: a
// VEX prefix with its L bit set (Intel SDM vol. 2, §2.3.5), or an EVEX
// prefix whose L'L is not 128 bits (§2.7.10).
func vectorWide(b []byte) bool {
	switch {
	case len(b) >= 2 && b[0] == 0xc5:
		return b[1]&0x04 != 0
	case len(b) >= 3 && b[0] == 0xc4:
		return b[2]&0x04 != 0
	case len(b) >= 4 && b[0] == 0x62:
		return b[3]>>5&0x03 != 0
	}
	return false
}

// TestVectorWide reads the prefixes as the manual writes them.
func TestVectorWide(t *testing.T) {
	for _, c := range []struct {
		hex  string
		want bool
	}{
		{"c5fe6f16", true},        // VMOVDQU (SI), Y2
		{"c5fa6f16", false},       // VMOVDQU (SI), X2
		{"c4427d78c9", true},      // VPBROADCASTB X9, Y9
		{"c4427978c9", false},     // VPBROADCASTB X9, X9
		{"c5f877", false},         // VZEROUPPER
		{"62f17e486f06", true},    // VMOVDQU32 (SI), Z0
		{"62f17e086f06", false},   // VMOVDQU32 (SI), X0
		{"66440f3a20c200", false}, // PINSRB: SSE
		{"4889e5", false},         // MOVQ SP, BP
		{"62f17e286f06", true},    // VMOVDQU32 (SI), Y0
		{"c4e37d38c101", true},    // VINSERTI128
		{"c4e2791800", false},     // VBROADCASTSS (AX), X0
		{"c5", false},             // cut short
		{"c4e27d", true},          // VEX.256 prefix alone
		{"62f17e", false},         // EVEX cut short
		{"f30f6f06", false},       // MOVDQU: SSE
		{"c5fdefc0", true},        // VPXOR Y0, Y0, Y0
		{"c5f9efc0", false},       // VPXOR X0, X0, X0
		{"0f1f440000", false},     // NOP
		{"c5fd7f07", true},        // VMOVDQA Y0, (DI)
		{"62f1fd48efc0", true},    // VPXORQ Z0, Z0, Z0
	} {
		b, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := vectorWide(b); got != c.want {
			t.Errorf("%s: wide %v, want %v", c.hex, got, c.want)
		}
	}
	dump := []byte("TEXT a.f.abi0(SB) a.s\n  a.s:1\t0x1\t\tc5fe6f16\t\tVMOVDQU 0(SI), X2\n  a.s:2\t0x5\t\tc3\t\tRET\n" +
		"TEXT a.g.abi0(SB) a.s\n  a.s:3\t0x6\t\tc5fe6f16\t\tVMOVDQU 0(SI), X2\n  a.s:4\t0xa\t\tc5f877\t\tVZEROUPPER\n" +
		"TEXT a.h.abi0(SB) a.s\n  a.s:5\t0xd\t\tc5fa6f16\t\tVMOVDQU 0(SI), X2\n")
	if got := wideWithoutVzeroupper(dump); len(got) != 1 || got[0] != "a.f.abi0(SB)" {
		t.Errorf("dirty: %q, want a.f only", got)
	}
}
