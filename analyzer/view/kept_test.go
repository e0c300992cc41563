package view

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
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
