package reassembly

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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
