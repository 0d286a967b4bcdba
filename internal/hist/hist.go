package hist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// histogram counts latencies (in nanoseconds) in log-linear buckets, as an
// HdrHistogram does, so that a run of any length is summarised in a few
// kilobytes instead of one value per call. Values below 2^(subBits+1) are
// counted exactly; above that every power of two is split into 2^subBits
// buckets of equal width, which bounds the relative error of a quantile by
// 2^-(subBits+1) (the middle of a bucket is at most half its width away).
// Only the span of buckets between the smallest and the largest value is
// stored: latencies spread over a few powers of two, so a histogram holds
// some dozens of counters, whatever the number of values.
//
// Count, minimum, maximum and sum are exact, so merging is exact: the merge
// of the histograms of two sets of values is the histogram of their union
// (TestHistogramMergeIsExact).
//
// A histogram is not safe for concurrent use.
type Histogram struct {
	subBits uint
	first   int      // the bucket counts[0] counts
	counts  []uint64 // buckets first … first+len(counts)-1
	n       int64
	min     int64
	max     int64
	sum     [2]uint64 // 128 bits, high word first: exact for any count of any int64
}

const (
	Fine   = 7 // overall distributions: ≤ 0.4 % error
	Coarse = 4 // per time bucket: ≤ 3.2 % error, a few dozen counters
)

func New(subBits uint) *Histogram { return &Histogram{subBits: subBits} }

// index returns the bucket of v ≥ 0.
func (h *Histogram) index(v int64) int {
	u := uint64(v)
	top := bits.Len64(u) // position of the highest set bit, 1-based
	if top <= int(h.subBits)+1 {
		return int(u)
	}
	shift := uint(top) - h.subBits - 1
	return int(uint64(shift)<<h.subBits + u>>shift)
}

// bounds returns the smallest value of bucket i and the bucket's width.
func (h *Histogram) bounds(i int) (lo, width int64) {
	limit := 2 << h.subBits
	if i < limit {
		return int64(i), 1
	}
	shift := uint(i>>h.subBits) - 1
	mant := uint64(i) - uint64(shift)<<h.subBits
	return int64(mant << shift), 1 << shift
}

// cover grows counts to hold buckets lo … hi.
func (h *Histogram) cover(lo, hi int) {
	if len(h.counts) == 0 {
		h.first, h.counts = lo, make([]uint64, hi-lo+1)
		return
	}
	end := h.first + len(h.counts) // one past the last bucket
	if lo >= h.first && hi < end {
		return
	}
	if lo >= h.first { // grow at the top, amortized by append
		h.counts = append(h.counts, make([]uint64, hi+1-end)...)
		return
	}
	grown := make([]uint64, max(hi+1, end)-lo)
	copy(grown[h.first-lo:], h.counts)
	h.first, h.counts = lo, grown
}

// add records one latency; negative values count as zero.
func (h *Histogram) Add(v int64) {
	v = max(v, 0)
	i := h.index(v)
	h.cover(i, i)
	h.counts[i-h.first]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.n++
	h.addSum(0, uint64(v))
}

// addSum adds the 128-bit value hi:lo to the sum.
func (h *Histogram) addSum(hi, lo uint64) {
	var carry uint64
	h.sum[1], carry = bits.Add64(h.sum[1], lo, 0)
	h.sum[0], _ = bits.Add64(h.sum[0], hi, carry)
}

// Merge adds every count of o to h, which then holds the histogram of both
// sets of values. o may be finer than h (more sub-bucket bits): each of its
// buckets lies inside one of h's, so the merge is as exact as h. Merging a
// coarser histogram into a finer one panics.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	switch {
	case o.subBits < h.subBits:
		panic(fmt.Sprintf("hist: merging a histogram of %d sub-bucket bits into one of %d", o.subBits, h.subBits))
	case o.subBits > h.subBits:
		for i, c := range o.counts {
			if c > 0 {
				lo, _ := o.bounds(o.first + i)
				j := h.index(lo)
				h.cover(j, j)
				h.counts[j-h.first] += c
			}
		}
	default:
		h.cover(o.first, o.first+len(o.counts)-1)
		for i, c := range o.counts {
			h.counts[o.first+i-h.first] += c
		}
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.addSum(o.sum[0], o.sum[1])
}

// quantile returns the value at quantile q in [0, 1]: the exact minimum for
// 0 and maximum for 1, else the middle of the bucket holding the
// ceil(q·n)-th smallest value, clamped to the minimum and maximum. It
// returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) int64 {
	if h == nil || h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	if q <= 0 {
		return h.min
	}
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen >= rank {
			lo, w := h.bounds(h.first + i)
			return min(max(lo+(w-1)/2, h.min), h.max)
		}
	}
	return h.max
}

// mean returns the exact mean, or 0 for an empty histogram.
func (h *Histogram) Mean() float64 {
	if h == nil || h.n == 0 {
		return 0
	}
	return (float64(h.sum[0])*(1<<64) + float64(h.sum[1])) / float64(h.n)
}

// count returns the number of values recorded; a nil histogram is empty.
func (h *Histogram) Count() int64 {
	if h == nil {
		return 0
	}
	return h.n
}

// cumulative calls fn for every non-empty bucket in increasing order with the
// bucket's bounds [lower, upper) and the count of values below upper.
func (h *Histogram) Cumulative(fn func(lower, upper, below int64)) {
	var seen int64
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		seen += int64(c)
		lo, w := h.bounds(h.first + i)
		fn(lo, lo+w, seen)
	}
}

