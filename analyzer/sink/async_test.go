package sink

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailtrace/mailtrace/analyzer/handoff"
	"github.com/mailtrace/mailtrace/analyzer/session"
	"github.com/mailtrace/mailtrace/analyzer/stats"
)

// TestAsyncKeepsOrderAndWaits: the views behind Async are told of
// sessions starting, their bytes and their ends in the order they came,
// not of the events of sessions still running, and CaptureFinished
// returns once they have handled everything, with their error.
func TestAsyncKeepsOrderAndWaits(t *testing.T) {
	var events []string
	want := errors.New("disk full")
	a := Async(log{events: &events, name: "v", err: want}, true)
	s1, s2 := &session.Session{ID: 1}, &session.Session{ID: 2}
	a.SessionStarted(s1)
	a.Raw(s1, session.Chunk{Data: []byte("x")})
	a.SessionStarted(s2)
	a.ExchangeCompleted(s1, &session.Exchange{})
	a.ReplyLine(s1, "* 1 EXISTS", time.Time{})
	if w := a.MessageStarted(s1, &session.Message{}); w != nil {
		t.Error("Async takes no message bytes")
	}
	a.SessionEnded(s2)
	a.SessionEnded(s1)
	if err := a.CaptureFinished(stats.Capture{}); err != want {
		t.Errorf("CaptureFinished returned %v", err)
	}
	got := strings.Join(events, ", ")
	if got != "v start 1, v raw 1, v start 2, v end 2, v end 1, v finished" {
		t.Errorf("events: %s", got)
	}
}

// rawKeeper keeps a copy of the chunks it is told of, as a view must.
type rawKeeper struct {
	Nop
	chunks [][]byte
}

func (r *rawKeeper) Raw(s *session.Session, c session.Chunk) {
	r.chunks = append(r.chunks, bytes.Clone(c.Data))
}

// TestAsyncCopiesBytes: a chunk's data is valid only during the call, so
// what the views get later is a copy; without raw they get none.
func TestAsyncCopiesBytes(t *testing.T) {
	k := &rawKeeper{}
	a := Async(k, true)
	buf := []byte("first")
	a.Raw(&session.Session{}, session.Chunk{Data: buf})
	copy(buf, "XXXXX") // the caller reuses its buffer
	a.CaptureFinished(stats.Capture{})
	if len(k.chunks) != 1 || !bytes.Equal(k.chunks[0], []byte("first")) {
		t.Errorf("chunks %q", k.chunks)
	}
	k = &rawKeeper{}
	a = Async(k, false)
	a.Raw(&session.Session{}, session.Chunk{Data: buf})
	a.CaptureFinished(stats.Capture{})
	if len(k.chunks) != 0 {
		t.Errorf("raw bytes passed on without raw: %q", k.chunks)
	}
}

// slowViews takes its time over each session, and counts those it
// holds at once.
type slowViews struct {
	Nop
	release chan struct{}
	ended   atomic.Int32
}

func (v *slowViews) SessionEnded(*session.Session) {
	<-v.release
	v.ended.Add(1)
}

// TestAsyncBoundsSessionsAhead: while the views are busy, at most
// asyncSessions ended sessions wait; the next SessionEnded blocks the
// reader until one is written.
func TestAsyncBoundsSessionsAhead(t *testing.T) {
	v := &slowViews{release: make(chan struct{})}
	a := Async(v, false)
	handed := make(chan int, 100)
	go func() {
		for i := range asyncSessions + 3 {
			a.SessionEnded(&session.Session{ID: i})
			handed <- i
		}
	}()
	// Wait for the reader to hand over what it may, then a while more:
	// it must not get further.
	for deadline := time.Now().Add(10 * time.Second); len(handed) < asyncSessions && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(handed); n != asyncSessions {
		t.Errorf("%d sessions handed over while the views were stuck, want %d", n, asyncSessions)
	}
	for range asyncSessions + 3 {
		v.release <- struct{}{}
	}
	for range asyncSessions + 3 {
		<-handed // the reader is done with Async before it finishes
	}
	a.CaptureFinished(stats.Capture{})
	if v.ended.Load() != asyncSessions+3 {
		t.Errorf("%d sessions written", v.ended.Load())
	}
}

// TestAsyncBatchesBytes: chunks of every size, more than fit in the
// batches' buffers at once and one larger than a buffer, reach the views
// whole and in order while the reader reuses its buffer, with the
// sessions' ends among them where they came.
func TestAsyncBatchesBytes(t *testing.T) {
	var events []string
	k := &rawKeeper{}
	a := Async(Multi(k, log{events: &events, name: "v"}), true)
	s := &session.Session{ID: 1}
	var want [][]byte
	buf := make([]byte, handoff.Bytes+1)
	for i := range 3000 {
		n := i * 7919 % 3001
		if i == 1500 {
			n = len(buf)
		}
		for j := range n {
			buf[j] = byte(i + j)
		}
		want = append(want, bytes.Clone(buf[:n]))
		a.Raw(s, session.Chunk{Data: buf[:n]})
		if i%1000 == 999 {
			a.SessionEnded(&session.Session{ID: i})
		}
	}
	a.CaptureFinished(stats.Capture{})
	if len(k.chunks) != len(want) {
		t.Fatalf("%d chunks, want %d", len(k.chunks), len(want))
	}
	for i := range want {
		if !bytes.Equal(k.chunks[i], want[i]) {
			t.Fatalf("chunk %d: %d bytes differ from the %d sent", i, len(k.chunks[i]), len(want[i]))
		}
	}
	ends := 0
	for i, e := range events {
		if strings.HasPrefix(e, "v end") {
			ends++
			if raws := i - ends + 1; raws != ends*1000 {
				t.Errorf("end %d after %d chunks", ends, raws)
			}
		}
	}
	if ends != 3 {
		t.Errorf("%d ends: %v", ends, events[len(events)-5:])
	}
}
