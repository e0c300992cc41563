package stats

import (
	"math"
	"slices"
	"sort"
)

// samples are one verb's reply latencies over the whole capture. A day of
// a busy server's traffic holds tens of millions of exchanges, and a list
// of them all would grow with the capture: samples keeps each value
// while there are at most exactSamples, then counts them in buckets 1%
// wide (at most a few thousand, whatever the values), so that its
// quantiles are exact for a lab's capture and within half a percent for
// any other.
type samples struct {
	exact   []float64
	buckets map[int32]int // by bucket (bucketOf), once exact is full
	n       int
}

// exactSamples is how many latencies a verb keeps as they are: 8 KiB.
const exactSamples = 1024

// bucketRatio is the ratio between a bucket's bounds.
const bucketRatio = 1.01

// positive is the bucket of 1 ms: the buckets of positive latencies are
// above it and below 2*positive down to 1e-300 ms, those of negative
// ones (a capture whose files overlap in time) below minus it.
const positive = 1 << 20

func (s *samples) add(v float64) {
	s.n++
	if s.buckets == nil && len(s.exact) < exactSamples {
		s.exact = append(s.exact, v)
		return
	}
	if s.buckets == nil {
		s.buckets = map[int32]int{}
		for _, x := range s.exact {
			s.buckets[bucketOf(x)]++
		}
		s.exact = nil
	}
	s.buckets[bucketOf(v)]++
}

// bucketOf is the bucket of v: buckets order as their values do.
func bucketOf(v float64) int32 {
	switch {
	case v == 0 || math.IsNaN(v):
		return 0
	case v > 0:
		b := math.Floor(math.Log(v) / math.Log(bucketRatio))
		return positive + int32(min(max(b, 1-positive), positive-1)) // ±Inf too
	default:
		return -bucketOf(-v)
	}
}

// middle is the value a bucket stands for: the geometric middle of its
// bounds, within half a bucket of every value in it.
func middle(b int32) float64 {
	switch {
	case b == 0:
		return 0
	case b < 0:
		return -middle(-b)
	}
	return math.Pow(bucketRatio, float64(b-positive)+0.5)
}

// approximate reports whether the quantiles come from buckets.
func (s *samples) approximate() bool { return s.buckets != nil }

// quantiles are the values at each of qs (ascending), by the nearest-rank
// method.
func (s *samples) quantiles(qs ...float64) []float64 {
	out := make([]float64, len(qs))
	if s.buckets == nil {
		sorted := slices.Clone(s.exact)
		sort.Float64s(sorted)
		for i, q := range qs {
			out[i] = quantile(sorted, q)
		}
		return out
	}
	keys := make([]int32, 0, len(s.buckets))
	for b := range s.buckets {
		keys = append(keys, b)
	}
	slices.Sort(keys)
	seen, k := 0, 0
	for i, q := range qs {
		rank := max(int(math.Ceil(q*float64(s.n))), 1)
		for k < len(keys)-1 && seen+s.buckets[keys[k]] < rank {
			seen += s.buckets[keys[k]]
			k++
		}
		out[i] = middle(keys[k])
	}
	return out
}

// quantile of sorted values, by the nearest-rank method.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
