package reports

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot/plotter"
)

// stackOrder lists the outcome classes bottom to top, with their colours.
var stackOrder = []struct {
	class int
	label string
	color color.Color
}{
	{clsSuccess, "success", colGreen},
	{clsFailure, "failure", colVermilion},
	{clsFallback, "fallback served", colPurple},
	{clsRejected, "rejected", colOrange},
	{clsIgnored, "ignored", colLightGrey},
}

var receivedStyle = lineStyle(colBlack, 1.6)

// throughputPlot draws, for each dependency of r, the calls per second by
// outcome stacked over time (success, failure, fallback served — a failed or
// rejected call answered by a fallback —, rejected, ignored) with the rate
// of requests that reached the dependency overlaid. The gap between the top
// of the stack and the dependency's line is the load the breaker shed.
func throughputPlot(w io.Writer, format string, r *Run) error {
	f := newFigure(r.Label() + ": throughput by outcome")
	end := plotEnd(r)
	var present [numClasses]bool
	for _, d := range r.deps {
		s := displaySeries(d, r.endNs)
		p := newPanel(fmt.Sprintf("%s: calls per second by outcome, per %s", d.Name, bucketLabel(s.width)),
			"time since start (s)", "calls per second")
		layers, received, top := stackRates(s, end, &present)
		// Painter's order: the whole stack first, each lower layer over it.
		for k := len(stackOrder) - 1; k >= 0; k-- {
			if len(layers[k]) == 0 {
				continue
			}
			l, err := plotter.NewLine(layers[k])
			if err != nil {
				return err
			}
			l.StepStyle = plotter.PostStep
			l.FillColor = stackOrder[k].color
			l.LineStyle.Width = 0
			p.Add(l)
		}
		p.Add(phaseMarks{d.Meta.Phases})
		if len(received) > 0 {
			if err := addSegments(p, received, receivedStyle, plotter.PostStep); err != nil {
				return err
			}
		}
		p.X.Min, p.X.Max = 0, end
		p.X.Tick.Marker = timeTicks{}
		p.Y.Min, p.Y.Max = 0, max(top, 1)
		if len(d.Meta.Phases) > 0 { // headroom for the phase labels
			p.Y.Max *= 1.25
		}
		f.panels = append(f.panels, p)
	}
	for _, st := range stackOrder {
		if st.class == clsIgnored && !present[clsIgnored] {
			continue
		}
		f.legend.Add(st.label, swatch{st.color})
	}
	f.legend.Add("reached dependency", lineThumb{receivedStyle})
	f.legend.Add("fault phase", lineThumb{phaseStyle})
	return f.render(w, format)
}

// stackRates returns the cumulative rates of s's outcome classes, bottom
// layer first, and the rate that reached the dependency, as post-step lines
// with one point per bucket start and a last point at end (in s); top is
// the highest rate. It marks in present the classes that occur.
func stackRates(s *series, end float64, present *[numClasses]bool) (layers []plotter.XYs, received plotter.XYs, top float64) {
	width := seconds(s.width)
	n := len(s.buckets)
	layers = make([]plotter.XYs, len(stackOrder))
	received = make(plotter.XYs, 0, n+1)
	for i := range s.buckets {
		b := &s.buckets[i]
		x := float64(i) * width
		// The last bucket may be cut by the end of the run.
		covered := width
		if end > x {
			covered = min(width, end-x)
		}
		var cum float64
		for k, st := range stackOrder {
			cum += float64(b.classes[st.class]) / covered
			layers[k] = append(layers[k], plotter.XY{X: x, Y: cum})
			if b.classes[st.class] > 0 {
				present[st.class] = true
			}
		}
		rate := float64(b.received) / covered
		received = append(received, plotter.XY{X: x, Y: rate})
		top = max(top, cum, rate)
	}
	if n > 0 {
		for k := range layers {
			last := layers[k][n-1]
			layers[k] = append(layers[k], plotter.XY{X: min(float64(n)*width, end), Y: last.Y})
		}
		received = append(received, plotter.XY{X: min(float64(n)*width, end), Y: received[n-1].Y})
	}
	return layers, received, top
}
