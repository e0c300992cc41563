package reassembly

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// nopHandler takes connections and discards their bytes.
type nopHandler struct{}
type nopConn struct{}

func (nopHandler) Open(ConnInfo) Conn              { return nopConn{} }
func (nopConn) Data(Dir, time.Time, []byte, int64) {}
func (nopConn) Gap(Dir, time.Time, int)            {}
func (nopConn) Conflict(Dir, time.Time, int)       {}
func (nopConn) Close(time.Time, End)               {}

func BenchmarkDecode(b *testing.B) {
	frame := append(ethHeader(false, false), ipPacket(&testing.T{}, packet{true, "PA", 1, 1, string(bytes.Repeat([]byte("x"), 1400))}, false)...)
	d := newDecoder()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, res := d.decode(layers.LinkTypeEthernet, frame, testTime(0)); res != decodedTCP {
			b.Fatal(res)
		}
	}
}

// BenchmarkReadSample reads a recorded sample end to end through
// reassembly, without parsing.
func BenchmarkReadSample(b *testing.B) {
	data, err := os.ReadFile("../samples/smtp-auth-attachment.pcapng")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := NewReader(DefaultOptions(), nopHandler{}, nil)
		if _, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
			b.Fatal(err)
		}
	}
}
