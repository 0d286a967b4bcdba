package reports

import (
	"cmp"
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
// [Write] and [WriteIndex] draw the same figure from recorded runs.
func ContentionPlot(w io.Writer, format string, series []ContentionSeries) error {
	if len(series) == 0 {
		return errors.New("reports: contention plot: no series")
	}
	fig := contentionFigure{xlabel: "concurrent callers (log2 scale)"}
	metric := map[string]string{}
	for i, s := range series {
		name := fmt.Sprintf("series %d (%s / %s)", i, s.Panel, s.Implementation)
		if len(s.Points) == 0 {
			return fmt.Errorf("reports: contention plot: %s: no points", name)
		}
		l := contentionLine{panel: s.Panel, impl: s.Implementation, metric: s.Metric}
		for j, p := range s.Points {
			if p.Callers < 1 || p.Value < 0 || math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				return fmt.Errorf("reports: contention plot: %s: point %d: callers %d, value %g; want callers ≥ 1 and a finite value ≥ 0",
					name, j, p.Callers, p.Value)
			}
			l.points = append(l.points, callersXY{callers: float64(p.Callers), value: p.Value})
		}
		if m, ok := metric[s.Panel]; ok && m != s.Metric {
			return fmt.Errorf("reports: contention plot: %s: metric %q, but the panel's other series use %q", name, s.Metric, m)
		}
		metric[s.Panel] = s.Metric
		fig.lines = append(fig.lines, l)
	}
	fig.title = "lock contention: " + series[0].Metric + " against concurrent callers"
	for _, m := range metric {
		if m != series[0].Metric {
			fig.title = "lock contention against concurrent callers"
		}
	}
	return fig.render(w, format)
}

// contentionFigure is a figure of metrics against concurrent callers: what
// [ContentionPlot] draws for benchmarks and [runContentionPlot] for
// recorded runs.
type contentionFigure struct {
	title, xlabel string
	lines         []contentionLine
}

// contentionLine is one line of a contention figure. Its points have
// callers > 0 and finite values ≥ 0; lines of one panel share their metric.
type contentionLine struct {
	panel   string // one panel per distinct value, in order of appearance
	impl    string // one colour and glyph per implementation, the same on every panel
	variant string // within an implementation, one dash pattern per variant ("p50", "p99"); "" is solid, like the first
	metric  string // the y-axis label with its unit
	xGroup  string // panels of lines with one non-empty xGroup share their x range; "": the panel's own
	logY    bool   // a log y axis fitted to the data whenever the values allow it, not only decades when they span ×10
	points  []callersXY
}

// callersXY is a value at a number of callers, which may be a measured mean.
type callersXY struct{ callers, value float64 }

// variantDashes are the dash patterns of a line's variants, in order of
// appearance: the first is solid, like a line without a variant.
var variantDashes = [][]vg.Length{nil, {5, 3}, {1.5, 2}, {6, 2, 1.5, 2}}

