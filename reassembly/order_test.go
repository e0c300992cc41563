package reassembly

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/reassembly/capturetest"
)

// readSegments runs segments through a Reader and returns its recorder.
func readSegments(t testing.TB, segs []capturetest.Segment) *recorder {
	data, err := capturetest.Write(segs)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	r := NewReader(DefaultOptions(), rec, nil)
	if _, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
		t.Fatal(err)
	}
	return rec
}

var (
	testClient = netip.MustParseAddrPort("127.0.0.1:40000")
	testServer = netip.MustParseAddrPort("127.0.0.1:25")
	testT0     = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
)

// TestRetransmissionKeepsSequenceOrder: MAIL is lost and retransmitted
// after RCPT was captured; the client's bytes still reach the parser in
// sequence order, each before the replies that acknowledge it.
func TestRetransmissionKeepsSequenceOrder(t *testing.T) {
	segs := capturetest.Converse(testClient, testServer, testT0,
		capturetest.Said{Data: "220 mx\r\n"},
		capturetest.Said{Client: true, Data: "EHLO c\r\n"},
		capturetest.Said{Data: "250 mx\r\n"},
		capturetest.Said{Client: true, Data: "MAIL FROM:<a>\r\n"},
		capturetest.Said{Client: true, Data: "RCPT TO:<b>\r\n"},
		capturetest.Said{Data: "250 2.1.0 sender ok\r\n250 2.1.5 rcpt ok\r\n"},
	)
	// The first capture of MAIL is lost; its retransmission comes last.
	mail := 6
	if string(segs[mail].Payload) != "MAIL FROM:<a>\r\n" {
		t.Fatalf("segment %d is %q", mail, segs[mail].Payload)
	}
	retx := segs[mail]
	segs = append(segs[:mail:mail], segs[mail+1:]...)
	retx.Time = segs[mail+1].Time.Add(time.Millisecond)
	segs = append(segs[:mail+2:mail+2], append([]capturetest.Segment{retx}, segs[mail+2:]...)...)
	for i := range segs {
		segs[i].Time = testT0.Add(time.Duration(i) * time.Millisecond)
	}
	rec := readSegments(t, segs)
	got := strings.Join(rec.conns[0].events, "|")
	want := "1:220 mx\r\n|0:EHLO c\r\n|1:250 mx\r\n|0:MAIL FROM:<a>\r\nRCPT TO:<b>\r\n|1:250 2.1.0 sender ok\r\n250 2.1.5 rcpt ok\r\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestReplyCapturedBeforeCommand: a tap records each reply a little
// before the command it answers; the acknowledgements put them back.
func TestReplyCapturedBeforeCommand(t *testing.T) {
	said := []capturetest.Said{
		{Data: "+OK ready\r\n"}, {Client: true, Data: "LIST\r\n"}, {Data: "+OK 1 messages\r\n1 120\r\n.\r\n"},
		{Client: true, Data: "QUIT\r\n"}, {Data: "+OK bye\r\n"},
	}
	segs := capturetest.SwapOpposite(capturetest.Converse(testClient, netip.MustParseAddrPort("127.0.0.1:110"), testT0, said...)[3:])
	segs = append(capturetest.Converse(testClient, netip.MustParseAddrPort("127.0.0.1:110"), testT0)[:3], segs...)
	rec := readSegments(t, segs)
	var want []string
	for _, s := range said {
		d := "1:"
		if s.Client {
			d = "0:"
		}
		want = append(want, d+s.Data)
	}
	if got := strings.Join(rec.conns[0].events, "|"); got != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, strings.Join(want, "|"))
	}
}

