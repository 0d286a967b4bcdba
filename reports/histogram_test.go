package reports

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// latencySets returns sets of values shaped like latencies and worse: small
// exact integers, exponential and log-normal tails, and values near 2^62
// whose sum overflows 64 bits.
func latencySets(rng *rand.Rand) map[string][]int64 {
	sets := map[string][]int64{}
	for range 5000 {
		sets["small"] = append(sets["small"], rng.Int64N(300))
		sets["exponential"] = append(sets["exponential"], int64(rng.ExpFloat64()*5e6))
		sets["lognormal"] = append(sets["lognormal"], int64(2e6*math.Exp(1.5*rng.NormFloat64())))
		sets["huge"] = append(sets["huge"], 1<<62-rng.Int64N(1<<50))
	}
	return sets
}

// Merging is exact: the merge of the histograms of any split of the values,
// in any order, is the histogram of all of them — counts, minimum, maximum
// and sum — so quantiles and the mean come out the same.
func TestHistogramMergeIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, vals := range latencySets(rng) {
		for _, sub := range []uint{coarseBits, fineBits} {
			whole := newHistogram(sub)
			parts := make([]*histogram, 1+rng.IntN(9))
			for i := range parts {
				parts[i] = newHistogram(sub)
			}
			for _, v := range vals {
				whole.add(v)
				parts[rng.IntN(len(parts))].add(v)
			}
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			merged := newHistogram(sub)
			merged.merge(nil)
			for _, p := range parts {
				merged.merge(p)
			}
			require.Equal(t, whole, merged, "%s, %d bits: merged in any order = all at once", name, sub)
			assert.Equal(t, whole.mean(), merged.mean())
			for _, q := range []float64{0, 0.5, 0.99, 0.999, 1} {
				assert.Equal(t, whole.quantile(q), merged.quantile(q))
			}
		}
	}
	assert.Panics(t, func() {
		h := newHistogram(fineBits)
		h.add(1)
		newHistogram(coarseBits).merge(h)
	}, "different resolutions do not merge")
}

// Every quantile is within 2^-(subBits+1) of the true value, relative: the
// middle of the value's bucket, clamped to the exact minimum and maximum.
func TestHistogramQuantileErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for name, vals := range latencySets(rng) {
		sorted := slices.Sorted(slices.Values(vals))
		for _, sub := range []uint{coarseBits, fineBits} {
			h := newHistogram(sub)
			for _, v := range vals {
				h.add(v)
			}
			bound := math.Ldexp(1, -int(sub)-1) // ≤ 0.4 % fine, ≤ 3.2 % coarse
			for i := range 1000 {
				q := float64(i+1) / 1000
				exact := sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)]
				got := h.quantile(q)
				assert.LessOrEqual(t, math.Abs(float64(got-exact)), bound*float64(exact),
					"%s, %d bits, q=%v: got %d, exact %d", name, sub, q, got, exact)
			}
			assert.Equal(t, sorted[0], h.quantile(0))
			assert.Equal(t, sorted[len(sorted)-1], h.quantile(1))
		}
	}
}

// The mean is exact even when the sum passes 64 bits.
func TestHistogramMeanExact(t *testing.T) {
	h := newHistogram(fineBits)
	for range 8 {
		h.add(math.MaxInt64)
	}
	assert.Equal(t, float64(math.MaxInt64), h.mean())
	h = newHistogram(fineBits)
	for _, v := range []int64{1, 2, 3, 4} {
		h.add(v)
	}
	assert.Equal(t, 2.5, h.mean())
}
