package reports

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ContentionPoint is one measurement: a metric at a number of concurrent
// callers.
type ContentionPoint struct {
	Callers int     // concurrent callers (goroutines, -cpu, vegeta workers); at least 1
	Value   float64 // the metric, in the series' Metric unit; finite and not negative
}

// ContentionSeries is one implementation measured on one benchmark path at
// several concurrency levels.
type ContentionSeries struct {
	Panel          string // the benchmark path: one panel per distinct value, in order of appearance
	Implementation string // one line per implementation, in the same colour on every panel
	Metric         string // the y-axis label with its unit, e.g. "ns/op"; equal within a panel
	Points         []ContentionPoint
}

// ContentionPlot draws series in format ("png" or "svg"): one panel per
// benchmark path, each with the metric against the number of concurrent
// callers on a log2 axis and one line per implementation. The y axis is
// logarithmic when the values span more than a factor of ten, else linear
// from zero. Bad series (no points, callers < 1, a negative or non-finite
// value, mixed metrics in a panel) are an error naming the series.
func ContentionPlot(w io.Writer, format string, series []ContentionSeries) error {
	if len(series) == 0 {
		return errors.New("reports: contention plot: no series")
	}
	var panels, impls []string
	metric := map[string]string{}
	for i, s := range series {
		name := fmt.Sprintf("series %d (%s / %s)", i, s.Panel, s.Implementation)
		if len(s.Points) == 0 {
			return fmt.Errorf("reports: contention plot: %s: no points", name)
		}
		for j, p := range s.Points {
			if p.Callers < 1 || p.Value < 0 || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				return fmt.Errorf("reports: contention plot: %s: point %d: callers %d, value %g; want callers ≥ 1 and a finite value ≥ 0",
					name, j, p.Callers, p.Value)
			}
		}
		if m, ok := metric[s.Panel]; ok && m != s.Metric {
			return fmt.Errorf("reports: contention plot: %s: metric %q, but the panel's other series use %q", name, s.Metric, m)
		}
		metric[s.Panel] = s.Metric
		if !slices.Contains(panels, s.Panel) {
			panels = append(panels, s.Panel)
		}
		if !slices.Contains(impls, s.Implementation) {
			impls = append(impls, s.Implementation)
		}
	}

	f := newFigure("lock contention: " + series[0].Metric + " against concurrent callers")
	for _, m := range metric {
		if m != series[0].Metric {
			f.title = "lock contention against concurrent callers"
		}
	}
	styleOf := func(impl string) (draw.LineStyle, draw.GlyphStyle) {
		i := slices.Index(impls, impl)
		c := palette[i%len(palette)]
		shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.PlusGlyph{}}
		return lineStyle(c, 1.6), draw.GlyphStyle{Color: c, Radius: 3, Shape: shapes[i%len(shapes)]}
	}
	for _, panel := range panels {
		var in []ContentionSeries
		lo, hi := math.Inf(1), 0.0
		minC, maxC := math.MaxInt, 1
		zero := false
		for _, s := range series {
			if s.Panel != panel {
				continue
			}
			in = append(in, s)
			for _, p := range s.Points {
				if p.Value > 0 {
					lo = min(lo, p.Value)
				} else {
					zero = true
				}
				hi = max(hi, p.Value)
				minC, maxC = min(minC, p.Callers), max(maxC, p.Callers)
			}
		}
		logY := !zero && hi/lo > 10
		ylabel := metric[panel]
		if logY {
			ylabel += " (log scale)"
		}
		p := newPanel(panel, "concurrent callers (log2 scale)", ylabel)
		p.Add(plotter.NewGrid())
		for _, s := range in {
			pts := slices.Clone(s.Points)
			slices.SortFunc(pts, func(a, b ContentionPoint) int { return a.Callers - b.Callers })
			xys := make(plotter.XYs, len(pts))
			for i, pt := range pts {
				y := pt.Value
				if logY {
					y = math.Log10(y)
				}
				xys[i] = plotter.XY{X: math.Log2(float64(pt.Callers)), Y: y}
			}
			l, sc, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("reports: contention plot: %w", err)
			}
			l.LineStyle, sc.GlyphStyle = styleOf(s.Implementation)
			p.Add(l, sc)
		}
		xlo, xhi := math.Log2(float64(minC)), math.Log2(float64(maxC))
		if xhi-xlo < 1 {
			xlo, xhi = xlo-0.5, xhi+0.5
		}
		pad := 0.04 * (xhi - xlo)
		p.X.Min, p.X.Max = xlo-pad, xhi+pad
		p.X.Tick.Marker = pow2Ticks{}
		if logY {
			ax := newLogAxis(lo, hi, lo, false)
			p.Y.Min, p.Y.Max = ax.min, ax.max
			p.Y.Tick.Marker = log10Ticks{}
		} else {
			p.Y.Min, p.Y.Max = 0, max(hi*1.08, 1)
		}
		f.panels = append(f.panels, p)
	}
	for _, impl := range impls {
		ls, gs := styleOf(impl)
		f.legend.Add(impl, lineThumb{ls}, glyphThumb{gs})
	}
	return f.render(w, format)
}

// pow2Ticks labels a log2 axis at every power of two ("1", "2", "4", …),
// thinning labels when there are many.
type pow2Ticks struct{}

func (pow2Ticks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	every := math.Max(1, math.Ceil((last-first+1)/12))
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		t := plot.Tick{Value: e}
		if math.Mod(e-first, every) == 0 {
			t.Label = strconv.FormatFloat(math.Exp2(e), 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// log10Ticks labels a log10 axis at powers of ten with plain numbers.
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		for m := 1; m < 10; m++ {
			v := e + math.Log10(float64(m))
			if v < lo-1e-9 || v > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (hi-lo < 2 && (m == 2 || m == 5)) {
				t.Label = plainNumber(math.Pow(10, v))
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// glyphThumb is a legend thumbnail: one glyph in the middle.
type glyphThumb struct{ style draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyphNoClip(g.style, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2})
}

// plainNumber formats a tick value without exponent notation.
func plainNumber(v float64) string {
	if v >= 1 {
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