// FuzzDirectionsInOrder: however the two directions' bytes are cut into
// segments, duplicated and reordered (within the wait for a hole), each
// direction reaches the Conn exactly once and in order, with no gap.
func FuzzDirectionsInOrder(f *testing.F) {
	f.Add([]byte("EHLO c\r\nMAIL FROM:<a>\r\n"), []byte("220 mx\r\n250 ok\r\n250 ok\r\n"), uint8(5), []byte{3, 1, 4, 1, 5, 9, 2, 6})
	f.Add([]byte("a"), []byte("b"), uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, cli, srv []byte, size uint8, shuffle []byte) {
		if len(cli) == 0 || len(srv) == 0 || len(cli)+len(srv) > 1<<14 {
			return
		}
		conv := capturetest.Converse(testClient, testServer, testT0,
			capturetest.Said{Data: string(srv[:len(srv)/2])}, capturetest.Said{Client: true, Data: string(cli)},
			capturetest.Said{Data: string(srv[len(srv)/2:])})
		head, data, tail := conv[:3], capturetest.Split(conv[3:len(conv)-3], int(size%32)+1), conv[len(conv)-3:]
		var body []capturetest.Segment
		for _, s := range data {
			if len(s.Payload) > 0 {
				body = append(body, s)
			}
		}
		// Reorder and duplicate as the fuzzer says: each byte moves one
		// segment to the end, or with its high bit set sends it again.
		for i, b := range shuffle {
			if len(body) == 0 {
				break
			}
			j := (int(b&0x7f) + i) % len(body)
			s := body[j]
			if b&0x80 != 0 {
				body = append(body, s)
				continue
			}
			body = append(append(body[:j:j], body[j+1:]...), s)
		}
		segs := append(append(append([]capturetest.Segment(nil), head...), body...), tail...)
		for i := range segs {
			segs[i].Time = testT0.Add(time.Duration(i) * time.Microsecond)
		}
		rec := readSegments(t, segs)
		if len(rec.conns) != 1 {
			t.Fatalf("got %d connections", len(rec.conns))
		}
		var got [2]strings.Builder
		for _, e := range rec.conns[0].events {
			switch {
			case strings.HasPrefix(e, "0:"):
				got[0].WriteString(e[2:])
			case strings.HasPrefix(e, "1:"):
				got[1].WriteString(e[2:])
			case strings.HasPrefix(e, "conflict"):
			default:
				t.Fatalf("unexpected event %q", e)
			}
		}
		if got[0].String() != string(cli) || got[1].String() != string(srv) {
			t.Fatalf("client got %q want %q; server got %q want %q", got[0].String(), cli, got[1].String(), srv)
		}
	})
}

// ackChecker is a Conn that checks the ACK rule as bytes are handed over:
// a chunk goes no earlier than every byte of the other direction its
// acknowledgement covers, delivered or declared lost.
type ackChecker struct {
	t      *testing.T
	handed [2]int64 // bytes of each direction handed over, data and gaps
}

func (c *ackChecker) Open(ConnInfo) Conn { return c }

func (c *ackChecker) Data(d Dir, _ time.Time, b []byte, acked int64) {
	// A FIN takes one sequence number: its acknowledgement is one past
	// the last byte.
	if acked >= 0 && acked > c.handed[1-d]+1 {
		c.t.Fatalf("%d bytes of direction %d handed over after %d of the other direction, where their segment acknowledged %d", len(b), d, c.handed[1-d], acked)
	}
	c.handed[d] += int64(len(b))
}

func (c *ackChecker) Gap(d Dir, _ time.Time, n int) { c.handed[d] += int64(n) }
func (c *ackChecker) Conflict(Dir, time.Time, int)  {}
func (c *ackChecker) Close(time.Time, End)          {}

// FuzzAckRule: over a conversation of several turns cut into segments of
// any size, some reordered, duplicated or lost, no bytes are placed
// before data of the other direction that their acknowledgement covers,
// and each direction's bytes handed over, data and gaps, add up to all it
// sent (a loss anywhere, its end included, is a gap of its size).
func FuzzAckRule(f *testing.F) {
	f.Add([]byte("EHLO c\r\n\x00MAIL FROM:<a>\r\n"), []byte("220 mx\r\n\x00250 ok\r\n\x00250 ok\r\n"), uint8(5), []byte{3, 1, 4}, []byte{0, 2})
	f.Add([]byte("a1 SELECT inbox\r\n"), []byte("* OK\r\n\x00* 1 EXISTS\r\na1 OK\r\n"), uint8(3), []byte{}, []byte{5})
	f.Fuzz(checkAckRule)
}

