package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/breakerlab/breakerlab/bench"
	"github.com/breakerlab/breakerlab/reports"
)

// writeContentionPlot draws the parallel results as DIR/contention.svg and
// DIR/contention.png, one panel per path and GOMAXPROCS, and says what it wrote.
func writeContentionPlot(dir string, results []bench.Result) (string, error) {
	var series []reports.ContentionSeries
	for _, c := range bench.Curves(results) {
		s := reports.ContentionSeries{
			Panel:          fmt.Sprintf("%s, -cpu %d", c.Path, c.CPU),
			Implementation: c.Impl,
			Metric:         "ns/op",
		}
		for _, p := range c.Points {
			s.Points = append(s.Points, reports.ContentionPoint{Callers: p.Goroutines, Value: p.NsPerOp})
		}
		series = append(series, s)
	}
	if len(series) == 0 {
		return "no contention plot (no parallel results)", nil
	}
	var written []string
	for _, format := range []string{"svg", "png"} {
		path := filepath.Join(dir, "contention."+format)
		f, err := os.Create(path)
		if err != nil {
			return "", err
		}
		err = reports.ContentionPlot(f, format, series)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", err
		}
		written = append(written, path)
	}
	return strings.Join(written, ", "), nil
}
