package reassembly

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// FuzzReader reads arbitrary bytes as a capture file: it must return a
// FileError or finish, with warnings at most, and never panic or hang.
func FuzzReader(f *testing.F) {
	samples, _ := filepath.Glob("../samples/*.pcapng")
	for _, p := range samples[:min(2, len(samples))] {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte{})                                // empty
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})          // pcap magic only
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 1, 2})    // pcapng header cut
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0}) // gzip header only
	if data, err := os.ReadFile("../samples/tls-secrets.pcapng"); err == nil {
		f.Add(data) // a Decryption Secrets Block
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := DefaultOptions()
		secrets := 0
		o.Secrets = func(keylog []byte) {
			if secrets += len(keylog); secrets > len(data) {
				t.Fatalf("%d bytes of secrets from %d bytes of file", secrets, len(data))
			}
		}
		r := NewReader(o, &recorder{}, func(Warning) {})
		_, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(data)}})
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("error of unexpected type %T: %v", err, err)
		}
	})
}

// FuzzPacket decodes and reassembles arbitrary frames of every link type.
func FuzzPacket(f *testing.F) {
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), append(ethHeader(false, true), 0x45, 0, 0, 20))
	f.Add(uint8(5), []byte{0x60, 0, 0, 0, 0, 0, 6, 64})
	f.Fuzz(func(t *testing.T, which uint8, frame []byte) {
		links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
			layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6}
		rec := &recorder{}
		r := NewReader(DefaultOptions(), rec, nil)
		link := links[int(which)%len(links)]
		r.Packet(link, frame, testTime(0))
		r.Packet(link, frame, testTime(1))
		r.Finish()
	})
}

// FuzzPlainTCPAsLayers holds the fast path for plain Ethernet, IPv4 and
// TCP frames to gopacket's layer-by-layer decoding: whatever frame it
// takes, the general way takes too, with the same addresses, flow and
// TCP header; and it takes the frames mail captures are made of.
func FuzzPlainTCPAsLayers(f *testing.F) {
	t := &testing.T{}
	for _, p := range conversation() {
		f.Add(append(ethHeader(false, false), ipPacket(t, p, false)...))
	}
	frame := append(ethHeader(false, false), ipPacket(t, packet{true, "PA", 1, 1, "NOOP\r\n"}, false)...)
	f.Add(frame)
	for _, edit := range []func(b []byte){
		func(b []byte) { b[14+2], b[14+3] = 0, 0 }, // total length 0: segmentation offload
		func(b []byte) { b[14+3] -= 3 },            // total length short of the frame: padding
		func(b []byte) { b[14+3] += 9 },            // longer than the frame: cut by the snap length
		func(b []byte) { b[14+3] = 19 },            // shorter than a header
		func(b []byte) { b[14+6] |= 0x20 },         // more fragments
		func(b []byte) { b[14+7] = 1 },             // a fragment's offset
		func(b []byte) { b[14+6] |= 0x40 },         // don't fragment
		func(b []byte) { b[14] = 0x65 },            // version 6 in an IPv4 ethertype
		func(b []byte) { b[14] = 0x46 },            // options
		func(b []byte) { b[14+9] = 17 },            // UDP
		func(b []byte) { b[14+20+12] = 0xf0 },      // data offset past the segment
		func(b []byte) { b[12], b[13] = 0x81, 0 },  // a VLAN tag
	} {
		b := bytes.Clone(frame)
		edit(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		fast, general := newDecoder(), newDecoder()
		seg, ok := fast.plainTCP(frame)
		want, res := general.layers(layers.LayerTypeEthernet, general.retag(frame), testTime(0))
		if !ok {
			return
		}
		if res != decodedTCP {
			t.Fatalf("the fast path took a frame the general way reads as %d", res)
		}
		if seg.src != want.src || seg.dst != want.dst || seg.netFlow != want.netFlow {
			t.Fatalf("fast %v %v %v, general %v %v %v", seg.src, seg.dst, seg.netFlow, want.src, want.dst, want.netFlow)
		}
		if !reflect.DeepEqual(fast.tcp, general.tcp) {
			t.Fatalf("fast TCP %+v\ngeneral %+v", fast.tcp, general.tcp)
		}
	})
}

// TestPlainTCPTakesMail: the fast path is not left unused.
func TestPlainTCPTakesMail(t *testing.T) {
	d := newDecoder()
	for _, frame := range conversationFrames(t) {
		if _, ok := d.plainTCP(frame); !ok {
			t.Fatalf("a plain frame goes the general way: % x", frame)
		}
	}
}