// minPositive returns the smallest value above zero (up to bucket
// precision), or 0 when every value is zero.
func (h *Histogram) MinPositive() int64 {
	if h == nil || h.n == 0 {
		return 0
	}
	if h.min > 0 {
		return h.min
	}
	for i, c := range h.counts {
		if lo, _ := h.bounds(h.first + i); c > 0 && lo > 0 {
			return lo
		}
	}
	return 0
}

// Min returns the smallest value recorded, or 0 for an empty histogram.
func (h *Histogram) Min() int64 {
	if h == nil {
		return 0
	}
	return h.min
}

// Max returns the largest value recorded, or 0 for an empty histogram.
func (h *Histogram) Max() int64 {
	if h == nil {
		return 0
	}
	return h.max
}

// wire is a Histogram's JSON form: every field, so that a histogram read
// back merges exactly. Buckets holds the non-empty buckets as pairs of
// bucket index and count.
type wire struct {
	SubBits uint      `json:"sub_bits"`
	Buckets []uint64  `json:"buckets"`
	N       int64     `json:"n"`
	Min     int64     `json:"min"`
	Max     int64     `json:"max"`
	Sum     [2]uint64 `json:"sum"`
}

// MarshalJSON encodes every field of h.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	w := wire{SubBits: h.subBits, Buckets: []uint64{}, N: h.n, Min: h.min, Max: h.max, Sum: h.sum}
	for i, c := range h.counts {
		if c > 0 {
			w.Buckets = append(w.Buckets, uint64(h.first+i), c)
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes what MarshalJSON wrote, and refuses a histogram
// whose counts do not add up to its count, whose buckets are not in
// increasing order, or whose sub-bucket bits are not 1 … 16.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	w, ok := parseWire(b)
	if !ok { // not as MarshalJSON writes it: any JSON of the same keys
		if err := json.Unmarshal(b, &w); err != nil {
			return err
		}
	}
	if w.SubBits < 1 || w.SubBits > 16 {
		return fmt.Errorf("hist: sub_bits %d, want 1 … 16", w.SubBits)
	}
	if len(w.Buckets)%2 != 0 {
		return fmt.Errorf("hist: buckets holds %d numbers, want pairs of index and count", len(w.Buckets))
	}
	out := Histogram{subBits: w.SubBits, n: w.N, min: w.Min, max: w.Max, sum: w.Sum}
	var total uint64
	for i := 0; i < len(w.Buckets); i += 2 {
		if idx := w.Buckets[i]; idx > 1<<20 || (i > 0 && idx <= w.Buckets[i-2]) {
			return fmt.Errorf("hist: bucket index %d out of order or out of range", idx)
		}
		total += w.Buckets[i+1]
	}
	if len(w.Buckets) > 0 { // one allocation: the indices rise
		out.cover(int(w.Buckets[0]), int(w.Buckets[len(w.Buckets)-2]))
	}
	for i := 0; i < len(w.Buckets); i += 2 {
		out.counts[int(w.Buckets[i])-out.first] = w.Buckets[i+1]
	}
	if w.N < 0 || total != uint64(w.N) {
		return fmt.Errorf("hist: counts add up to %d, n is %d", total, w.N)
	}
	*h = out
	return nil
}

// parseWire reads exactly what MarshalJSON writes, without reflection:
// an hour's omitted.jsonl holds millions of bucket numbers. ok is false for
// anything else (other key order, spaces), which encoding/json then reads.
func parseWire(b []byte) (w wire, ok bool) {
	p := wireParser{b: b}
	sub := p.key(`{"sub_bits":`)
	p.expect(`,"buckets":[`)
	if p.ok && p.peek() != ']' {
		if end := bytes.IndexByte(p.b[p.i:], ']'); end > 0 {
			w.Buckets = make([]uint64, 0, bytes.Count(p.b[p.i:p.i+end], []byte{','})+1)
		}
		for p.ok {
			w.Buckets = append(w.Buckets, p.uint())
			if p.peek() != ',' {
				break
			}
			p.i++
		}
	}
	n := p.key(`],"n":`)
	lo := p.key(`,"min":`)
	hi := p.key(`,"max":`)
	s0 := p.key(`,"sum":[`)
	s1 := p.key(`,`)
	p.expect(`]}`)
	if !p.ok || p.i != len(b) || n > math.MaxInt64 || lo > math.MaxInt64 || hi > math.MaxInt64 {
		return wire{}, false
	}
	w.SubBits, w.N, w.Min, w.Max, w.Sum = uint(sub), int64(n), int64(lo), int64(hi), [2]uint64{s0, s1}
	return w, true
}

type wireParser struct {
	b  []byte
	i  int
	ok bool
}

func (p *wireParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *wireParser) expect(lit string) {
	if p.i == 0 {
		p.ok = true
	}
	if !p.ok || !bytes.HasPrefix(p.b[p.i:], []byte(lit)) {
		p.ok = false
		return
	}
	p.i += len(lit)
}

// key expects lit, then reads an unsigned number.
func (p *wireParser) key(lit string) uint64 {
	p.expect(lit)
	return p.uint()
}

func (p *wireParser) uint() uint64 {
	j := p.i
	for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
		j++
	}
	if !p.ok || j == p.i {
		p.ok = false
		return 0
	}
	v, err := strconv.ParseUint(string(p.b[p.i:j]), 10, 64)
	p.ok = err == nil
	p.i = j
	return v
}
