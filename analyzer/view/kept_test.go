package view

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/render"
	"github.com/mailtrace/mailtrace/analyzer/session"
	st "github.com/mailtrace/mailtrace/analyzer/session/sessiontest"
	"github.com/mailtrace/mailtrace/analyzer/spill"
)

// TestKeptHoldsItsBound: what --follow holds of a session (bytes and
// chunks) stays within the bound whatever the chunks; a chunk that goes
// on from the last joins it; every byte is kept or counted, and those
// kept are the first, in order.
func TestKeptHoldsItsBound(t *testing.T) {
	const bound = 64 << 10
	for _, tc := range []struct {
		name   string
		dir    func(i int) session.Dir
		gap    func(i int) bool
		chunks int // at most this many kept
	}{
		{"one direction", func(int) session.Dir { return session.FromServer }, func(int) bool { return false }, 8}, // one a block: 1 KiB doubling to 64
		{"turns at each byte", func(i int) session.Dir { return session.Dir(i % 2) }, func(int) bool { return false }, bound / int(chunkCost)},
		{"a gap at every tenth", func(int) session.Dir { return session.FromClient }, func(i int) bool { return i%10 == 9 }, bound / int(chunkCost)},
	} {
		var k kept
		var fed, gaps []byte
		for i := range 200000 {
			c := session.Chunk{Dir: tc.dir(i), Data: []byte{byte('a' + i%26)}}
			if tc.gap(i) {
				c = session.Chunk{Dir: tc.dir(i), Gap: 1}
				gaps = append(gaps, 0)
			} else {
				fed = append(fed, c.Data[0])
			}
			k.add(c, bound, nil)
		}
		var held []byte
		var size int64
		for c := range k.all(nil) {
			held = append(held, c.Data...)
			size += int64(len(c.Data)) + chunkCost
		}
		if size > bound || k.n > bound {
			t.Errorf("%s: %d bytes held (%d counted) over a bound of %d", tc.name, size, k.n, bound)
		}
		if len(k.chunks) > tc.chunks {
			t.Errorf("%s: %d chunks kept, want at most %d", tc.name, len(k.chunks), tc.chunks)
		}
		if int64(len(held))+k.dropped != int64(len(fed)) || !bytes.Equal(held, fed[:len(held)]) || len(held) == 0 {
			t.Errorf("%s: %d bytes kept and %d counted of %d fed", tc.name, len(held), k.dropped, len(fed))
		}
	}
	// Without a bound, all of it, joined.
	var k kept
	for i := range 1000 {
		k.add(session.Chunk{Dir: session.FromClient, Data: []byte{byte(i)}}, 0, nil)
	}
	if len(k.chunks) != 1 || len(k.chunks[0].data) != 1000 {
		t.Errorf("unbounded: %d chunks, want the 1000 bytes in one", len(k.chunks))
	}
}

// TestKeptSpills: past keptInMemory, the blocks a session fills go to the
// spill file, so that what stays in memory is bounded whatever the
// session's length; reading them back yields every chunk as it was fed,
// bytes, directions and gaps, in order.
func TestKeptSpills(t *testing.T) {
	store := spill.New(t.TempDir())
	defer store.Close()
	var k kept
	var fed []session.Chunk
	for i := range 3000 {
		c := session.Chunk{Dir: session.Dir(i / 7 % 2), Data: bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%3000)}
		if i%97 == 96 {
			c = session.Chunk{Dir: c.Dir, Gap: 5}
		}
		fed = append(fed, session.Chunk{Dir: c.Dir, Gap: c.Gap, Data: bytes.Clone(c.Data)})
		k.add(c, 0, func() *spill.Store { return store })
	}
	var inMemory int64
	for _, c := range k.chunks {
		inMemory += int64(len(c.data))
	}
	if inMemory > keptInMemory+2*keptBlock || len(k.blocks) == 0 {
		t.Errorf("%d bytes in memory, %d blocks spilled, of %d kept", inMemory, len(k.blocks), k.n)
	}
	// How chunks that go on from the last are cut is the view's own
	// business: runs of one direction, and gaps, are compared.
	runs := func(chunks func(func(session.Chunk) bool)) []byte {
		var out []byte
		last := -1
		for c := range chunks {
			switch {
			case c.Gap > 0:
				out, last = fmt.Appendf(out, "|gap %d/%d", c.Dir, c.Gap), -1
			case int(c.Dir) != last:
				out, last = append(fmt.Appendf(out, "|%d:", c.Dir), c.Data...), int(c.Dir)
			default:
				out = append(out, c.Data...)
			}
		}
		return out
	}
	got, want := runs(k.all(store)), runs(slices.Values(fed))
	if !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes of chunks, want %d", len(got), len(want))
	}
	// One direction: blocks past the first MiB are as large as before it,
	// so the chunks stay one a block.
	k = kept{}
	for range 3000 {
		k.add(session.Chunk{Dir: session.FromServer, Data: bytes.Repeat([]byte("x"), 1000)}, 0, func() *spill.Store { return store })
	}
	if want := 3000*1000/keptBlock + 8; len(k.chunks) > want {
		t.Errorf("3 MB in one direction: %d chunks, want at most %d", len(k.chunks), want)
	}
}

