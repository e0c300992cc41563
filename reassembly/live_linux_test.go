//go:build linux && !pcap

package reassembly

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// liveOnLoopback captures on lo with the options given while talk runs a
// conversation to a server on a port of its own, and returns what the
// capture read.
func liveOnLoopback(t *testing.T, o LiveOptions, talk func(addr string)) (*recorder, LiveStats, uint16) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to capture (CI runs as root)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(io.Discard, c)
				c.Write([]byte("221 bye\r\n"))
			}()
		}
	}()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	o.Interface, o.Ports = "lo", []uint16{port}
	started := make(chan struct{})
	o.Started = func() { close(started) }
	rec := &recorder{}
	r := NewReader(DefaultOptions(), rec, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		ls  LiveStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		ls, _, err := r.Live(ctx, o)
		done <- result{ls, err}
	}()
	select {
	case <-started:
	case res := <-done:
		t.Fatalf("capture ended before it began: %v", res.err)
	}
	talk(ln.Addr().String())
	// Until the capture has seen the connection end: what a busy machine
	// holds in the ring is read first (a generous bound, not a timing).
	for wait := time.Now(); !rec.ended(port) && time.Since(wait) < 20*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	return rec, res.ls, port
}

// TestLiveRingOnLoopback: many times the ring's size crosses loopback
// through the TPACKET_V3 ring and its queue, wrapping both over and
// over; every byte arrives once and in order, nothing is dropped, and
// loopback's outgoing copies are left out.
func TestLiveRingOnLoopback(t *testing.T) {
	sent := make([]byte, 12<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range sent {
		sent[i] = byte('a' + rng.IntN(26))
	}
	rec, ls, port := liveOnLoopback(t, LiveOptions{RingSize: 4 * ringBlock}, func(addr string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		// Paced, so that a slow machine keeps up: the point is the ring's
		// turning, not its size.
		for off := 0; off < len(sent); off += 128 << 10 {
			c.Write(sent[off:min(off+128<<10, len(sent))])
			time.Sleep(2 * time.Millisecond)
		}
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c)
		c.Close()
	})
	if ls.LoopbackDuplicates == 0 || ls.Captured == 0 {
		t.Errorf("stats %+v: want packets, and loopback's copies left out", ls)
	}
	if ls.RingSize != 4*ringBlock {
		t.Errorf("ring of %d bytes, asked for %d", ls.RingSize, 4*ringBlock)
	}
	// Every byte is where it was sent. A busy machine may make the kernel
	// drop packets from so small a ring: then, and only then, the bytes
	// lost are gaps, never silence.
	pos, gaps, found := 0, 0, false
	for _, c := range rec.conns {
		if c.info.B.Port() != port && c.info.A.Port() != port {
			continue
		}
		found = true
		for _, e := range c.events {
			var n int
			switch {
			case strings.HasPrefix(e, "gap 0:"):
				fmt.Sscanf(e, "gap 0:%d", &n)
				pos += n
				gaps++
			case strings.HasPrefix(e, "0:"):
				data := []byte(e[2:])
				if pos+len(data) > len(sent) || !bytes.Equal(data, sent[pos:pos+len(data)]) {
					t.Fatalf("bytes at %d are not those sent there (common prefix %d)", pos, commonPrefix(data, sent[min(pos, len(sent)):]))
				}
				pos += len(data)
			case strings.HasPrefix(e, "conflict"):
				t.Errorf("event %q", e)
			}
		}
	}
	if !found {
		t.Fatal("the connection was not captured")
	}
	if pos != len(sent) {
		t.Errorf("%d bytes accounted for, %d sent", pos, len(sent))
	}
	// (A drop may also be of an outgoing copy, which is left out anyway.)
	if gaps > 0 && ls.DroppedByKernel == 0 {
		t.Errorf("%d gaps, and no packet dropped: a loss not said", gaps)
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// TestLiveCountStops: with Count, the capture stops after that many
// packets.
func TestLiveCountStops(t *testing.T) {
	_, ls, _ := liveOnLoopback(t, LiveOptions{Count: 3}, func(addr string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("EHLO x\r\n"))
		c.Close()
	})
	if ls.RingSize != DefaultRingSize() {
		t.Errorf("ring of %d bytes, the default is %d", ls.RingSize, DefaultRingSize())
	}
	if ls.Captured != 3 {
		t.Errorf("captured %d packets, want 3", ls.Captured)
	}
}
