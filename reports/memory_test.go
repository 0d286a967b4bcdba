package reports

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runOf is a run at 1000 calls a second long enough for n calls, with one
// outage: a longer run has more calls, not more transitions.
func runOf(n int) genRun {
	g := tenMinuteRun
	g.name = fmt.Sprintf("calls-%d", n)
	g.duration = time.Duration(n) * time.Millisecond
	g.deps = []genDep{{name: "iam", preset: "iam", phases: []genPhase{
		{at: 0, label: "healthy", latency: 15 * time.Millisecond},
		{at: g.duration / 3, label: "error_rate 100%", errorRate: 1, latency: 5 * time.Millisecond},
		{at: g.duration/3 + 10*time.Second, label: "healthy", latency: 15 * time.Millisecond},
	}}}
	return g
}

// loadMemory loads the run in dir and returns the bytes Load allocated and
// the bytes the loaded Run holds.
func loadMemory(tb testing.TB, dir string) (allocated, retained uint64) {
	var before, after, held runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	run, err := Load(dir)
	require.NoError(tb, err)
	runtime.ReadMemStats(&after)
	runtime.GC()
	runtime.ReadMemStats(&held)
	runtime.KeepAlive(run)
	return after.TotalAlloc - before.TotalAlloc, held.HeapAlloc - min(held.HeapAlloc, before.HeapAlloc)
}

// Load's memory does not grow with the number of calls: ten times the calls
// allocate at most half as much again and hold at most twice as much, give
// or take the heap's noise (the tails of the per-bucket histograms reach a
// little further). A Load that kept the 200 000 calls would hold 20 MB more.
func TestLoadMemoryIsFlat(t *testing.T) {
	var alloc, held [2]uint64
	for i, n := range []int{20_000, 200_000} {
		dir := t.TempDir()
		require.NoError(t, runOf(n).write(dir))
		alloc[i], held[i] = loadMemory(t, dir)
		t.Logf("%d calls: Load allocated %d KiB, the Run holds %d KiB", n, alloc[i]>>10, held[i]>>10)
	}
	assert.Less(t, alloc[1], alloc[0]*3/2, "allocated: ten times the calls, at most half as much again")
	assert.Less(t, held[1], held[0]*2+256<<10, "held: ten times the calls, at most twice as much")
}

// BenchmarkLoadMemory reports what Load allocates (B/op) and what the Run
// holds afterwards for runs of 100 000 and 1 000 000 calls.
func BenchmarkLoadMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := runOf(n).write(dir); err != nil {
				b.Fatal(err)
			}
			var held uint64
			b.ReportAllocs()
			for b.Loop() {
				_, held = loadMemory(b, dir)
			}
			b.ReportMetric(float64(held), "held-B")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/call")
		})
	}
}
