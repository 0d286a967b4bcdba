package reports

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// displaySeries returns d's time series regrouped for plotting: at most
// about a hundred buckets, each holding a meaningful sample, covering 0..end.
func displaySeries(d *depStats, end int64) *series {
	stored := max(len(d.series.buckets), int((end+d.series.width-1)/d.series.width))
	return d.series.regroup(displayFactor(stored, d.Calls()), end)
}

// plotEnd returns the x-axis end of a run's plots in seconds.
func plotEnd(r *Run) float64 {
	if r.endNs <= 0 {
		return 1
	}
	return seconds(r.endNs)
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

// stripShare is the share of a timeline panel's height, below the data,
// that the breaker's own account of its states takes when it is drawn
// beside the inferred one.
const stripShare = 0.1

// timelineKeys notes what the timeline's legend must explain.
type timelineKeys struct {
	rejected, uncertain, reported, unknown bool
}

// timelinePlot draws the timeline of r in format ("png" or "svg"): for each
// dependency a panel with the latency percentiles (p50, p90, p99, max) of
// the calls that ran, per time bucket, on a log axis, with the p99 of
// rejections dashed, the breaker's state as coloured bands behind (as the
// checker inferred it, its uncertain moments shaded grey), what the breaker
// reported of its state as a strip along the bottom, and the fault phases
// marked. Calls are placed by their start time.
func timelinePlot(w io.Writer, format string, r *Run) error {
	f := newFigure(r.Label() + ": client latency and breaker state")
	var keys timelineKeys
	for _, d := range r.deps {
		p, err := timelinePanel(r, d, &keys)
		if err != nil {
			return err
		}
		f.panels = append(f.panels, p)
	}
	timelineLegend(&f.legend, keys)
	return f.render(w, format)
}

// timelinePanel draws one dependency's panel of the timeline, noting in
// keys what its legend needs.
func timelinePanel(r *Run, d *depStats, keys *timelineKeys) (*plot.Plot, error) {
	s := displaySeries(d, r.endNs)
	st := r.states(d)
	p := newPanel(fmt.Sprintf("%s: latency of calls that ran, per %s; %s", d.Name, bucketLabel(s.width), stateTitle(r, d)),
		"time since start (s)", "latency (log scale)")
	pl := percentiles(s)
	ax := newLogAxis(pl.lo, pl.hi, 1e-6, pl.zeros)
	pl.scale(ax)
	keys.rejected = keys.rejected || pl.anyRejected

	// Headroom above the data: a little, or room for the phase labels.
	headroom := 0.08
	if len(d.Meta.Phases) > 0 {
		headroom = 0.3
	}
	ymin, top := ax.min, ax.at(max(pl.hi, 1e-6))
	ymax := max(top+headroom*(top-ymin), ymin+1)
	spans := st.spans(r.endNs)
	p.Add(stateBands{spans})
	for _, sp := range spans {
		keys.uncertain = keys.uncertain || sp.HiNs > sp.LoNs
		keys.unknown = keys.unknown || sp.State == stateUnknown
	}
	if rep, ok := r.crossCheck(d); ok {
		// Below the data, so that no line runs through it.
		p.Add(reportedStrip{spans: rep.spans(r.endNs), top: ymin})
		ymin -= stripShare / (1 - stripShare) * (ymax - ymin)
		keys.reported = true
	}
	p.Add(phaseMarks{d.Meta.Phases})
	if err := addSegments(p, pl.rejected, rejectedLine, plotter.NoStep); err != nil {
		return nil, err
	}
	for j, l := range timelineLines {
		if err := addSegments(p, pl.lines[j], l.style, plotter.NoStep); err != nil {
			return nil, err
		}
	}
	p.X.Min, p.X.Max = 0, plotEnd(r)
	p.X.Tick.Marker = timeTicks{}
	p.Y.Min, p.Y.Max = ymin, ymax
	p.Y.Tick.Marker = ax.ticks()
	return p, nil
}

// stateTitle says, for a panel's title, where the state bands come from.
func stateTitle(r *Run, d *depStats) string {
	switch r.states(d).source {
	case sourceInferred:
		if rep, ok := r.crossCheck(d); ok && rep.source == sourceSampled {
			return "state inferred (strip: as its state endpoint or snapshots said)"
		} else if ok {
			return "state inferred (strip: as the breaker reported it)"
		}
		return "state inferred (the breaker reports none)"
	case sourceReported, sourceSampled:
		return "state as the breaker reported it (not inferred)"
	}
	return "state unknown (not checked, and the breaker reports none)"
}

// percentileLines are a timeline panel's lines: per time bucket, the
// latency percentiles of the calls that ran and the p99 of rejections, NaN
// where no such call started (no call ran: the circuit was open).
type percentileLines struct {
	lines       []plotter.XYs // one per timelineLines
	rejected    plotter.XYs
	lo, hi      float64 // the smallest positive and the largest latency, in s
	zeros       bool    // some latency is zero
	anyRejected bool
}

// percentiles computes the lines of series s, in seconds.
func percentiles(s *series) percentileLines {
	pl := percentileLines{lines: make([]plotter.XYs, len(timelineLines)), lo: math.Inf(1)}
	note := func(v float64) float64 {
		if v > 0 {
			pl.lo = min(pl.lo, v)
		} else {
			pl.zeros = true
		}
		pl.hi = max(pl.hi, v)
		return v
	}
	width := seconds(s.width)
	for i := range s.buckets {
		b := &s.buckets[i]
		x := (float64(i) + 0.5) * width
		for j, l := range timelineLines {
			y := math.NaN()
			if b.admitted.Count() > 0 {
				y = note(seconds(b.admitted.Quantile(l.q)))
			}
			pl.lines[j] = append(pl.lines[j], plotter.XY{X: x, Y: y})
		}
		y := math.NaN()
		if b.rejected.Count() > 0 {
			y = note(seconds(b.rejected.Quantile(0.99)))
			pl.anyRejected = true
		}
		pl.rejected = append(pl.rejected, plotter.XY{X: x, Y: y})
	}
	return pl
}

// scale maps the lines onto ax; zero latencies sit on its "0" floor.
func (pl percentileLines) scale(ax logAxis) {
	for _, xys := range append(pl.lines, pl.rejected) {
		for i := range xys {
			if !math.IsNaN(xys[i].Y) {
				xys[i].Y = ax.at(xys[i].Y)
			}
		}
	}
}

// timelineLegend explains the lines, the state bands, and what keys says
// the panels show besides.
func timelineLegend(l *plot.Legend, keys timelineKeys) {
	for i := len(timelineLines) - 1; i >= 0; i-- {
		line := timelineLines[i]
		l.Add(line.name, lineThumb{line.style})
	}
	if keys.rejected {
		l.Add("rejected p99", lineThumb{rejectedLine})
	}
	l.Add("closed", swatch{colClosedBand})
	l.Add("open", swatch{colOpenBand})
	l.Add("half-open", swatch{colHalfOpenBand})
	if keys.unknown {
		l.Add("state unknown", swatch{colUnknownBand})
	}
	if keys.uncertain {
		l.Add("transition time uncertain", swatch{colUncertain})
	}
	if keys.reported {
		l.Add("breaker's report (strip)", stripThumb{})
	}
	l.Add("fault phase", lineThumb{phaseStyle})
}
