package reports

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	_ "image/png"
	"math"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderPNG draws a plot and decodes it back.
func renderPNG(t *testing.T, draw func(*bytes.Buffer) error) image.Image {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, draw(&buf))
	img, format, err := image.Decode(&buf)
	require.NoError(t, err)
	require.Equal(t, "png", format)
	return img
}

func sameColor(c color.Color, want color.RGBA) bool {
	r, g, b, a := c.RGBA()
	wr, wg, wb, wa := want.RGBA()
	return r == wr && g == wg && b == wb && a == wa
}

// spanOf returns the first and last x of pixels of colour want on row y,
// within [x0, x1), and how many there are.
func spanOf(img image.Image, y, x0, x1 int, want color.RGBA) (first, last, n int) {
	first, last = -1, -1
	for x := x0; x < x1; x++ {
		if sameColor(img.At(x, y), want) {
			if first < 0 {
				first = x
			}
			last = x
			n++
		}
	}
	return first, last, n
}

// dataRow returns the lowest row in [y0, y1) with at least 100 pixels of
// the closed band: a row inside a panel's data area, below the legend.
func dataRow(t *testing.T, img image.Image, y0, y1 int) int {
	t.Helper()
	b := img.Bounds()
	for y := y1 - 1; y >= y0; y-- {
		if _, _, n := spanOf(img, y, b.Min.X, b.Max.X, colClosedBand); n >= 100 {
			return y
		}
	}
	t.Fatalf("no row of the closed band in rows %d..%d", y0, y1)
	return 0
}

// pngHeight is the pixel height of a figure with n panels at 96 dpi.
func pngHeight(n int) int {
	return int(math.Round((figTitleSpace/72.0 + float64(n)*float64(panelHeight)/72) * 96))
}

func TestTimelineShowsOpenBandWhereTheCircuitWasOpen(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	img := renderPNG(t, func(w *bytes.Buffer) error { return timelinePlot(w, "png", r) })
	b := img.Bounds()
	require.Equal(t, 960, b.Dx())
	require.Equal(t, pngHeight(1), b.Dy())

	// The closed band spans the whole time axis (closed at 0 s and at 120 s),
	// so its extent on a row is the data area.
	y := dataRow(t, img, 0, b.Dy())
	left, right, _ := spanOf(img, y, 0, b.Dx(), colClosedBand)
	require.Greater(t, right-left, 600, "data area is most of the width")
	toFrac := func(x int) float64 { return float64(x-left) / float64(right-left) }

	// Open from 30.4 s to 90.4 s of 120 s, with a half-open sliver at 60.4 s.
	first, last, n := spanOf(img, y, left, right, colOpenBand)
	require.Positive(t, n, "open band drawn")
	assert.InDelta(t, 30.4/120, toFrac(first), 0.01)
	assert.InDelta(t, 90.4/120, toFrac(last), 0.01)
	hfirst, _, hn := spanOf(img, y, left, right, colHalfOpenBand)
	require.Positive(t, hn, "the half-open moments are visible")
	assert.InDelta(t, 60.4/120, toFrac(hfirst), 0.01)

	// The p50 line is drawn over the closed band before the outage.
	found := false
	for yy := 0; yy < b.Dy() && !found; yy++ {
		_, _, k := spanOf(img, yy, left, left+(right-left)/4, colBlue)
		found = k > 0
	}
	assert.True(t, found, "p50 line pixels in the first quarter")
}

func TestTimelineOnePanelPerDependency(t *testing.T) {
	r := loadFixture(t, "checkout-flaky")
	img := renderPNG(t, func(w *bytes.Buffer) error { return timelinePlot(w, "png", r) })
	b := img.Bounds()
	require.Equal(t, pngHeight(2), b.Dy())
	mid := b.Dy() / 2

	// iam (top panel) never opened; payments (bottom) did.
	yb := dataRow(t, img, mid, b.Dy())
	left, right, _ := spanOf(img, yb, 0, b.Dx(), colClosedBand)
	_, _, openBottom := spanOf(img, yb, left, right, colOpenBand)
	assert.Greater(t, openBottom, 50, "payments panel shows the open band")
	yt := dataRow(t, img, 0, mid)
	_, _, openTop := spanOf(img, yt, left, right, colOpenBand)
	assert.Zero(t, openTop, "iam panel has no open band")
}

func TestThroughputAndLatencyPlots(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	img := renderPNG(t, func(w *bytes.Buffer) error { return throughputPlot(w, "png", r) })
	assert.Equal(t, image.Rect(0, 0, 960, pngHeight(1)), img.Bounds())
	count := func(img image.Image, c color.RGBA) int {
		n := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			_, _, k := spanOf(img, y, 0, img.Bounds().Dx(), c)
			n += k
		}
		return n
	}
	assert.Greater(t, count(img, colGreen), 5000, "success area")
	assert.Greater(t, count(img, colOrange), 5000, "rejected area while open")

	img = renderPNG(t, func(w *bytes.Buffer) error { return latencyPlot(w, "png", r) })
	assert.Equal(t, image.Rect(0, 0, 960, pngHeight(1)), img.Bounds())
	assert.Greater(t, count(img, colGreen), 100, "success curve")
	assert.Greater(t, count(img, colOrange), 100, "rejected curve")
}

func TestPlotsAsSVG(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	for _, k := range plotsOf(r) {
		var buf bytes.Buffer
		require.NoError(t, k.draw(&buf, "svg", r), k.name)
		var doc struct {
			XMLName xml.Name `xml:"svg"`
		}
		require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc), "%s: well-formed SVG", k.name)
		assert.Contains(t, buf.String(), "nfr6-iam-outage", k.name)
	}
	var buf bytes.Buffer
	require.NoError(t, timelinePlot(&buf, "svg", r))
	for _, s := range []string{"error_rate 100%", "p99", "half-open", "time since start (s)", "latency (log scale)"} {
		assert.Contains(t, buf.String(), s)
	}
	assert.Error(t, timelinePlot(&buf, "bmp", r), "unknown format")
}

func TestPlotsOfAnEmptyRun(t *testing.T) {
	r, err := Load(writeRun(t, map[string]string{record.MetaFile: `{"schema_version":1,"scenario":"empty","mode":"live"}`}))
	require.NoError(t, err)
	require.Len(t, plotsOf(r), len(plotKinds))
	for _, k := range plotKinds {
		img := renderPNG(t, func(w *bytes.Buffer) error { return k.draw(w, "png", r) })
		assert.Equal(t, 960, img.Bounds().Dx(), k.name)
	}
}