// render draws the figure in format ("png" or "svg") to w: one panel per
// distinct panel name, x on a log2 axis, each implementation in its colour
// and glyph, each variant in its dash pattern, a legend for both.
func (fig contentionFigure) render(w io.Writer, format string) error {
	var panels, impls, variants []string
	for _, l := range fig.lines {
		if !slices.Contains(panels, l.panel) {
			panels = append(panels, l.panel)
		}
		if !slices.Contains(impls, l.impl) {
			impls = append(impls, l.impl)
		}
		if l.variant != "" && !slices.Contains(variants, l.variant) {
			variants = append(variants, l.variant)
		}
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.PlusGlyph{}}
	styleOf := func(impl, variant string) (draw.LineStyle, draw.GlyphStyle) {
		i := slices.Index(impls, impl)
		c := palette[i%len(palette)]
		v := max(slices.Index(variants, variant), 0) // "" and the first variant are solid
		ls := lineStyle(c, 1.6, variantDashes[v%len(variantDashes)]...)
		return ls, draw.GlyphStyle{Color: c, Radius: 3, Shape: shapes[i%len(shapes)]}
	}

	type xRange struct{ lo, hi float64 }
	groupX := map[string]xRange{}
	for _, l := range fig.lines {
		if l.xGroup == "" {
			continue
		}
		r, ok := groupX[l.xGroup]
		if !ok {
			r = xRange{math.Inf(1), 0}
		}
		for _, p := range l.points {
			r = xRange{min(r.lo, p.callers), max(r.hi, p.callers)}
		}
		groupX[l.xGroup] = r
	}

	f := newFigure(fig.title)
	for _, panel := range panels {
		var in []contentionLine
		lo, hi := math.Inf(1), 0.0
		minC, maxC := math.Inf(1), 0.0
		zero, logWanted := false, false
		for _, l := range fig.lines {
			if l.panel != panel {
				continue
			}
			in = append(in, l)
			logWanted = logWanted || l.logY
			for _, p := range l.points {
				if p.value > 0 {
					lo = min(lo, p.value)
				} else {
					zero = true
				}
				hi = max(hi, p.value)
				minC, maxC = min(minC, p.callers), max(maxC, p.callers)
			}
		}
		logY := !zero && hi > 0 && (hi/lo > 10 || logWanted)
		ylabel := in[0].metric
		if logY {
			ylabel += " (log scale)"
		}
		p := newPanel(panel, fig.xlabel, ylabel)
		p.Add(plotter.NewGrid())
		for _, l := range in {
			if len(l.points) == 0 {
				continue
			}
			pts := slices.Clone(l.points)
			slices.SortFunc(pts, func(a, b callersXY) int { return cmp.Compare(a.callers, b.callers) })
			xys := make(plotter.XYs, len(pts))
			for i, pt := range pts {
				y := pt.value
				if logY {
					y = math.Log10(y)
				}
				xys[i] = plotter.XY{X: math.Log2(pt.callers), Y: y}
			}
			line, sc, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("reports: contention plot: %w", err)
			}
			line.LineStyle, sc.GlyphStyle = styleOf(l.impl, l.variant)
			p.Add(line, sc)
		}
		for _, l := range in {
			if r, ok := groupX[l.xGroup]; ok {
				minC, maxC = min(minC, r.lo), max(maxC, r.hi)
			}
		}
		if math.IsInf(minC, 1) { // no points
			minC, maxC = 1, 1
		}
		xlo, xhi := math.Log2(minC), math.Log2(maxC)
		if xhi-xlo < 2 { // at least two octaves, so that two ticks are labelled
			mid := (xlo + xhi) / 2
			xlo, xhi = mid-1, mid+1
		}
		pad := 0.04 * (xhi - xlo)
		p.X.Min, p.X.Max = xlo-pad, xhi+pad
		p.X.Tick.Marker = pow2Ticks{}
		switch {
		case logY && logWanted:
			// Fit the data, with at least a decade in view so that
			// 1-2-5 ticks are labelled: a flat line stays off the axes.
			ylo, yhi := math.Log10(lo), math.Log10(hi)
			pad := max(0.08*(yhi-ylo), (1-(yhi-ylo))/2)
			p.Y.Min, p.Y.Max = ylo-pad, yhi+pad
			p.Y.Tick.Marker = log10Ticks{}
		case logY:
			ax := newLogAxis(lo, hi, lo, false)
			p.Y.Min, p.Y.Max = ax.min, ax.max
			p.Y.Tick.Marker = log10Ticks{}
		default:
			p.Y.Min, p.Y.Max = 0, max(hi*1.08, 1)
			p.Y.Tick.Marker = plainTicks{}
		}
		f.panels = append(f.panels, p)
	}
	for _, impl := range impls {
		ls, gs := styleOf(impl, "")
		ls.Dashes = nil
		f.legend.Add(impl, lineThumb{ls}, glyphThumb{gs})
	}
	if len(impls) > 0 {
		for _, v := range variants {
			ls, _ := styleOf(impls[0], v)
			ls.Color = colGrey
			f.legend.Add(v, lineThumb{ls})
		}
	}
	return f.render(w, format)
}

// pow2Ticks labels a log2 axis at every power of two ("1/2", "1", "2",
// "4", …), thinning labels when there are many.
type pow2Ticks struct{}

func (pow2Ticks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	every := math.Max(1, math.Ceil((last-first+1)/12))
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		t := plot.Tick{Value: e}
		if math.Mod(e-first, every) == 0 {
			t.Label = strconv.FormatFloat(math.Exp2(e), 'f', -1, 64)
			if e < 0 { // "1/1024", not "0.0009765625"
				t.Label = "1/" + strconv.FormatFloat(math.Exp2(-e), 'f', -1, 64)
			}
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// plainTicks are gonum's default linear ticks labelled as plain numbers:
// "50", not "50.00".
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(t.Value, 'g', 6, 64), 64) // no float noise
			ticks[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
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
