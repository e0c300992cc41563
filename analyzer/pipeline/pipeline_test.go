package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/reassembly"
	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// recorder writes down every call a handler gets, with the bytes it was
// given as they were during the call.
type recorder struct {
	calls  []string
	opened int
	ignore bool // ignore every other connection (Open returns nil)
}

type recConn struct {
	r  *recorder
	id int
}

func (r *recorder) Open(info reassembly.ConnInfo) reassembly.Conn {
	r.opened++
	if r.ignore && r.opened%2 == 0 {
		return nil
	}
	r.calls = append(r.calls, fmt.Sprintf("open %d %v %v %v %v", r.opened, info.A, info.B, info.Start.UnixNano(), info.Opener))
	return &recConn{r: r, id: r.opened}
}

func (r *recorder) Datagram(src, dst netip.AddrPort, t time.Time, payload []byte) {
	r.calls = append(r.calls, fmt.Sprintf("datagram %v %v %d %q", src, dst, t.UnixNano(), payload))
}

func (c *recConn) Data(d reassembly.Dir, t time.Time, b []byte, acked int64) {
	c.r.calls = append(c.r.calls, fmt.Sprintf("%d data %v %d %d %q", c.id, d, t.UnixNano(), acked, b))
}

func (c *recConn) Gap(d reassembly.Dir, t time.Time, n int) {
	c.r.calls = append(c.r.calls, fmt.Sprintf("%d gap %v %d %d", c.id, d, t.UnixNano(), n))
}

func (c *recConn) Conflict(d reassembly.Dir, t time.Time, n int) {
	c.r.calls = append(c.r.calls, fmt.Sprintf("%d conflict %v %d %d", c.id, d, t.UnixNano(), n))
}

func (c *recConn) Close(t time.Time, how reassembly.End) {
	c.r.calls = append(c.r.calls, fmt.Sprintf("%d close %d %v", c.id, t.UnixNano(), how))
}

func read(t *testing.T, data []byte, h reassembly.Handler) {
	t.Helper()
	r := reassembly.NewReader(reassembly.DefaultOptions(), h, nil)
	if _, err := r.ReadAll(context.Background(), []reassembly.Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
		t.Fatal(err)
	}
}

// captures are the bundled samples, each also reordered, duplicated,
// retransmitted with other bytes and cut, so that gaps and conflicts
// are called too; and a conversation of segments as large as IP allows.
func captures(t *testing.T) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob("../../samples/*.pcapng")
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		out[name] = data
		segs, err := capturetest.Read(data)
		if err != nil {
			t.Fatal(err)
		}
		for how, impair := range map[string]func([]capturetest.Segment) []capturetest.Segment{
			"swapped":    capturetest.SwapNeighbours,
			"duplicated": capturetest.Duplicate,
			"overlapped": capturetest.OverlapRetransmit,
			"cut": func(s []capturetest.Segment) []capturetest.Segment {
				return capturetest.Drop(s, func(i int, _ capturetest.Segment) bool { return i%7 == 5 })
			},
		} {
			b, err := capturetest.Write(impair(slices.Clone(segs)))
			if err != nil {
				t.Fatal(err)
			}
			out[name+" "+how] = b
		}
	}
	big := strings.Repeat("0123456789abcdef", 60000/16)
	b, err := capturetest.Write(capturetest.Converse(netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.2:110"),
		time.Unix(1700000000, 0), capturetest.Said{Data: "+OK\r\n"}, capturetest.Said{Client: true, Data: "RETR 1\r\n"},
		capturetest.Said{Data: big}, capturetest.Said{Data: big}, capturetest.Said{Data: big}, capturetest.Said{Data: big},
		capturetest.Said{Data: big}, capturetest.Said{Data: ".\r\n"}))
	if err != nil {
		t.Fatal(err)
	}
	out["large segments"] = b
	return out
}

