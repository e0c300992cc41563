package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSamplesExactThenBucketed: up to exactSamples a verb's quantiles
// are those of its values, by nearest rank; past it they are within half
// a percent of them, in buckets whose number does not grow with the
// values', negative and zero latencies in their order.
func TestSamplesExactThenBucketed(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		gen  func(r *rand.Rand) float64
	}{
		{"few", 10, func(r *rand.Rand) float64 { return r.Float64() * 5 }},
		{"exact", exactSamples, func(r *rand.Rand) float64 { return r.ExpFloat64() }},
		{"bucketed", 200000, func(r *rand.Rand) float64 { return r.ExpFloat64() * 3 }},
		{"wide", 200000, func(r *rand.Rand) float64 { return math.Pow(10, r.Float64()*12-6) }},
		{"signed", 50000, func(r *rand.Rand) float64 { return float64(r.IntN(7)-3) * r.Float64() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var s samples
			var all []float64
			for range tc.n {
				v := tc.gen(r)
				s.add(v)
				all = append(all, v)
			}
			slices.Sort(all)
			qs := []float64{0, 0.5, 0.95, 1}
			got := s.quantiles(qs...)
			for i, q := range qs {
				want := quantile(all, q)
				if !s.approximate() {
					if got[i] != want {
						t.Errorf("q%.2f = %v, want %v exactly", q, got[i], want)
					}
					continue
				}
				if math.Abs(got[i]-want) > 0.005*math.Abs(want) {
					t.Errorf("q%.2f = %v, want %v within 0.5%%", q, got[i], want)
				}
			}
			if approx := tc.n > exactSamples; s.approximate() != approx || s.n != tc.n {
				t.Errorf("approximate %v, count %d; want %v, %d", s.approximate(), s.n, approx, tc.n)
			}
			if len(s.buckets) > 3000 {
				t.Errorf("%d buckets for %d values", len(s.buckets), tc.n)
			}
		})
	}
}
