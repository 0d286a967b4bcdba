package reports

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // registers png
	_ "gonum.org/v1/plot/vg/vgsvg" // registers svg
)

// Colours. Lines use the Okabe–Ito palette, which stays distinguishable for
// colour-blind readers; state bands are pale so lines stay readable on them.
var (
	colClosedBand   = color.RGBA{R: 226, G: 242, B: 226, A: 255}
	colOpenBand     = color.RGBA{R: 250, G: 212, B: 212, A: 255}
	colHalfOpenBand = color.RGBA{R: 253, G: 232, B: 184, A: 255}

	colBlack     = color.RGBA{A: 255}
	colGrey      = color.RGBA{R: 110, G: 110, B: 110, A: 255}
	colBlue      = color.RGBA{R: 0, G: 114, B: 178, A: 255}
	colSky       = color.RGBA{R: 86, G: 180, B: 233, A: 255}
	colVermilion = color.RGBA{R: 213, G: 94, B: 0, A: 255}
	colGreen     = color.RGBA{R: 0, G: 158, B: 115, A: 255}
	colOrange    = color.RGBA{R: 230, G: 159, B: 0, A: 255}
	colPurple    = color.RGBA{R: 204, G: 121, B: 167, A: 255}
	colYellow    = color.RGBA{R: 240, G: 228, B: 66, A: 255}
	colLightGrey = color.RGBA{R: 190, G: 190, B: 190, A: 255}
	// colUncertain shades the time an inferred transition may have taken
	// place in; colUnknownBand is a state nobody knows (a run neither
	// checked nor reporting its state).
	colUncertain   = color.NRGBA{R: 60, G: 60, B: 60, A: 80} // translucent: the states under it show through
	colUnknownBand = color.RGBA{R: 238, G: 238, B: 238, A: 255}

	palette = []color.Color{colBlue, colVermilion, colGreen, colPurple, colOrange, colSky, colBlack, colYellow}
)

// bandColor returns the band colour of a breaker state.
func bandColor(state string) color.Color {
	switch state {
	case "open":
		return colOpenBand
	case "half-open":
		return colHalfOpenBand
	case stateUnknown:
		return colUnknownBand
	}
	return colClosedBand
}

// Figure geometry, in points (1/72 in; PNGs are rendered at 96 dpi).
const (
	figWidth      = 10 * vg.Inch
	panelHeight   = 2.9 * vg.Inch
	figTitleSpace = 26
	legendGap     = 12
)

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size vg.Length) text.Style {
	return text.Style{Color: colBlack, Font: font.From(sans, size), Handler: plot.DefaultTextHandler}
}

// newPanel returns a plot with sans-serif text, axes flush with the data
// (so state bands meet the axes), and the given titles.
func newPanel(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 11)
	p.Title.Padding = 4
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 10)
		ax.Tick.Label.Font = font.From(sans, 9)
		ax.Padding = 0
		ax.Tick.Length = 5
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.TextStyle.Font = font.From(sans, 9)
	return p
}

// figure is a stack of panels sharing one legend, drawn to the right of
// the panels so that it never covers data.
type figure struct {
	title  string
	panels []*plot.Plot
	legend plot.Legend
}

func newFigure(title string) *figure {
	l := plot.NewLegend()
	l.TextStyle = textStyle(9)
	l.Top, l.Left = true, true
	l.Padding = 2
	l.ThumbnailWidth = 18
	return &figure{title: title, legend: l}
}

// render draws the figure in format ("png" or "svg") to w.
func (f *figure) render(w io.Writer, format string) error {
	if len(f.panels) == 0 { // a run that recorded nothing still gets its figure
		p := newPanel("no calls were recorded", "time since start (s)", "")
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		p.HideY()
		f.panels = append(f.panels, p)
	}
	height := figTitleSpace + panelHeight*vg.Length(len(f.panels))
	c, err := draw.NewFormattedCanvas(figWidth, height, format)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	titleStyle := textStyle(13)
	titleStyle.XAlign = draw.XCenter
	titleStyle.YAlign = draw.YTop
	dc.FillText(titleStyle, vg.Point{X: dc.Center().X, Y: dc.Max.Y - 6}, f.title)

	lw := f.legendWidth(dc)
	body := draw.Crop(dc, 8, -(lw + legendGap + 8), 4, -figTitleSpace)
	tiles := draw.Tiles{Rows: len(f.panels), Cols: 1, PadY: 10}
	rows := make([][]*plot.Plot, len(f.panels))
	for i, p := range f.panels {
		rows[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(rows, tiles, body)
	for i, p := range f.panels {
		p.Draw(canvases[i][0])
	}
	// Align the legend's top with the first panel's data area.
	top := f.panels[0].DataCanvas(canvases[0][0]).Max.Y
	strip := draw.Crop(dc, dc.Max.X-dc.Min.X-lw-8, -8, 0, 0)
	strip.Max.Y = top
	f.legend.Draw(strip)

	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("reports: writing %s: %w", format, err)
	}
	return nil
}

// legendWidth returns the width of the shared legend on canvas c.
func (f *figure) legendWidth(c draw.Canvas) vg.Length {
	r := f.legend.Rectangle(c)
	return r.Max.X - r.Min.X
}

// lineStyle returns a solid line style.
func lineStyle(c color.Color, width vg.Length, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: width, Dashes: dashes}
}

