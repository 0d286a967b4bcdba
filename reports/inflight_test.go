package reports

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ms = int64(time.Millisecond)

func TestLoadCountsCallsInFlight(t *testing.T) {
	// 1 s planned gives 5 ms buckets; the run ended at 20 ms. Calls are
	// written in order of their end, as the runner writes them:
	//   a  0–10 ms   ██████████
	//   b  5–12 ms        ███████
	//   c 18–30 ms                  ██|········ (after the recorded end: not counted)
	meta := `{"schema_version":1,"scenario":"overlap","mode":"live","duration_ns":1000000000,"ended_ns":20000000,"dependencies":[{"name":"api"}]}`
	calls := `{"seq":1,"dep":"api","start_ns":0,"end_ns":10000000,"outcome":"success","gen":1}
{"seq":2,"dep":"api","start_ns":5000000,"end_ns":12000000,"outcome":"success","gen":1}
{"seq":3,"dep":"api","start_ns":18000000,"end_ns":30000000,"outcome":"failure","gen":1}
`
	r, err := Load(writeRun(t, map[string]string{record.MetaFile: meta, record.CallsFile: calls}))
	require.NoError(t, err)
	s := r.deps[0].series
	require.Equal(t, 5*ms, s.width)
	require.Len(t, s.buckets, 4, "no bucket past the recorded end")
	var busy []int64
	var inFlight []float64
	for i := range s.buckets {
		busy = append(busy, s.buckets[i].busy)
		inFlight = append(inFlight, float64(s.buckets[i].busy)/float64(s.width))
	}
	assert.Equal(t, []int64{5 * ms, 10 * ms, 2 * ms, 2 * ms}, busy)
	assert.Equal(t, []float64{1, 2, 0.4, 0.4}, inFlight, "a alone, a and b, the end of b, the start of c")
	assert.Equal(t, []int64{1, 1, 0, 1}, []int64{s.buckets[0].calls(), s.buckets[1].calls(), s.buckets[2].calls(), s.buckets[3].calls()},
		"calls still count where they start")

	// The same records in another order give the same aggregates.
	lines := strings.SplitAfter(calls, "\n")
	r2, err := Load(writeRun(t, map[string]string{record.MetaFile: meta, record.CallsFile: lines[2] + lines[0] + lines[1]}))
	require.NoError(t, err)
	assert.Equal(t, s.buckets, r2.deps[0].series.buckets)
}

func TestSeriesBusySurvivesCoarsening(t *testing.T) {
	s := newSeries(ms)
	s.addBusy(0, 3*ms)          // buckets 0, 1, 2: 1 ms each
	s.addBusy(ms, 5*ms/2)       // bucket 1: 1 ms, bucket 2: 0.5 ms
	s.addBusy(-ms, ms/2)        // bucket 0: 0.5 ms; before 0 is clipped
	s.addBusy(7*ms, 7*ms)       // nothing
	s.addBusy(470*ms, 10000*ms) // buckets 470–479: 1 ms each; clipped at 480 buckets
	total := int64(0)
	for i := range s.buckets {
		total += s.buckets[i].busy
	}
	assert.Equal(t, int64(maxStoredBuckets), int64(len(s.buckets)), "busy time never coarsens the series")
	assert.Equal(t, 3*ms+3*ms/2+ms/2+10*ms, total)
	assert.Equal(t, []int64{ms * 3 / 2, 2 * ms, ms * 3 / 2}, []int64{s.buckets[0].busy, s.buckets[1].busy, s.buckets[2].busy})

	s.at(1000 * ms) // a call starting past 480 ms doubles the width, twice
	require.Equal(t, 4*ms, s.width)
	var after int64
	for i := range s.buckets {
		after += s.buckets[i].busy
	}
	assert.Equal(t, total, after)
	assert.Equal(t, 5*ms, s.buckets[0].busy, "0–4 ms merged")
	assert.InDelta(t, 1.25, float64(s.buckets[0].busy)/float64(s.width), 1e-9, "calls in flight in 0–4 ms")
}

