package view

import (
	"bytes"
	"testing"

	"github.com/mailtrace/mailtrace/analyzer/session"
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
			k.add(c, bound)
		}
		var held []byte
		var size int64
		for _, c := range k.chunks {
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
		k.add(session.Chunk{Dir: session.FromClient, Data: []byte{byte(i)}}, 0)
	}
	if len(k.chunks) != 1 || len(k.chunks[0].Data) != 1000 {
		t.Errorf("unbounded: %d chunks, want the 1000 bytes in one", len(k.chunks))
	}
}