// checkAckRule is FuzzAckRule's check of one input.
func checkAckRule(t *testing.T, cli, srv []byte, size uint8, shuffle, drop []byte) {
	{
		if len(cli)+len(srv) > 1<<14 {
			return
		}
		// Each move and drop costs the harness a copy of the segments.
		shuffle, drop = shuffle[:min(len(shuffle), 64)], drop[:min(len(drop), 64)]
		// Turns, split at NULs, alternating: the server speaks first.
		cs, ss := bytes.Split(cli, []byte{0}), bytes.Split(srv, []byte{0})
		var said []capturetest.Said
		var sent [2]int64
		for i := 0; i < max(len(cs), len(ss)); i++ {
			if i < len(ss) && len(ss[i]) > 0 {
				said = append(said, capturetest.Said{Data: string(ss[i])})
				sent[1] += int64(len(ss[i]))
			}
			if i < len(cs) && len(cs[i]) > 0 {
				said = append(said, capturetest.Said{Client: true, Data: string(cs[i])})
				sent[0] += int64(len(cs[i]))
			}
		}
		if len(said) == 0 {
			return
		}
		conv := capturetest.Converse(testClient, testServer, testT0, said...)
		head, body, tail := conv[:3], capturetest.Split(conv[3:len(conv)-3], int(size%32)+1), conv[len(conv)-3:]
		for i, b := range shuffle {
			j := (int(b&0x7f) + i) % len(body)
			s := body[j]
			if b&0x80 != 0 {
				body = append(body, s)
				continue
			}
			body = append(append(body[:j:j], body[j+1:]...), s)
		}
		for i, b := range drop {
			if len(body) == 0 {
				break
			}
			j := (int(b) + i) % len(body)
			body = append(body[:j:j], body[j+1:]...)
		}
		segs := append(append(append([]capturetest.Segment(nil), head...), body...), tail...)
		for i := range segs {
			segs[i].Time = testT0.Add(time.Duration(i) * time.Microsecond)
		}
		data, err := capturetest.Write(segs)
		if err != nil {
			t.Fatal(err)
		}
		c := &ackChecker{t: t}
		r := NewReader(DefaultOptions(), c, nil)
		if _, err := r.ReadAll(context.Background(), []Input{{Path: "-", Reader: bytes.NewReader(data)}}); err != nil {
			t.Fatal(err)
		}
		// The client's side is A: it sent the SYN.
		if c.handed[0] != sent[0] || c.handed[1] != sent[1] {
			t.Fatalf("handed over client %d server %d, sent %d %d", c.handed[0], c.handed[1], sent[0], sent[1])
		}
	}
}

// TestAckRunEnd: a run of bytes ends where the record that holds its
// first byte ends, or where the first record after an unrecorded start
// begins; never past to, never at from.
func TestAckRunEnd(t *testing.T) {
	var r ackRecords
	r.add(100, 200, 1)
	r.add(300, 400, 2)
	r.add(150, 160, 3)
	for _, tc := range []struct{ from, to, want uint32 }{
		{100, 1000, 150}, // a retransmission inside the record cuts it
		{160, 1000, 200},
		{200, 1000, 300}, // unrecorded up to the next record
		{250, 280, 280},
		{300, 1000, 400},
		{400, 1000, 1000},
		{0xfffffff0, 120, 100}, // across the wrap of sequence numbers
	} {
		if got := r.runEnd(tc.from, tc.to); got != tc.want {
			t.Errorf("ackRunEnd(%d, %d) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}