func TestContentionLevelsOfASweep(t *testing.T) {
	r := loadFixture(t, "contention-sweep")
	assert.True(t, r.realTime())
	assert.Equal(t, "reference", r.implementation())
	levels := r.contentionLevels(r.deps[0])
	// One level per load step: each second, every call takes 40.1 ms.
	require.Len(t, levels, 4)
	var calls int64
	for i, rate := range []float64{50, 100, 200, 400} {
		l := levels[i]
		assert.InEpsilon(t, rate, l.Rate, 1e-9, "level %d", i)
		assert.InEpsilon(t, rate*0.0401, l.Callers, 0.015, "level %d: callers = rate × latency", i)
		assert.InEpsilon(t, 40.1e6, float64(l.P50), 0.06, "level %d", i)
		assert.InEpsilon(t, 40.1e6, float64(l.P99), 0.06, "level %d", i)
		assert.Equal(t, 10, l.Buckets, "level %d: a second of 100 ms buckets", i)
		assert.Equal(t, l.Calls, l.Ran)
		calls += l.Calls
	}
	assert.Equal(t, r.deps[0].Calls(), calls)
}

func TestContentionLevelsLeaveOutTheOpenCircuit(t *testing.T) {
	// payments opens during its outage: buckets mostly rejected are no
	// level, and what remains still accounts for every call that ran there.
	r := loadFixture(t, "checkout-flaky")
	for _, d := range r.deps {
		var calls int64
		for _, l := range r.contentionLevels(d) {
			assert.GreaterOrEqual(t, 2*l.Ran, l.Calls, "%s: a level is mostly calls that ran", d.Name)
			assert.GreaterOrEqual(t, l.Buckets, minLevelBuckets)
			assert.GreaterOrEqual(t, l.Calls, int64(minLevelCalls))
			calls += l.Calls
		}
		if d.Name == "payments" {
			require.Positive(t, d.Totals.Rejected)
			assert.Less(t, calls, d.Calls(), "payments: the buckets while open are left out")
		}
	}
}

func TestWriteLiveRunHasContentionPlot(t *testing.T) {
	r := loadFixture(t, "contention-sweep")
	out := t.TempDir()
	written, err := Write(out, r)
	require.NoError(t, err)
	assert.Len(t, written, 4+2*len(plotKinds))
	for _, format := range []string{"png", "svg"} {
		assert.Contains(t, written, filepath.Join(out, plotsDir, "contention."+format))
	}
	page, err := os.ReadFile(filepath.Join(out, HTMLFile))
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(page), "<svg"), "four inline plots")
	assert.Contains(t, string(page), "Throughput and latency against concurrent callers")
	assert.Contains(t, string(page), "<td>breaker</td><td>reference</td>")
}

func countColor(img image.Image, w, h int, c color.RGBA) int {
	n := 0
	for y := range h {
		for x := range w {
			if sameColor(img.At(x, y), c) {
				n++
			}
		}
	}
	return n
}

func TestRunContentionPlot(t *testing.T) {
	r := loadFixture(t, "contention-sweep")
	fig, err := runContentionFigure([]*Run{r})
	require.NoError(t, err)
	require.Len(t, fig.lines, 3, "throughput, p50, p99")
	assert.Equal(t, "backend: throughput", fig.lines[0].panel)
	assert.Equal(t, "backend: latency of the calls that ran", fig.lines[1].panel)
	for _, l := range fig.lines {
		assert.Len(t, l.points, 4, "%s %s: one point per level", l.panel, l.variant)
		assert.Equal(t, "reference", l.impl)
	}
	assert.Equal(t, []string{"", "p50 latency", "p99 latency"}, []string{fig.lines[0].variant, fig.lines[1].variant, fig.lines[2].variant})

	img := renderPNG(t, func(w *bytes.Buffer) error { return runContentionPlot(w, "png", r) })
	b := img.Bounds()
	require.Equal(t, 960, b.Dx())
	require.Equal(t, pngHeight(2), b.Dy(), "two panels: throughput and latency")
	assert.Greater(t, countColor(img, b.Dx(), b.Dy(), colBlue), 500, "the reference's lines")
	assert.Zero(t, countColor(img, b.Dx(), b.Dy(), colVermilion), "one implementation, one colour")

	var svg bytes.Buffer
	require.NoError(t, runContentionPlot(&svg, "svg", r))
	for _, s := range []string{"contention-sweep: throughput and latency against calls in flight", "reference",
		"p50 latency", "p99 latency", "calls per second", "latency in ms (log scale)",
		"concurrent callers: mean calls in flight (log2 scale)", ">2<", ">16<"} {
		assert.Contains(t, svg.String(), s)
	}
}