// TestAsCalledDirectly: a handler behind the pipeline is told what it is
// told called directly: each connection's calls in the same order, with
// the same bytes, and the connections opened and the datagrams passed in
// the same order. (The reader flushes the connections still waiting for
// lost bytes in gopacket's map order, so calls of different connections
// may interleave otherwise, piped or not.) Where the handler ignores a
// connection it is told nothing more of it; the reader still reassembles
// it (the pipeline cannot know in time), so the calls are those of a
// handler that ignores none, less that one's.
func TestAsCalledDirectly(t *testing.T) {
	datagrams := 0
	for name, data := range captures(t) {
		direct := &recorder{}
		read(t, data, direct)
		if len(direct.calls) == 0 {
			t.Fatalf("%s: no calls", name)
		}
		all := byConnection(direct.calls, false)
		kept := byConnection(direct.calls, true)
		datagrams += len(all["datagram"])
		for _, ignore := range []bool{false, true} {
			piped := &recorder{ignore: ignore}
			p := New(piped)
			read(t, data, p)
			p.Close()
			want := all
			if ignore {
				want = kept
			}
			got := byConnection(piped.calls, false)
			for id, calls := range want {
				if !slices.Equal(calls, got[id]) {
					i := 0
					for i < min(len(calls), len(got[id])) && calls[i] == got[id][i] {
						i++
					}
					t.Fatalf("%s (ignore %v): call %d of %s differs (of %d/%d):\ndirect %.200s\npiped  %.200s",
						name, ignore, i, id, len(calls), len(got[id]), at(calls, i), at(got[id], i))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s (ignore %v): %d connections told, want %d", name, ignore, len(got), len(want))
			}
		}
	}
	if datagrams == 0 {
		t.Error("no sample carried a DNS datagram: the test does not see them pass")
	}
}

// byConnection groups calls by the connection they are for; the opens
// and the datagrams make a group each. odd leaves out the even-numbered
// connections, those an ignoring recorder ignores.
func byConnection(calls []string, odd bool) map[string][]string {
	out := map[string][]string{}
	for _, c := range calls {
		id, rest, _ := strings.Cut(c, " ")
		if id == "open" {
			var n int
			fmt.Sscanf(rest, "%d", &n)
			if odd && n%2 == 0 {
				continue
			}
		}
		if id == "open" || id == "datagram" {
			out[id] = append(out[id], c)
			continue
		}
		var n int
		fmt.Sscanf(id, "%d", &n)
		if odd && n%2 == 0 {
			continue
		}
		out[id] = append(out[id], rest)
	}
	return out
}

// FuzzAsCalledDirectly builds a capture of three connections from the
// bytes (segments in any order, overlapping, with holes, SYN, FIN and RST
// anywhere) and requires what TestAsCalledDirectly requires of it.
func FuzzAsCalledDirectly(f *testing.F) {
	f.Add([]byte("\x00\x10\x05EHLO x\r\n\x01\x10\x04250 ok\r\n"))               // one connection, data both ways
	f.Add([]byte("\x02\x90\x03abc\x02\x30\x03def\x12\x20\x00\x00\x30\x02gh"))   // two connections, holes
	f.Add([]byte("\x00\x01\x04abcd\x00\x41\x02xy\x00\x02\x04ABCD\x00\x80\x00")) // jumps ahead, holes, a FIN
	f.Fuzz(func(t *testing.T, b []byte) {
		data, err := capturetest.Write(segments(b))
		if err != nil {
			t.Skip(err)
		}
		direct := &recorder{}
		read(t, data, direct)
		piped := &recorder{}
		p := New(piped)
		read(t, data, p)
		p.Close()
		want, got := byConnection(direct.calls, false), byConnection(piped.calls, false)
		for id, calls := range want {
			if !slices.Equal(calls, got[id]) {
				t.Fatalf("calls of %s differ:\ndirect %q\npiped  %q", id, calls, got[id])
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d connections told, want %d", len(got), len(want))
		}
	})
}

// segments reads b as steps of a header byte (connection: bits 0-1;
// from the server: bit 4; SYN, FIN, RST: bits 5-7), a byte of how far
// the sequence number jumps (signed), a length and that much payload.
func segments(b []byte) []capturetest.Segment {
	var segs []capturetest.Segment
	var seq [3][2]uint32
	t := time.Unix(1700000000, 0)
	for len(b) >= 3 {
		h, jump, n := b[0], int8(b[1]), int(b[2]&63)
		b = b[3:]
		n = min(n, len(b))
		conn, fromServer := int(h&3)%3, h>>4&1
		client := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(40000+conn))
		server := netip.MustParseAddrPort("127.0.0.2:25")
		s := capturetest.Segment{Time: t, Src: client, Dst: server, SYN: h&32 != 0, FIN: h&64 != 0, RST: h&128 != 0, ACK: true}
		if fromServer == 1 {
			s.Src, s.Dst = server, client
		}
		seq[conn][fromServer] += uint32(int32(jump))
		s.Seq = seq[conn][fromServer]
		s.Payload = b[:n]
		seq[conn][fromServer] += uint32(n)
		b = b[n:]
		t = t.Add(time.Millisecond)
		segs = append(segs, s)
	}
	return segs
}

func at(calls []string, i int) string {
	if i < len(calls) {
		return calls[i]
	}
	return "(none)"
}

// TestDoInOrder: what Do runs sees every call made before it and none
// made after, and runs without waiting for a batch to fill (live, the
// output is flushed while the capture is quiet).
func TestDoInOrder(t *testing.T) {
	rec := &recorder{}
	p := New(rec)
	c := p.Open(reassembly.ConnInfo{A: netip.MustParseAddrPort("127.0.0.1:40000"), B: netip.MustParseAddrPort("127.0.0.2:25")})
	c.Data(reassembly.AtoB, time.Unix(1, 0), []byte("EHLO x\r\n"), 0)
	ran := make(chan []string)
	p.Do(func() { ran <- slices.Clone(rec.calls) })
	seen := <-ran // before Close: Do sent the batch on
	c.Data(reassembly.BtoA, time.Unix(2, 0), []byte("250 ok\r\n"), 8)
	c.Close(time.Unix(3, 0), reassembly.EndClosed)
	p.Close()
	if len(seen) != 2 || !strings.Contains(seen[1], "EHLO") {
		t.Fatalf("Do saw %q, want the open and the EHLO", seen)
	}
	if len(rec.calls) != 4 {
		t.Fatalf("calls %q, want 4", rec.calls)
	}
}
