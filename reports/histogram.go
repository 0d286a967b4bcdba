package reports

import (
	"math"
	"math/bits"
)

// histogram counts latencies (in nanoseconds) in log-linear buckets, so that a
// run of any length is summarised in a few kilobytes instead of one value per
// call. Values below 2^subBits are counted exactly; above that every power of
// two is split into 2^subBits buckets, which bounds the relative error of a
// quantile by 2^-subBits. Count, minimum, maximum and sum are exact.
//
// A histogram is not safe for concurrent use.
type histogram struct {
	subBits uint
	counts  []uint64 // grown on demand to the highest bucket seen
	n       int64
	min     int64
	max     int64
	sum     float64
}

const (
	fineBits   = 7 // overall distributions: ≤ 0.8 % error
	coarseBits = 4 // per time bucket: ≤ 6 % error, a few hundred counters
)

func newHistogram(subBits uint) *histogram { return &histogram{subBits: subBits} }

// index returns the bucket of v ≥ 0.
func (h *histogram) index(v int64) int {
	u := uint64(v)
	top := bits.Len64(u) // position of the highest set bit, 1-based
	if top <= int(h.subBits)+1 {
		return int(u)
	}
	shift := uint(top) - h.subBits - 1
	return int(uint64(shift)<<h.subBits + u>>shift)
}

// bounds returns the smallest value of bucket i and the bucket's width.
func (h *histogram) bounds(i int) (lo, width int64) {
	limit := 2 << h.subBits
	if i < limit {
		return int64(i), 1
	}
	shift := uint(i>>h.subBits) - 1
	mant := uint64(i) - uint64(shift)<<h.subBits
	return int64(mant << shift), 1 << shift
}

// add records one latency; negative values count as zero.
func (h *histogram) add(v int64) {
	if v < 0 {
		v = 0
	}
	i := h.index(v)
	if i >= len(h.counts) {
		grown := make([]uint64, i+1, max(i+1, 2*len(h.counts)))
		copy(grown, h.counts)
		h.counts = grown
	}
	h.counts[i]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
}

// merge adds every count of o (which must have the same subBits) to h.
func (h *histogram) merge(o *histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		grown := make([]uint64, len(o.counts))
		copy(grown, h.counts)
		h.counts = grown
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the value at quantile q in [0, 1]: the middle of the
// bucket holding the ceil(q·n)-th smallest value, clamped to the exact
// minimum and maximum. It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) int64 {
	if h == nil || h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen >= rank {
			lo, w := h.bounds(i)
			return min(max(lo+(w-1)/2, h.min), h.max)
		}
	}
	return h.max
}

// mean returns the exact mean, or 0 for an empty histogram.
func (h *histogram) mean() float64 {
	if h == nil || h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// count returns the number of values recorded; a nil histogram is empty.
func (h *histogram) count() int64 {
	if h == nil {
		return 0
	}
	return h.n
}

// cumulative calls fn for every non-empty bucket in increasing order with the
// bucket's bounds [lower, upper) and the count of values below upper.
func (h *histogram) cumulative(fn func(lower, upper, below int64)) {
	var seen int64
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		seen += int64(c)
		lo, w := h.bounds(i)
		fn(lo, lo+w, seen)
	}
}

// minPositive returns the smallest value above zero (up to bucket
// precision), or 0 when every value is zero.
func (h *histogram) minPositive() int64 {
	if h == nil || h.n == 0 {
		return 0
	}
	if h.min > 0 {
		return h.min
	}
	for i, c := range h.counts[1:] {
		if c > 0 {
			lo, _ := h.bounds(i + 1)
			return lo
		}
	}
	return 0
}
