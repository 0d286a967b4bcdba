package reports

import (
	"bytes"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func contentionSeries() []ContentionSeries {
	var out []ContentionSeries
	for _, path := range []string{"closed-success", "open-reject"} {
		for k, impl := range []string{"reference", "mutex"} {
			var pts []ContentionPoint
			for c := 1; c <= 32; c *= 2 {
				pts = append(pts, ContentionPoint{Callers: c, Value: float64(20*(k+1)) * (1 + float64(c*k))})
			}
			out = append(out, ContentionSeries{Panel: path, Implementation: impl, Metric: "ns/op", Points: pts})
		}
	}
	return out
}

func TestContentionPlot(t *testing.T) {
	series := contentionSeries()
	img := renderPNG(t, func(w *bytes.Buffer) error { return ContentionPlot(w, "png", series) })
	require.Equal(t, 960, img.Bounds().Dx())
	require.Equal(t, pngHeight(2), img.Bounds().Dy(), "one panel per benchmark path")
	count := func(c color.RGBA) int {
		n := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			_, _, k := spanOf(img, y, 0, img.Bounds().Dx(), c)
			n += k
		}
		return n
	}
	assert.Greater(t, count(colBlue), 200, "first implementation's lines")
	assert.Greater(t, count(colVermilion), 200, "second implementation's lines")

	var svg bytes.Buffer
	require.NoError(t, ContentionPlot(&svg, "svg", series))
	for _, s := range []string{"closed-success", "open-reject", "reference", "mutex", "concurrent callers (log2 scale)",
		"ns/op (log scale)", ">32<"} {
		assert.Contains(t, svg.String(), s)
	}
}

func TestContentionPlotRejectsBadSeries(t *testing.T) {
	good := ContentionSeries{Panel: "p", Implementation: "a", Metric: "ns/op", Points: []ContentionPoint{{Callers: 1, Value: 5}}}
	tests := []struct {
		name   string
		series []ContentionSeries
		want   string
	}{
		{"none", nil, "no series"},
		{"no points", []ContentionSeries{{Panel: "p", Implementation: "a"}}, "series 0 (p / a): no points"},
		{"zero callers", []ContentionSeries{{Panel: "p", Implementation: "a", Points: []ContentionPoint{{Callers: 0, Value: 1}}}},
			"point 0: callers 0"},
		{"NaN", []ContentionSeries{good, {Panel: "p", Implementation: "b", Metric: "ns/op", Points: []ContentionPoint{{1, 2}, {2, math.NaN()}}}},
			"series 1 (p / b): point 1"},
		{"mixed metrics", []ContentionSeries{good, {Panel: "p", Implementation: "b", Metric: "ops/s", Points: good.Points}},
			`metric "ops/s", but the panel's other series use "ns/op"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := ContentionPlot(&buf, "png", tt.series)
			assert.ErrorContains(t, err, tt.want)
			assert.Zero(t, buf.Len(), "nothing written on error")
		})
	}
}

func TestPow2Ticks(t *testing.T) {
	ticks := pow2Ticks{}.Ticks(-0.2, 6.2)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"1", "2", "4", "8", "16", "32", "64"}, labels)

	labels = labels[:0]
	for _, tk := range (pow2Ticks{}).Ticks(-3.2, 1.2) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"1/8", "1/4", "1/2", "1", "2"}, labels, "fractions below one caller")
}

func TestPlainTicks(t *testing.T) {
	var labels []string
	for _, tk := range (plainTicks{}).Ticks(0, 54) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0", "25", "50"}, labels)
	labels = labels[:0]
	for _, tk := range (plainTicks{}).Ticks(0, 0.33) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0", "0.1", "0.2", "0.3"}, labels)
}
