package handoff

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

type ev struct {
	n    int
	data []byte
}

// TestOrderAndBytes: events arrive in order, each with the bytes it was
// given, whatever their sizes (none, a few, a batch's worth, more), sent
// at once or in full batches.
func TestOrderAndBytes(t *testing.T) {
	content := func(n, size int) []byte {
		return bytes.Repeat([]byte{byte(n), byte(n >> 8)}, size/2+1)[:size]
	}
	rng := rand.New(rand.NewPCG(7, 8))
	sizes := make([]int, 5000)
	for i := range sizes {
		switch rng.IntN(10) {
		case 0:
			sizes[i] = Bytes + rng.IntN(1000)
		case 1:
			sizes[i] = 0
		default:
			sizes[i] = rng.IntN(Bytes / 8)
		}
	}
	q := New[ev](3)
	done := make(chan int)
	go func() {
		next := 0
		q.Run(func(e ev) bool {
			if e.n != next || !bytes.Equal(e.data, content(e.n, sizes[e.n])) {
				t.Errorf("event %d: got %d with %d bytes", next, e.n, len(e.data))
			}
			next++
			return true
		})
		done <- next
	}()
	for i, size := range sizes {
		p := content(i, size)
		q.Add(ev{n: i, data: q.Copy(p)}, rng.IntN(50) == 0)
		clear(p) // the copy is the queue's
	}
	q.Close()
	if n := <-done; n != len(sizes) {
		t.Errorf("%d events handled, want %d", n, len(sizes))
	}
}