func TestRunContentionPlotRefusesSimRuns(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	assert.False(t, r.realTime())
	var buf bytes.Buffer
	assert.ErrorContains(t, runContentionPlot(&buf, "png", r), `nfr6-iam-outage: mode "sim"; only runs on the real clock`)
	assert.ErrorContains(t, runContentionPlot(&buf, "png"), "no runs")
	assert.Zero(t, buf.Len())
	for _, k := range plotsOf(r) {
		assert.NotEqual(t, "contention", k.name)
	}
}

func TestWriteIndexComparesImplementations(t *testing.T) {
	// The same sweep by a second implementation whose calls take twice as
	// long: twice the callers at each rate.
	other := fixtures["contention-sweep"]
	other.breaker = "mutex"
	other.deps = []genDep{{name: "backend", phases: []genPhase{{label: "healthy", latency: 80 * time.Millisecond, fixed: true}}}}
	dir := t.TempDir()
	require.NoError(t, other.write(dir))
	slow, err := Load(dir)
	require.NoError(t, err)
	runs := []*Run{loadFixture(t, "contention-sweep"), loadFixture(t, "nfr6-iam-outage"), slow}

	out := t.TempDir()
	written, err := WriteIndex(out, runs, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(out, SummaryMDFile), filepath.Join(out, JUnitFile),
		filepath.Join(out, "contention.svg"), filepath.Join(out, "contention.png")}, written)

	fig, err := runContentionFigure([]*Run{runs[0], runs[2]})
	require.NoError(t, err)
	require.Len(t, fig.lines, 6, "two implementations × throughput, p50, p99")
	assert.Equal(t, "contention-sweep: throughput", fig.lines[3].panel, "one scenario: the implementations share the panels")
	assert.Equal(t, "mutex", fig.lines[3].impl)
	assert.InEpsilon(t, 2*fig.lines[0].points[0].callers, fig.lines[3].points[0].callers, 0.02)

	data, err := os.ReadFile(filepath.Join(out, "contention.png"))
	require.NoError(t, err)
	img := renderPNG(t, func(w *bytes.Buffer) error { _, err := w.Write(data); return err })
	b := img.Bounds()
	require.Equal(t, pngHeight(2), b.Dy(), "the sim run adds no panel")
	assert.Greater(t, countColor(img, b.Dx(), b.Dy(), colBlue), 500, "reference")
	assert.Greater(t, countColor(img, b.Dx(), b.Dy(), colVermilion), 500, "mutex")
	svg, err := os.ReadFile(filepath.Join(out, "contention.svg"))
	require.NoError(t, err)
	for _, s := range []string{"by breaker implementation", ">reference<", ">mutex<", ">32<"} {
		assert.Contains(t, string(svg), s)
	}
	assert.NotContains(t, string(svg), "nfr6-iam-outage")

	// The index keeps the two runs of one scenario apart by implementation.
	junit, err := os.ReadFile(filepath.Join(out, JUnitFile))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<testsuite name="contention-sweep" `)
	assert.Contains(t, string(junit), `<testsuite name="contention-sweep@mutex" `)
	assert.Contains(t, string(junit), `classname="breakerlab.contention-sweep@mutex"`)
	assert.Contains(t, string(junit), `<property name="breaker" value="mutex">`)
	md, err := os.ReadFile(filepath.Join(out, SummaryMDFile))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| contention-sweep@mutex |")
	assert.Contains(t, string(md), "| contention-sweep |")
	assert.Equal(t, "contention-sweep@mutex", slow.Label())
	assert.Equal(t, "contention-sweep", runs[0].Label(), "the reference keeps the scenario's name")

	// Without a run on the real clock there is no contention plot.
	out = t.TempDir()
	written, err = WriteIndex(out, runs[1:2], nil)
	require.NoError(t, err)
	assert.Len(t, written, 2)
	assert.NoFileExists(t, filepath.Join(out, "contention.png"))
}
