package reassembly

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mailtrace/mailtrace/reassembly/capturetest"
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

// BenchmarkHoleFilledLate: bytes sent in 1-byte segments, the first
// lost and a hundred captured last, so everything waits behind holes
// and goes in deliveries of thousands of pages: a shape an attacker
// picks. MB/s must not fall as the segments behind the
// hole grow from 4 Ki to 64 Ki (maxRuns keeps it linear).
func BenchmarkHoleFilledLate(b *testing.B) {
	for _, n := range []int{4 << 10, 64 << 10} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			conv := capturetest.Converse(testClient, testServer, testT0,
				capturetest.Said{Data: "220 mx\r\n"}, capturetest.Said{Client: true, Data: string(bytes.Repeat([]byte("a"), n))})
			head, body, tail := conv[:3], capturetest.Split(conv[3:len(conv)-3], 1), conv[len(conv)-3:]
			// The first lost, and a hundred others captured last.
			body = body[1:]
			for k := 0; k < 100; k++ {
				j := k * 37 % len(body)
				body = append(append(body[:j:j], body[j+1:]...), body[j])
			}
			segs := append(append(append([]capturetest.Segment(nil), head...), body...), tail...)
			for i := range segs {
				segs[i].Time = testT0.Add(time.Duration(i) * time.Microsecond)
			}
			data, err := capturetest.Write(segs)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := NewReader(DefaultOptions(), nopHandler{}, nil)
				if _, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