// swatch is a legend thumbnail: a filled box.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y},
	}
	c.FillPolygon(s.color, c.ClipPolygonY(pts))
	c.StrokeLines(lineStyle(colLightGrey, 0.5), append(pts, pts[0]))
}

// lineThumb is a legend thumbnail: a line segment.
type lineThumb struct{ style draw.LineStyle }

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// addSegments adds xys as lines with the given style, breaking the line
// wherever y is NaN (a bucket without data) instead of bridging the gap.
// A lone point between gaps is drawn as a short tick so it stays visible.
func addSegments(p *plot.Plot, xys plotter.XYs, style draw.LineStyle, step plotter.StepKind) error {
	start := 0
	flush := func(end int) error {
		if end-start == 0 {
			return nil
		}
		seg := xys[start:end]
		if len(seg) == 1 {
			seg = plotter.XYs{seg[0], seg[0]}
		}
		l, err := plotter.NewLine(seg)
		if err != nil {
			return err
		}
		l.LineStyle = style
		l.StepStyle = step
		p.Add(l)
		return nil
	}
	for i, xy := range xys {
		if math.IsNaN(xy.Y) {
			if err := flush(i); err != nil {
				return err
			}
			start = i + 1
		}
	}
	return flush(len(xys))
}

// timeTicks labels a seconds axis every 1, 2, 5, 10, 15, 30 or 60·k
// seconds, aiming at about ten labels, with unlabelled minor ticks between.
type timeTicks struct{}

func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if span <= 0 {
		return nil
	}
	steps := []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000, 86400}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 12 {
			step = s
			break
		}
	}
	minor := step / 5
	if step == 15 || step == 30 || step == 60 || step == 900 || step == 1800 || step == 3600 {
		minor = step / 3
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / minor); i*minor <= hi+minor*1e-9; i++ {
		v := i * minor
		if r := math.Round(v / step); math.Abs(v/step-r) < 1e-9 {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		} else {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

// Log axes are drawn as linear axes over log10 of the value: gonum's
// LogScale places a rotated axis label by the linear midpoint of the range,
// which on a log axis pushes the plot away from its title. durationTicks
// and logAxis work in that log10 space.

// durationTicks labels a log10-of-seconds axis at powers of ten as
// durations ("100µs", "1ms"), with minor ticks at 2–9; when the axis spans
// less than two decades, 2× and 5× are labelled too. Nothing is ticked
// below floor, the axis's log10 minimum (the plot may reach lower, to make
// room for a strip under the data). With zero set, the floor stands for
// zero latency (a virtual clock's instant rejections): it is labelled "0"
// a quarter decade above it, and the decade above it gets no other tick.
type durationTicks struct {
	zero  bool
	floor float64
}

// ticks returns the tick marker of a.
func (a logAxis) ticks() durationTicks { return durationTicks{zero: a.zero, floor: a.min} }

func (d durationTicks) Ticks(lo, hi float64) []plot.Tick {
	lo = max(lo, d.floor)
	if hi <= lo {
		return nil
	}
	var ticks []plot.Tick
	from := lo
	if d.zero {
		ticks = append(ticks, plot.Tick{Value: lo + zeroOffset, Label: "0"})
		from = lo + 1
	}
	dense := hi-from < 2
	for e := math.Floor(from); e <= math.Ceil(hi); e++ {
		for m := 1; m < 10; m++ {
			v := e + math.Log10(float64(m))
			if v < from-1e-9 || v > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (dense && (m == 2 || m == 5)) {
				t.Label = time.Duration(math.Round(math.Pow(10, v) * 1e9)).String()
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// logAxis is a log10 axis of seconds: the decade at or below the smallest
// positive value lo (floor when there is none), or one decade lower when
// zero values must be shown, up to the decade at or above hi.
type logAxis struct {
	min, max float64 // log10 bounds
	zero     bool    // min stands for zero
}

func newLogAxis(lo, hi, floor float64, zeros bool) logAxis {
	if lo <= 0 || math.IsInf(lo, 0) || math.IsNaN(lo) {
		lo = floor
	}
	if hi <= lo || math.IsInf(hi, 0) || math.IsNaN(hi) {
		hi = lo * 10
	}
	a := logAxis{min: math.Floor(math.Log10(lo)), max: math.Ceil(math.Log10(hi)), zero: zeros}
	if zeros {
		a.min--
	}
	return a
}

// zeroOffset places zero a quarter decade inside the axis, so that a line
// of zeros is not hidden by the axis line.
const zeroOffset = 0.25

// at maps a value in seconds onto the axis: zero and below to the zero
// position.
func (a logAxis) at(v float64) float64 {
	if v <= 0 {
		return a.min + zeroOffset
	}
	return max(math.Log10(v), a.min)
}

// seconds converts nanoseconds to seconds for the plots' axes.
func seconds(ns int64) float64 { return float64(ns) / 1e9 }

// bucketLabel describes a bucket width for an axis label: "2 s buckets".
func bucketLabel(width int64) string {
	return time.Duration(width).String() + " buckets"
}