// TestFollowShowsALongSessionAsItComes: a session that goes past
// keptInMemory before TLS began is shown from then on as it comes, and
// keeps none of those bytes; what comes after TLS began is kept and shown
// with the records at the end. The whole reads as Follow of every chunk
// at the end does, with colours too.
func TestFollowShowsALongSessionAsItComes(t *testing.T) {
	for _, color := range []bool{false, true} {
		o := render.TextOptions{Color: color}
		s := st.NewSession("smtp")
		var all []session.Chunk
		var sent [2]int64
		line := []byte(strings.Repeat("QUJD", 19) + "\r\n")
		for i := range 40000 {
			d := session.Dir(i / 100 % 2)
			c := session.Chunk{Dir: d, Data: line, BeforeTLS: true}
			if i == 20000 {
				c = session.Chunk{Dir: d, Gap: 7, BeforeTLS: true}
			}
			all = append(all, c)
			sent[d] += int64(len(c.Data))
		}
		tls := bytes.Repeat([]byte{0x17, 3, 3, 0, 20}, 5)
		s.TLS = session.TLSStart
		s.Encrypted = &session.Encrypted{ClientFrom: sent[0], ServerFrom: sent[1], Records: []session.TLSRecord{
			{Dir: "client", Offset: 0, Type: "application_data", Length: 20},
			{Dir: "server", Offset: 0, Type: "application_data", Length: 20},
		}}
		all = append(all, session.Chunk{Dir: session.FromClient, Data: tls[:25]}, session.Chunk{Dir: session.FromServer, Data: tls[:25]})

		var got, want bytes.Buffer
		v := Follow(&got, o, 0).(*follow)
		for i, c := range all {
			v.Raw(s, c)
			if f := v.raw[s]; i == 39999 && (f.shown == nil || len(f.kept.chunks) != 0 || got.Len() != 0) {
				t.Fatalf("colour %v: before TLS, %d chunks kept, %d bytes written, shown %v", color, len(f.kept.chunks), got.Len(), f.shown != nil)
			}
		}
		v.SessionEnded(s)
		render.Follow(&want, s, slices.Values(all), 0, o)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("colour %v: %d bytes shown, %d as Follow at the end shows", color, got.Len(), want.Len())
		}
		if !bytes.Contains(got.Bytes(), []byte("application_data")) || !bytes.Contains(got.Bytes(), []byte("[7 bytes missing")) {
			t.Errorf("colour %v: the records or the gap are not shown", color)
		}
	}
}

// TestFollowSpoolsShareTheirMemory: sessions shown as they come hold at
// most spooledInMemory in memory between them, the rest in the spill
// file, and each reads as Follow of its chunks at the end does; the
// blocks come back to the pool as sessions are written.
func TestFollowSpoolsShareTheirMemory(t *testing.T) {
	line := []byte(strings.Repeat("QUJD", 19) + "\r\n")
	const lines = 3 * spooledInMemory / 78 / 2 // each session a pool and a half of lines: more than the pool holds
	var got bytes.Buffer
	v := Follow(&got, render.TextOptions{}, 0).(*follow)
	ss := []*session.Session{st.NewSession("pop3"), st.NewSession("imap")}
	var all [2][]session.Chunk
	for i := range lines {
		for k, s := range ss {
			c := session.Chunk{Dir: session.Dir(i / 1000 % 2), Data: line, BeforeTLS: true}
			all[k] = append(all[k], c)
			v.Raw(s, c)
		}
		if v.mem.out > v.mem.max {
			t.Fatalf("%d blocks in memory, the bound is %d", v.mem.out, v.mem.max)
		}
	}
	if v.mem.out != v.mem.max || len(v.raw[ss[1]].spool.blocks) == 0 {
		t.Fatalf("%d blocks of %d in memory, %d in the spill file: the pool was not shared", v.mem.out, v.mem.max, len(v.raw[ss[1]].spool.blocks))
	}
	var want bytes.Buffer
	for k, s := range ss {
		v.SessionEnded(s)
		render.Follow(&want, s, slices.Values(all[k]), 0, render.TextOptions{})
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("%d bytes shown, %d as Follow at the end shows", got.Len(), want.Len())
	}
	if v.mem.out != 0 || len(v.mem.free) != v.mem.max {
		t.Errorf("after both ended, %d blocks out and %d free, want 0 and %d", v.mem.out, len(v.mem.free), v.mem.max)
	}
}

// TestFollowUsesItsSpillAgain: sessions shown one after another, each
// past what the pool holds, put their blocks where the sessions before
// them did: the spill file holds about one session, not three, and each
// reads as Follow of its chunks.
func TestFollowUsesItsSpillAgain(t *testing.T) {
	line := []byte(strings.Repeat("QUJD", 19) + "\r\n")
	const lines = 2 * spooledInMemory / 78 // twice what the pool holds
	var got, want bytes.Buffer
	v := Follow(&got, render.TextOptions{}, 0).(*follow)
	var one int64
	for k := range 3 {
		s := st.NewSession("pop3")
		var all []session.Chunk
		for i := range lines {
			c := session.Chunk{Dir: session.Dir(i / 1000 % 2), Data: line, BeforeTLS: true}
			all = append(all, c)
			v.Raw(s, c)
		}
		v.SessionEnded(s)
		render.Follow(&want, s, slices.Values(all), 0, render.TextOptions{})
		if k == 0 {
			one = v.store.Size()
		}
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("%d bytes shown, %d as Follow at the end shows", got.Len(), want.Len())
	}
	if size := v.store.Size(); one == 0 || size > one+one/4 {
		t.Errorf("the spill file holds %d bytes after three sessions, %d after the first", size, one)
	}
}
