package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// outcomeStyles are the latency-distribution lines, by outcome index.
var outcomeStyles = [4]draw.LineStyle{
	lineStyle(colGreen, 1.8),
	lineStyle(colVermilion, 1.6),
	lineStyle(colGrey, 1.4),
	lineStyle(colOrange, 1.8),
}

// latencyPlot draws, for each dependency of r, the latency distribution of
// each outcome as a cumulative curve on a log axis: the curve crosses 50 %
// at the median and 99 % at the p99. Rejections should sit orders of
// magnitude left of the calls that ran.
func latencyPlot(w io.Writer, format string, r *Run) error {
	f := newFigure(r.Label() + ": latency distribution by outcome")
	var present [4]bool
	for _, d := range r.deps {
		lo, hi := math.Inf(1), 0.0
		zeros := false
		var counts []string
		for i, h := range d.latency {
			if h.Count() == 0 {
				continue
			}
			present[i] = true
			if mp := h.MinPositive(); mp > 0 {
				lo = min(lo, seconds(mp))
			}
			zeros = zeros || h.Min() == 0
			hi = max(hi, seconds(h.Max()))
			counts = append(counts, fmtCount(h.Count())+" "+outcomeNames[i])
		}
		if len(counts) == 0 {
			counts = []string{"no calls"}
		}
		p := newPanel(fmt.Sprintf("%s: %s", d.Name, strings.Join(counts, " · ")),
			"latency (log scale)", "calls at or below (%)")
		ax := newLogAxis(lo, hi, 1e-6, zeros)
		p.Add(hline{50, lineStyle(colLightGrey, 0.7, 2, 2), "p50"}, hline{99, lineStyle(colLightGrey, 0.7, 2, 2), "p99"})
		for i, h := range d.latency {
			if h.Count() == 0 {
				continue
			}
			// Each bucket rises from its lower to its upper bound; the curve
			// stays flat across latencies no call had.
			var xys plotter.XYs
			var prev float64
			h.Cumulative(func(lower, upper, below int64) {
				x0, x1 := ax.at(seconds(lower)), min(ax.at(seconds(upper)), ax.max)
				if lower == 0 { // the zero bucket: a step at zero
					x0, x1 = ax.at(0), ax.at(0)
				}
				y := 100 * float64(below) / float64(h.Count())
				xys = append(xys, plotter.XY{X: x0, Y: prev}, plotter.XY{X: x1, Y: y})
				prev = y
			})
			if err := addSegments(p, xys, outcomeStyles[i], plotter.NoStep); err != nil {
				return err
			}
		}
		p.X.Min, p.X.Max = ax.min, ax.max
		p.X.Tick.Marker = ax.ticks()
		p.Y.Min, p.Y.Max = 0, 100
		f.panels = append(f.panels, p)
	}
	for i, name := range outcomeNames {
		if present[i] || i != 2 {
			f.legend.Add(name, lineThumb{outcomeStyles[i]})
		}
	}
	return f.render(w, format)
}
