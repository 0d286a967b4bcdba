package reports

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Custom plotters drawn behind or over the data: breaker-state bands and
// fault-phase markers. Both span the whole height of the data area whatever
// the y scale, which gonum's polygons cannot do on a log axis.

// minBandWidth keeps a short state (a half-open moment in a ten-minute run)
// visible as a sliver rather than vanishing under a pixel.
const minBandWidth = 1.5 // points

// stateBands fills the data area with one coloured band per state span,
// then shades grey the time each inferred transition may have taken place
// in (its lo..hi bounds), at its true width: bounds narrower than a pixel
// are below what the plot resolves.
type stateBands struct{ spans []stateSpan }

func (b stateBands) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	paintSpans(&c, trX, b.spans, c.Min.Y, c.Max.Y)
	for _, s := range b.spans {
		if s.HiNs > s.LoNs {
			x0 := max(trX(seconds(s.LoNs)), c.Min.X)
			x1 := min(trX(seconds(s.HiNs)), c.Max.X)
			if x1 > x0 {
				fillRect(&c, colUncertain, x0, c.Min.Y, x1, c.Max.Y)
			}
		}
	}
}

// paintSpans paints each span's band between y0 and y1. Closed first,
// half-open last: a brief half-open sliver between two longer bands must
// not be painted over by them.
func paintSpans(c *draw.Canvas, trX func(float64) vg.Length, spans []stateSpan, y0, y1 vg.Length) {
	for _, state := range []string{stateUnknown, "closed", "open", "half-open"} {
		for _, s := range spans {
			if s.State != state {
				continue
			}
			x0 := max(trX(seconds(s.FromNs)), c.Min.X)
			x1 := min(trX(seconds(s.ToNs)), c.Max.X)
			if s.State != "closed" && s.State != stateUnknown && x1-x0 < minBandWidth {
				x1 = min(x0+minBandWidth, c.Max.X)
			}
			if x1 > x0 {
				fillRect(c, bandColor(s.State), x0, y0, x1, y1)
			}
		}
	}
}

// reportedStrip draws what the breaker reported of its states as a strip
// along the bottom of the data area, up to y = top (in data coordinates),
// under a dark rule that sets it apart from the inferred bands above.
type reportedStrip struct {
	spans []stateSpan
	top   float64
}

// stripRule is the line between the reported strip and the data above.
var stripRule = lineStyle(colGrey, 0.8)

func (s reportedStrip) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	y1 := min(trY(s.top)-1, c.Max.Y)
	if y1 <= c.Min.Y {
		return
	}
	fillRect(&c, color.White, c.Min.X, c.Min.Y, c.Max.X, y1+1)
	paintSpans(&c, trX, s.spans, c.Min.Y, y1)
	c.StrokeLine2(stripRule, c.Min.X, y1, c.Max.X, y1)
	sty := textStyle(7)
	sty.Color = colGrey
	sty.XAlign = draw.XLeft
	sty.YAlign = draw.YCenter
	if h := sty.Height("Ag"); y1-c.Min.Y >= h {
		c.FillText(sty, vg.Point{X: c.Min.X + 3, Y: (c.Min.Y + y1) / 2}, "reported")
	}
}

// stripThumb is the legend thumbnail of the reported strip: a short band
// under a rule.
type stripThumb struct{}

func (stripThumb) Thumbnail(c *draw.Canvas) {
	mid := (c.Min.Y + c.Max.Y) / 2
	fillRect(c, colOpenBand, c.Min.X, c.Min.Y, c.Max.X, mid)
	c.StrokeLine2(stripRule, c.Min.X, mid, c.Max.X, mid)
}

func fillRect(c *draw.Canvas, col color.Color, x0, y0, x1, y1 vg.Length) {
	c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}})
}

// phaseStyle is how a fault phase change is drawn.
var phaseStyle = lineStyle(colBlack, 0.8, 4, 3)

// phaseLabelRows is how many rows of phase labels fit above the data.
const phaseLabelRows = 2

// phaseMarks draws a dashed vertical line where each fault phase starts and
// its label near the top of the data area. Labels that would overlap move
// down a row; when no row has room, the label is left out (the line stays).
type phaseMarks struct{ phases []record.Phase }

func (m phaseMarks) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, _ := plt.Transforms(&c)
	sty := textStyle(8)
	sty.XAlign = draw.XLeft
	sty.YAlign = draw.YTop
	rowH := sty.Height("Ag") + 3
	var rowEnd [phaseLabelRows]vg.Length
	for i := range rowEnd {
		rowEnd[i] = c.Min.X - 1e9
	}
	// Lines first, then labels on opaque boxes, so that no line crosses a
	// label.
	for _, ph := range m.phases {
		if x := trX(seconds(ph.AtNs)); ph.AtNs > 0 && x >= c.Min.X && x <= c.Max.X {
			c.StrokeLine2(phaseStyle, x, c.Min.Y, x, c.Max.Y)
		}
	}
	for _, ph := range m.phases {
		x := trX(seconds(ph.AtNs))
		if x < c.Min.X || x > c.Max.X || ph.Label == "" {
			continue
		}
		w := sty.Width(ph.Label)
		tx := x + 3
		if tx+w > c.Max.X { // keep labels near the right edge inside
			tx = max(c.Max.X-w-3, c.Min.X+3)
		}
		for r := range rowEnd {
			if tx < rowEnd[r]+6 {
				continue
			}
			y := c.Max.Y - 3 - vg.Length(r)*rowH
			fillRect(&c, color.NRGBA{R: 255, G: 255, B: 255, A: 235}, tx-2, y-rowH+2, tx+w+2, y+1)
			c.FillText(sty, vg.Point{X: tx, Y: y}, ph.Label)
			rowEnd[r] = tx + w
			break
		}
	}
}

// hline draws a horizontal reference line across the data area at y.
type hline struct {
	y     float64
	style draw.LineStyle
	label string
}

func (h hline) Plot(c draw.Canvas, plt *plot.Plot) {
	_, trY := plt.Transforms(&c)
	y := trY(h.y)
	if y < c.Min.Y || y > c.Max.Y {
		return
	}
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
	if h.label != "" {
		sty := textStyle(8)
		sty.Color = colGrey
		sty.XAlign = draw.XRight
		sty.YAlign = draw.YBottom
		c.FillText(sty, vg.Point{X: c.Max.X - 3, Y: y + 1}, h.label)
	}
}
