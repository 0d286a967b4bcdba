package reports

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// displaySeries returns d's time series regrouped for plotting: at most
// about a hundred buckets, each holding a meaningful sample, covering 0..end.
func displaySeries(d *DepStats, end int64) *series {
	stored := max(len(d.series.buckets), int((end+d.series.width-1)/d.series.width))
	return d.series.regroup(displayFactor(stored, d.Calls()), end)
}

// plotEnd returns the x-axis end of a run's plots in seconds.
func plotEnd(r *Run) float64 {
	if r.EndNs <= 0 {
		return 1
	}
	return seconds(r.EndNs)
}

// timelineLine is one percentile line of the timeline.
type timelineLine struct {
	name  string
	q     float64 // 1 = max
	style draw.LineStyle
}

var timelineLines = []timelineLine{
	{"max", 1, lineStyle(colGrey, 0.8)},
	{"p99", 0.99, lineStyle(colVermilion, 1.4)},
	{"p90", 0.90, lineStyle(colSky, 1.2)},
	{"p50", 0.50, lineStyle(colBlue, 1.6)},
}

var rejectedLine = lineStyle(colPurple, 1.2, 3, 2)

// timelinePlot draws the timeline of r in format ("png" or "svg"): for each
// dependency a panel with the latency percentiles (p50, p90, p99, max) of
// the calls that ran, per time bucket, on a log axis, with the p99 of
// rejections dashed, the breaker's state as coloured bands behind and the
// fault phases marked. Calls are placed by their start time.
func timelinePlot(w io.Writer, format string, r *Run) error {
	f := newFigure(r.Label() + ": client latency and breaker state")
	end := plotEnd(r)
	anyRejected := false
	for _, d := range r.Deps {
		s := displaySeries(d, r.EndNs)
		width := seconds(s.width)
		p := newPanel(fmt.Sprintf("%s: latency of calls that ran, per %s", d.Name, bucketLabel(s.width)),
			"time since start (s)", "latency (log scale)")

		// Percentiles per bucket, NaN where no call ran (the circuit was open).
		lines := make([]plotter.XYs, len(timelineLines))
		var rejected plotter.XYs
		lo, hi := math.Inf(1), 0.0
		zeros := false
		note := func(v float64) {
			if v > 0 {
				lo = min(lo, v)
			} else {
				zeros = true
			}
			hi = max(hi, v)
		}
		for i := range s.buckets {
			b := &s.buckets[i]
			x := (float64(i) + 0.5) * width
			for j, l := range timelineLines {
				y := math.NaN()
				if b.admitted.count() > 0 {
					y = seconds(b.admitted.quantile(l.q))
					note(y)
				}
				lines[j] = append(lines[j], plotter.XY{X: x, Y: y})
			}
			y := math.NaN()
			if b.rejected.count() > 0 {
				y = seconds(b.rejected.quantile(0.99))
				note(y)
				anyRejected = true
			}
			rejected = append(rejected, plotter.XY{X: x, Y: y})
		}
		ax := newLogAxis(lo, hi, 1e-6, zeros)
		ymin := ax.min
		top := ax.at(max(hi, 1e-6))
		for _, xys := range append(lines, rejected) {
			for i := range xys {
				if !math.IsNaN(xys[i].Y) {
					xys[i].Y = ax.at(xys[i].Y) // zero latencies sit on the "0" floor
				}
			}
		}
		// Headroom above the data: a little, or room for the phase labels.
		headroom := 0.08
		if len(d.Meta.Phases) > 0 {
			headroom = 0.3
		}
		ymax := max(top+headroom*(top-ymin), ymin+1)
		p.Add(stateBands{d.Spans(r.EndNs)}, phaseMarks{d.Meta.Phases})
		if err := addSegments(p, rejected, rejectedLine, plotter.NoStep); err != nil {
			return err
		}
		for j, l := range timelineLines {
			if err := addSegments(p, lines[j], l.style, plotter.NoStep); err != nil {
				return err
			}
		}
		p.X.Min, p.X.Max = 0, end
		p.X.Tick.Marker = timeTicks{}
		p.Y.Min, p.Y.Max = ymin, ymax
		p.Y.Tick.Marker = durationTicks{zero: ax.zero}
		f.panels = append(f.panels, p)
	}
	for i := len(timelineLines) - 1; i >= 0; i-- {
		l := timelineLines[i]
		f.legend.Add(l.name, lineThumb{l.style})
	}
	if anyRejected {
		f.legend.Add("rejected p99", lineThumb{rejectedLine})
	}
	f.legend.Add("closed", swatch{colClosedBand})
	f.legend.Add("open", swatch{colOpenBand})
	f.legend.Add("half-open", swatch{colHalfOpenBand})
	f.legend.Add("fault phase", lineThumb{phaseStyle})
	return f.render(w, format)
}
