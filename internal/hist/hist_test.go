package hist

import (
	"encoding/json"
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
		for _, sub := range []uint{Coarse, Fine} {
			whole := New(sub)
			parts := make([]*Histogram, 1+rng.IntN(9))
			for i := range parts {
				parts[i] = New(sub)
			}
			for _, v := range vals {
				whole.Add(v)
				parts[rng.IntN(len(parts))].Add(v)
			}
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			merged := New(sub)
			merged.Merge(nil)
			for _, p := range parts {
				merged.Merge(p)
			}
			require.Equal(t, whole, merged, "%s, %d bits: merged in any order = all at once", name, sub)
			assert.Equal(t, whole.Mean(), merged.Mean())
			for _, q := range []float64{0, 0.5, 0.99, 0.999, 1} {
				assert.Equal(t, whole.Quantile(q), merged.Quantile(q))
			}
		}
	}
	assert.Panics(t, func() {
		h := New(Coarse)
		h.Add(1)
		New(Fine).Merge(h)
	}, "a coarse histogram does not merge into a finer one")
}

// A fine histogram merges into a coarse one as if its values had been added
// to the coarse one directly: each fine bucket lies inside a coarse one.
func TestHistogramMergeFineIntoCoarse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, vals := range latencySets(rng) {
		direct, fine, merged := New(Coarse), New(Fine), New(Coarse)
		for _, v := range vals {
			direct.Add(v)
			fine.Add(v)
		}
		merged.Merge(fine)
		require.Equal(t, direct, merged, name)
	}
}

// Every quantile is within 2^-(subBits+1) of the true value, relative: the
// middle of the value's bucket, clamped to the exact minimum and maximum.
func TestHistogramQuantileErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for name, vals := range latencySets(rng) {
		sorted := slices.Sorted(slices.Values(vals))
		for _, sub := range []uint{Coarse, Fine} {
			h := New(sub)
			for _, v := range vals {
				h.Add(v)
			}
			bound := math.Ldexp(1, -int(sub)-1) // ≤ 0.4 % fine, ≤ 3.2 % coarse
			for i := range 1000 {
				q := float64(i+1) / 1000
				exact := sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)]
				got := h.Quantile(q)
				assert.LessOrEqual(t, math.Abs(float64(got-exact)), bound*float64(exact),
					"%s, %d bits, q=%v: got %d, exact %d", name, sub, q, got, exact)
			}
			assert.Equal(t, sorted[0], h.Quantile(0))
			assert.Equal(t, sorted[len(sorted)-1], h.Quantile(1))
		}
	}
}

// The mean is exact even when the sum passes 64 bits.
func TestHistogramMeanExact(t *testing.T) {
	h := New(Fine)
	for range 8 {
		h.Add(math.MaxInt64)
	}
	assert.Equal(t, float64(math.MaxInt64), h.Mean())
	h = New(Fine)
	for _, v := range []int64{1, 2, 3, 4} {
		h.Add(v)
	}
	assert.Equal(t, 2.5, h.Mean())
}

func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := New(Fine)
	var vals []int64
	for range 20000 {
		v := int64(rng.ExpFloat64() * 5e6)
		vals = append(vals, v)
		h.Add(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		assert.InEpsilon(t, float64(exact), float64(got), 0.01, "q=%v", q)
	}
	assert.Equal(t, vals[0], h.Quantile(0))
	assert.Equal(t, vals[len(vals)-1], h.Quantile(1))
	assert.Equal(t, int64(len(vals)), h.Count())

	small := New(Coarse)
	for _, v := range []int64{0, 1, 2, 3, 30, -5} {
		small.Add(v)
	}
	assert.Equal(t, int64(0), small.Min(), "negative values count as zero")
	assert.Equal(t, int64(1), small.Quantile(0.5), "small values are exact: 0 0 1 | 2 3 30")
	assert.Equal(t, int64(3), small.Quantile(0.8))
	assert.Equal(t, int64(0), (*Histogram)(nil).Quantile(0.5))

	// Every value falls in a bucket whose bounds contain it.
	for _, bitsN := range []uint{Coarse, Fine} {
		hh := New(bitsN)
		for _, v := range []int64{0, 1, 15, 16, 31, 32, 33, 1000, 1 << 40, 1<<62 + 12345} {
			lo, w := hh.bounds(hh.index(v))
			assert.True(t, lo <= v && v-lo < w, "bits %d value %d: bucket [%d, +%d)", bitsN, v, lo, w)
		}
	}
}

// A histogram read back from its JSON merges and answers as the original.
func TestHistogramJSONRoundTrip(t *testing.T) {
	h := New(Fine)
	for _, v := range []int64{0, 7, 300, 1 << 20, 5e9} {
		h.Add(v)
	}
	b, err := json.Marshal(h)
	require.NoError(t, err)
	var back Histogram
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, h, &back)
	_, fast := parseWire(b)
	assert.True(t, fast, "what MarshalJSON writes reads without reflection")
	var spaced Histogram // any JSON of the same keys reads too
	require.NoError(t, json.Unmarshal([]byte(`{ "n": 2, "sub_bits": 7, "buckets": [7, 1, 278, 1], "min": 7, "max": 300, "sum": [0, 307] }`), &spaced))
	assert.Equal(t, histOf(7, 300), &spaced)
	var bad Histogram
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"sub_bits":7,"buckets":[3,1,9,2],"n":5}`), &bad), "counts add up to 3, n is 5")
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"sub_bits":0}`), &bad), "sub_bits 0")
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"sub_bits":7,"buckets":[9,1,3,2],"n":3}`), &bad), "out of order")
	assert.JSONEq(t, `{"sub_bits":7,"buckets":[7,1,278,1],"n":2,"min":7,"max":300,"sum":[0,307]}`,
		string(must(json.Marshal(histOf(7, 300)))), "only the non-empty buckets: 7 is exact, 300 is in bucket 278")
}

func histOf(vals ...int64) *Histogram {
	h := New(Fine)
	for _, v := range vals {
		h.Add(v)
	}
	return h
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
