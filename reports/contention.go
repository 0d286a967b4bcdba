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
	k := fig.keys()
	groupX := fig.groupRanges()
	f := newFigure(fig.title)
	for _, panel := range k.panels {
		p, err := fig.drawPanel(panel, k, groupX)
		if err != nil {
			return err
		}
		f.panels = append(f.panels, p)
	}
	k.addLegend(&f.legend)
	return f.render(w, format)
}

// contentionKeys are a figure's distinct panels, implementations and
// variants, in order of appearance; an implementation's and a variant's
// position fix their style.
type contentionKeys struct{ panels, impls, variants []string }

// contentionGlyphs are the implementations' glyphs, in order of appearance.
var contentionGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}, draw.PlusGlyph{}}

func (fig contentionFigure) keys() contentionKeys {
	var k contentionKeys
	for _, l := range fig.lines {
		if !slices.Contains(k.panels, l.panel) {
			k.panels = append(k.panels, l.panel)
		}
		if !slices.Contains(k.impls, l.impl) {
			k.impls = append(k.impls, l.impl)
		}
		if l.variant != "" && !slices.Contains(k.variants, l.variant) {
			k.variants = append(k.variants, l.variant)
		}
	}
	return k
}

// style returns the line and glyph style of an implementation's variant:
// the implementation's colour and glyph, the variant's dash pattern.
func (k contentionKeys) style(impl, variant string) (draw.LineStyle, draw.GlyphStyle) {
	i := slices.Index(k.impls, impl)
	c := palette[i%len(palette)]
	v := max(slices.Index(k.variants, variant), 0) // "" and the first variant are solid
	ls := lineStyle(c, 1.6, variantDashes[v%len(variantDashes)]...)
	return ls, draw.GlyphStyle{Color: c, Radius: 3, Shape: contentionGlyphs[i%len(contentionGlyphs)]}
}

// addLegend lists each implementation (solid, with its glyph), then each
// variant's dash pattern in grey.
func (k contentionKeys) addLegend(legend *plot.Legend) {
	for _, impl := range k.impls {
		ls, gs := k.style(impl, "")
		ls.Dashes = nil
		legend.Add(impl, lineThumb{ls}, glyphThumb{gs})
	}
	if len(k.impls) > 0 {
		for _, v := range k.variants {
			ls, _ := k.style(k.impls[0], v)
			ls.Color = colGrey
			legend.Add(v, lineThumb{ls})
		}
	}
}

// xRange is a range of callers.
type xRange struct{ lo, hi float64 }

// groupRanges returns the callers range of each non-empty xGroup.
func (fig contentionFigure) groupRanges() map[string]xRange {
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
	return groupX
}

// panelExtent is one panel's lines and the extent of their points.
type panelExtent struct {
	lines     []contentionLine
	lo, hi    float64 // the smallest positive value and the largest value
	callers   xRange
	zero      bool // a value is zero
	logWanted bool // a line asks for a fitted log y axis
}

func (fig contentionFigure) extent(panel string) panelExtent {
	e := panelExtent{lo: math.Inf(1), callers: xRange{math.Inf(1), 0}}
	for _, l := range fig.lines {
		if l.panel != panel {
			continue
		}
		e.lines = append(e.lines, l)
		e.logWanted = e.logWanted || l.logY
		for _, p := range l.points {
			if p.value > 0 {
				e.lo = min(e.lo, p.value)
			} else {
				e.zero = true
			}
			e.hi = max(e.hi, p.value)
			e.callers = xRange{min(e.callers.lo, p.callers), max(e.callers.hi, p.callers)}
		}
	}
	return e
}

// drawPanel draws one panel: its lines, the callers axis (widened to the
// lines' x groups) and the value axis.
func (fig contentionFigure) drawPanel(panel string, k contentionKeys, groupX map[string]xRange) (*plot.Plot, error) {
	e := fig.extent(panel)
	logY := !e.zero && e.hi > 0 && (e.hi/e.lo > 10 || e.logWanted)
	ylabel := e.lines[0].metric
	if logY {
		ylabel += " (log scale)"
	}
	p := newPanel(panel, fig.xlabel, ylabel)
	p.Add(plotter.NewGrid())
	for _, l := range e.lines {
		if err := addContentionLine(p, l, logY, k); err != nil {
			return nil, err
		}
	}
	callers := e.callers
	for _, l := range e.lines {
		if r, ok := groupX[l.xGroup]; ok {
			callers = xRange{min(callers.lo, r.lo), max(callers.hi, r.hi)}
		}
	}
	setCallersAxis(p, callers)
	setValueAxis(p, e, logY)
	return p, nil
}

// addContentionLine adds l to p, its points in callers order, on a log2 x
// axis and, when logY, a log10 y axis.
func addContentionLine(p *plot.Plot, l contentionLine, logY bool, k contentionKeys) error {
	if len(l.points) == 0 {
		return nil
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
	line.LineStyle, sc.GlyphStyle = k.style(l.impl, l.variant)
	p.Add(line, sc)
	return nil
}

// setCallersAxis shows the callers range on a log2 axis, padded, at least
// two octaves wide.
func setCallersAxis(p *plot.Plot, callers xRange) {
	if math.IsInf(callers.lo, 1) { // no points
		callers = xRange{1, 1}
	}
	xlo, xhi := math.Log2(callers.lo), math.Log2(callers.hi)
	if xhi-xlo < 2 { // at least two octaves, so that two ticks are labelled
		mid := (xlo + xhi) / 2
		xlo, xhi = mid-1, mid+1
	}
	pad := 0.04 * (xhi - xlo)
	p.X.Min, p.X.Max = xlo-pad, xhi+pad
	p.X.Tick.Marker = pow2Ticks{}
}

// setValueAxis sets the y axis: fitted to the data on a log axis when a
// line asks for it, whole decades when the values span ×10, else linear
// from zero.
func setValueAxis(p *plot.Plot, e panelExtent, logY bool) {
	switch {
	case logY && e.logWanted:
		// Fit the data, with at least a decade in view so that
		// 1-2-5 ticks are labelled: a flat line stays off the axes.
		ylo, yhi := math.Log10(e.lo), math.Log10(e.hi)
		pad := max(0.08*(yhi-ylo), (1-(yhi-ylo))/2)
		p.Y.Min, p.Y.Max = ylo-pad, yhi+pad
		p.Y.Tick.Marker = log10Ticks{}
	case logY:
		ax := newLogAxis(e.lo, e.hi, e.lo, false)
		p.Y.Min, p.Y.Max = ax.min, ax.max
		p.Y.Tick.Marker = log10Ticks{}
	default:
		p.Y.Min, p.Y.Max = 0, max(e.hi*1.08, 1)
		p.Y.Tick.Marker = plainTicks{}
	}
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
