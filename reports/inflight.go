package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/breakerlab/breakerlab/internal/hist"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// realTime reports whether r ran on the real clock (live, stress or external
// mode): its calls overlapped in real time, so the number in flight measures
// how many callers contended for the breaker. A sim run's calls overlap on a
// virtual clock only; it gets no contention plot.
func (r *Run) realTime() bool {
	switch r.meta.Mode {
	case record.ModeLive, record.ModeStress, record.ModeExternal:
		return true
	}
	return false
}

// implementation returns the name of the breaker implementation the run
// drove, as meta.json records it, or "unnamed" for a run recorded before
// meta.json named it.
func (r *Run) implementation() string {
	if r.meta.Breaker == "" {
		return "unnamed"
	}
	return r.meta.Breaker
}

// Label names the run in titles, tables and JUnit suites: the scenario, and
// "@" and the implementation when that is not the reference breaker (as the
// run directory is named), so runs of one scenario against several
// implementations stay apart.
func (r *Run) Label() string { return label(r.meta.Scenario, r.meta.Breaker) }

func label(scenario, breaker string) string {
	if breaker == "" || breaker == "reference" {
		return scenario
	}
	return scenario + "@" + breaker
}

// Concurrency levels: the buckets of a dependency's time series are binned
// by the mean number of calls in flight during them, levelsPerOctave bins
// per doubling, and a bin makes a level when it holds enough of the run.
const (
	levelsPerOctave = 2
	minLevelBuckets = 3
	minLevelCalls   = minBucketCalls
)

// contentionLevel is one level of concurrency in a recorded run: the time
// buckets in which about the same number of calls were in flight, pooled.
type contentionLevel struct {
	// Callers is the mean number of calls in flight over the level's
	// buckets: the time calls spent inside them over their total width.
	Callers float64
	// Rate is the number of calls that started in the level's buckets, per
	// second of them, whatever their outcome.
	Rate float64
	// P50 and P99 are the latencies (ns) of the calls that ran (success,
	// failure or ignored; not rejections) and started in the level's
	// buckets, within 6 %; zero when none ran.
	P50, P99 int64
	// Calls counts the calls that started in the level's buckets, Ran
	// those that ran.
	Calls, Ran int64
	// Buckets is how many time buckets of Width ns the level pools.
	Buckets int
	Width   int64
}

// contentionLevels returns the concurrency levels of dependency d of r, in
// increasing order of callers. It uses the buckets of the timeline (40–120
// over the run) that lie wholly within the load, from 0 to the planned
// duration or the end of the run if it ended first — the drain after the load
// stopped is left out — and bins them by the mean number of calls in flight,
// two bins per doubling. Buckets in which most calls were rejected (the
// circuit open: calls in flight collapse to almost none) and bins of fewer
// than 3 buckets or 20 calls (a step change caught mid-bucket) are left out.
func (r *Run) contentionLevels(d *depStats) []contentionLevel {
	loadEnd := r.endNs
	if r.meta.DurationNs > 0 {
		loadEnd = min(loadEnd, r.meta.DurationNs)
	}
	s := displaySeries(d, r.endNs)
	type bin struct {
		busy, calls, ran int64
		n                int
		admitted         *hist.Histogram
	}
	bins := map[int]*bin{}
	for i := range s.buckets {
		if int64(i+1)*s.width > loadEnd {
			break
		}
		b := &s.buckets[i]
		if b.busy == 0 || 2*b.rejected.Count() > b.calls() { // no call, or the circuit mostly open
			continue
		}
		k := int(math.Round(levelsPerOctave * math.Log2(float64(b.busy)/float64(s.width))))
		bn := bins[k]
		if bn == nil {
			bn = &bin{admitted: hist.New(hist.Coarse)}
			bins[k] = bn
		}
		bn.busy += b.busy
		bn.calls += b.calls()
		bn.ran += b.admitted.Count()
		bn.n++
		bn.admitted.Merge(b.admitted)
	}
	var levels []contentionLevel
	for _, bn := range bins {
		if bn.n < minLevelBuckets || bn.calls < minLevelCalls {
			continue
		}
		span := float64(int64(bn.n) * s.width)
		levels = append(levels, contentionLevel{
			Callers: float64(bn.busy) / span, Rate: float64(bn.calls) / (span / 1e9),
			P50: bn.admitted.Quantile(0.5), P99: bn.admitted.Quantile(0.99),
			Calls: bn.calls, Ran: bn.ran, Buckets: bn.n, Width: s.width,
		})
	}
	slices.SortFunc(levels, func(a, b contentionLevel) int { return cmp.Compare(a.Callers, b.Callers) })
	return levels
}

// runContentionPlot draws, in format ("png" or "svg"), throughput and
// latency against the number of calls in flight for recorded runs — the
// contention plot of [ContentionPlot], measured instead of benchmarked —
// with one line per breaker implementation ([Run.Implementation]) in the
// same colour on every panel. Each dependency (of each scenario, for
// several runs) gets two panels, both on log axes: calls per second, and
// the p50 (solid) and p99 (dashed) latency in milliseconds of the calls that
// ran; x is the mean number of calls in flight on a log2 axis, one point per
// concurrency level ([Run.contentionLevels]). Runs on a virtual clock (see
// [Run.realTime]) are an error: their calls never contended.
func runContentionPlot(w io.Writer, format string, runs ...*Run) error {
	fig, err := runContentionFigure(runs)
	if err != nil {
		return err
	}
	return fig.render(w, format)
}

// runContentionFigure builds the figure [runContentionPlot] draws.
func runContentionFigure(runs []*Run) (contentionFigure, error) {
	if len(runs) == 0 {
		return contentionFigure{}, errors.New("reports: contention plot: no runs")
	}
	title := "throughput and latency against calls in flight, by breaker implementation"
	if len(runs) == 1 {
		title = runs[0].Label() + ": throughput and latency against calls in flight"
	}
	fig := contentionFigure{title: title, xlabel: "concurrent callers: mean calls in flight (log2 scale)"}
	for _, r := range runs {
		if !r.realTime() {
			return contentionFigure{}, fmt.Errorf("reports: contention plot: %s: mode %q; only runs on the real clock (live, stress, external) contend",
				r.Label(), r.meta.Mode)
		}
		impl := r.implementation()
		for _, d := range r.deps {
			prefix := d.Name
			if len(runs) > 1 {
				prefix = r.meta.Scenario
				if len(r.deps) > 1 {
					prefix += " / " + d.Name
				}
			}
			// The two panels of a dependency share their x range.
			rate := contentionLine{panel: prefix + ": throughput", impl: impl, metric: "calls per second", logY: true, xGroup: prefix}
			lat := contentionLine{panel: prefix + ": latency of the calls that ran", impl: impl, metric: "latency in ms", logY: true, xGroup: prefix}
			p50, p99 := lat, lat
			p50.variant, p99.variant = "p50 latency", "p99 latency"
			for _, l := range r.contentionLevels(d) {
				rate.points = append(rate.points, callersXY{l.Callers, l.Rate})
				if l.Ran > 0 {
					p50.points = append(p50.points, callersXY{l.Callers, float64(l.P50) / 1e6})
					p99.points = append(p99.points, callersXY{l.Callers, float64(l.P99) / 1e6})
				}
			}
			fig.lines = append(fig.lines, rate, p50, p99)
		}
	}
	return fig, nil
}
