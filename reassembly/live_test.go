package reassembly

import "testing"

// TestRingFor: the default buffer is a 64th of the memory, never below
// what rides out a short burst nor above what a full-rate replay of the
// 250 MB corpus needs.
func TestRingFor(t *testing.T) {
	for _, c := range []struct{ memory, want int }{
		{0, 32 << 20},        // unknown
		{1 << 30, 32 << 20},  // 1 GiB: at the floor
		{4 << 30, 64 << 20},  // a small laptop
		{8 << 30, 128 << 20}, // a laptop
		{24 << 30, 256 << 20},
		{256 << 30, 256 << 20}, // a big server: at the ceiling
	} {
		if got := ringFor(c.memory); got != c.want {
			t.Errorf("ringFor(%d MiB) = %d MiB, want %d MiB", c.memory>>20, got>>20, c.want>>20)
		}
	}
}
