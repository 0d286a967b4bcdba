package reports

import (
	"math"
	"time"

	"github.com/breakerlab/breakerlab/internal/hist"
)

// Outcome classes drawn and counted per time bucket. They partition the calls:
// a failed or rejected call that was served a fallback counts as fallback only.
const (
	clsSuccess = iota
	clsFailure
	clsIgnored
	clsRejected
	clsFallback
	numClasses
)

// maxStoredBuckets bounds the stored resolution of a time series: when a
// call lands past it, neighbouring buckets are merged and the width doubles.
const maxStoredBuckets = 480

// bucket aggregates the calls that started, and the dependency requests that
// arrived, within one interval of a time series, and the time calls spent in
// flight within it.
type bucket struct {
	classes  [numClasses]int64
	received int64           // requests that reached the dependency
	busy     int64           // ns of call time inside the bucket, summed over every call in flight in it
	admitted *hist.Histogram // latency of calls that ran (success, failure, ignored)
	rejected *hist.Histogram // latency of rejections
}

func (b *bucket) merge(o *bucket) {
	for i := range b.classes {
		b.classes[i] += o.classes[i]
	}
	b.received += o.received
	b.busy += o.busy
	if o.admitted != nil {
		if b.admitted == nil {
			b.admitted = hist.New(hist.Coarse)
		}
		b.admitted.Merge(o.admitted)
	}
	if o.rejected != nil {
		if b.rejected == nil {
			b.rejected = hist.New(hist.Coarse)
		}
		b.rejected.Merge(o.rejected)
	}
}

func (b *bucket) calls() int64 {
	var n int64
	for _, c := range b.classes {
		n += c
	}
	return n
}

// series is a time series of buckets of equal width starting at t0. It grows
// as events arrive, in any order, and halves its resolution instead of
// growing past maxStoredBuckets.
type series struct {
	width   int64 // ns
	buckets []bucket
	// busyEnd bounds the time in flight that addBusy counts. It lies within
	// maxStoredBuckets of the first width, so that counting it never
	// coarsens the series.
	busyEnd int64
}

func newSeries(width int64) *series {
	width = max(width, 1)
	return &series{width: width, busyEnd: maxStoredBuckets * width}
}

// addBusy counts a call in flight over [start, end) in every bucket it
// overlaps, by the time it spent inside each (clipped to [0, busyEnd)), so
// that a bucket's busy time divided by its width is the mean number of calls
// in flight during it.
func (s *series) addBusy(start, end int64) {
	start, end = max(start, 0), min(end, s.busyEnd)
	if end <= start {
		return
	}
	s.at(end - 1) // grows the buckets to cover the call; never coarsens, as end ≤ busyEnd
	i := start / s.width
	for t := start; t < end; i++ {
		next := min((i+1)*s.width, end)
		s.buckets[i].busy += next - t
		t = next
	}
}

// at returns the bucket holding time t (ns since t0; negative counts as 0).
func (s *series) at(t int64) *bucket {
	t = max(t, 0)
	i := t / s.width
	for i >= maxStoredBuckets {
		s.coarsen()
		i = t / s.width
	}
	if int(i) >= len(s.buckets) {
		s.buckets = append(s.buckets, make([]bucket, int(i)+1-len(s.buckets))...)
	}
	return &s.buckets[i]
}

// coarsen doubles the width by merging neighbouring buckets pairwise.
func (s *series) coarsen() {
	n := (len(s.buckets) + 1) / 2
	for i := range n {
		merged := s.buckets[2*i]
		if 2*i+1 < len(s.buckets) {
			merged.merge(&s.buckets[2*i+1])
		}
		s.buckets[i] = merged
	}
	clear(s.buckets[n:])
	s.buckets = s.buckets[:n]
	s.width *= 2
}

// regroup returns a copy of s with factor neighbouring buckets merged, and
// enough empty buckets to reach end.
func (s *series) regroup(factor int, end int64) *series {
	factor = max(factor, 1)
	out := newSeries(s.width * int64(factor))
	out.busyEnd = s.busyEnd
	n := int((end + out.width - 1) / out.width)
	n = max(n, (len(s.buckets)+factor-1)/factor)
	out.buckets = make([]bucket, n)
	for i := range s.buckets {
		out.buckets[i/factor].merge(&s.buckets[i])
	}
	return out
}

// storedWidth picks the initial stored bucket width for a planned duration:
// a 1-2-5 step giving about maxStoredBuckets/2 buckets, never below 1 ms.
func storedWidth(planned time.Duration) int64 {
	if planned <= 0 {
		return int64(100 * time.Millisecond)
	}
	return int64(niceDuration(planned/(maxStoredBuckets/2), time.Millisecond))
}

// niceDuration rounds d up to 1, 2 or 5 times a power of ten, at least floor.
func niceDuration(d, floor time.Duration) time.Duration {
	if d <= floor {
		return floor
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(d))))
	for _, m := range []float64{1, 2, 5, 10} {
		if float64(d) <= m*p {
			return time.Duration(m * p)
		}
	}
	return time.Duration(10 * p)
}

// Display targets: enough buckets to see a 1 s event in a 10 s run, few
// enough that each bucket of a busy run holds a meaningful sample.
const (
	maxDisplayBuckets = 120
	minDisplayBuckets = 40
	minBucketCalls    = 20
)

// displayFactor picks how many stored buckets to merge per plotted bucket:
// the smallest factor giving at most maxDisplayBuckets buckets whose average
// holds minBucketCalls calls, without going below minDisplayBuckets.
func displayFactor(stored int, totalCalls int64) int {
	if stored <= 0 {
		return 1
	}
	f := 1
	for f < stored {
		n := (stored + f - 1) / f
		if n <= minDisplayBuckets {
			break
		}
		if n <= maxDisplayBuckets && totalCalls/int64(n) >= minBucketCalls {
			break
		}
		f++
	}
	return f
}
