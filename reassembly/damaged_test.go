package reassembly

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"text", []byte("hello world"), "not a pcap or pcapng file"},
		{"three bytes", []byte{0xa1, 0xb2, 0xc3}, "not a capture file"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0, 0}, "gzip"},
		{"pcapng header cut", []byte{0x0a, 0x0d, 0x0d, 0x0a, 0, 0}, "pcapng"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(DefaultOptions(), &recorder{}, nil)
			_, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(tc.data)}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestTruncatedCaptureWarns(t *testing.T) {
	data := pcapFile(t, layers.LinkTypeEthernet, conversationFrames(t), false)
	rec, _, warnings := run(t, data[:len(data)-30])
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "cut short after 8 packets") {
		t.Errorf("warnings: %v", warnings)
	}
	if len(rec.conns) != 1 {
		t.Errorf("got %d connections from the readable part", len(rec.conns))
	}
}

// TestDamagedFiles: each damage gives a one-line warning and the part
// before it, or is passed over where the format allows.
func TestDamagedFiles(t *testing.T) {
	frames := conversationFrames(t)
	pcap := pcapFile(t, layers.LinkTypeEthernet, frames, false)
	ng := pcapngFile(t, frames)

	bogusRecord := bytes.Clone(pcap)
	// Record 5's header starts after the file header and 4 records.
	off := 24
	for i := 0; i < 4; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(bogusRecord[off+8:]))
	}
	binary.LittleEndian.PutUint32(bogusRecord[off+8:], 0x7fffffff)

	// A block of a type nobody defined, between the first section's blocks.
	unknown := make([]byte, 16)
	binary.LittleEndian.PutUint32(unknown[0:], 0x0bad0bad)
	binary.LittleEndian.PutUint32(unknown[4:], 16)
	binary.LittleEndian.PutUint32(unknown[12:], 16)
	shbLen := int(binary.LittleEndian.Uint32(ng[4:]))
	idbLen := int(binary.LittleEndian.Uint32(ng[shbLen+4:]))
	at := shbLen + idbLen
	withUnknown := append(append(bytes.Clone(ng[:at]), unknown...), ng[at:]...)

	bogusBlock := bytes.Clone(ng)
	binary.LittleEndian.PutUint32(bogusBlock[at+4:], 3) // shorter than any block

	tests := []struct {
		name     string
		data     []byte
		warning  string // "" for none
		complete bool   // the whole conversation is still read
	}{
		{"pcap record length beyond the snap length", bogusRecord, "cut short after 4 packets", false},
		{"pcap cut inside a record", pcap[:len(pcap)-10], "cut short after 8 packets", false},
		{"pcapng unknown block type", withUnknown, "", true},
		{"pcapng bogus block length", bogusBlock, "cut short", false},
		{"pcapng cut inside a block", ng[:len(ng)-7], "cut short", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, _, warnings := run(t, tc.data)
			switch {
			case tc.warning == "" && len(warnings) > 0:
				t.Errorf("warnings: %v", warnings)
			case tc.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0].Error(), tc.warning)):
				t.Errorf("warnings: got %v, want one with %q", warnings, tc.warning)
			}
			for _, w := range warnings {
				if strings.Contains(w.Error(), "\n") {
					t.Errorf("warning is not one line: %q", w)
				}
			}
			if tc.complete {
				checkConversation(t, rec, false)
			}
		})
	}
}

// TestSnapLengthCut: packets cut by a small snap length lose payload
// bytes; that loss is reported as gaps, never as data.
func TestSnapLengthCut(t *testing.T) {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	w.WriteFileHeader(60, layers.LinkTypeEthernet)
	for i, f := range conversationFrames(t) {
		ci := gopacket.CaptureInfo{Timestamp: testTime(i), CaptureLength: min(len(f), 60), Length: len(f)}
		w.WritePacket(ci, f[:ci.CaptureLength])
	}
	rec, st, _ := run(t, buf.Bytes())
	if len(rec.conns) != 1 {
		t.Fatalf("got %d connections", len(rec.conns))
	}
	if st.Truncated != 3 {
		t.Errorf("got %d packets counted as cut, want the 3 with payload", st.Truncated)
	}
	var data, gaps int
	for _, e := range rec.conns[0].events {
		if strings.HasPrefix(e, "gap") {
			gaps++
		} else {
			data += len(e) - 2
		}
	}
	// 60 bytes hold 14+20+20 of headers and 6 of payload per segment.
	if data > 3*6 || gaps == 0 {
		t.Errorf("got %d data bytes and %d gaps from cut packets: %q", data, gaps, rec.conns[0].events)
	}
}

// TestCapturedLongerThanOriginal: records whose captured length exceeds
// their original length are read whole, as Wireshark reads them, with one
// warning that counts them.
func TestCapturedLongerThanOriginal(t *testing.T) {
	pcap := pcapFile(t, layers.LinkTypeEthernet, conversationFrames(t), false)
	n := 0
	for off := 24; off+16 <= len(pcap); n++ {
		caplen := binary.LittleEndian.Uint32(pcap[off+8:])
		binary.LittleEndian.PutUint32(pcap[off+12:], caplen/2)
		off += 16 + int(caplen)
	}
	rec, st, warnings := run(t, pcap)
	checkConversation(t, rec, false)
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), fmt.Sprintf("%d records had a captured length greater", n)) {
		t.Errorf("warnings: got %v, want one counting the %d records", warnings, n)
	}
	if st.Packets != int64(n) || st.Truncated != 0 {
		t.Errorf("read %d packets (%d cut), want %d, none cut", st.Packets, st.Truncated, n)
	}
}
