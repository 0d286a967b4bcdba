package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Report files written by [Write], relative to the run directory.
const (
	HTMLFile        = "report.html"
	SummaryMDFile   = "summary.md"
	SummaryJSONFile = "summary.json"
	JUnitFile       = "junit.xml"
	PlotsDir        = "plots"
)

// plotKinds are the plots of a run, each written as PNG and SVG.
var plotKinds = []struct {
	name string
	draw func(io.Writer, string, *Run) error
}{
	{"timeline", TimelinePlot},
	{"throughput", ThroughputPlot},
	{"latency", LatencyPlot},
}

// Write writes every report of run into dir (normally run.Dir): report.html,
// summary.md, summary.json, junit.xml and plots/{timeline,throughput,latency}
// as .png and .svg. It returns the paths written, report.html first. Each
// file is written whole to a temporary name and renamed, so a reader never
// sees half a report.
func Write(dir string, run *Run) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, PlotsDir), 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	var written []string
	put := func(name string, data []byte) error {
		path := filepath.Join(dir, name)
		if err := writeFileAtomic(path, data); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}

	svgs := map[string][]byte{}
	for _, k := range plotKinds {
		for _, format := range []string{"svg", "png"} {
			var buf bytes.Buffer
			if err := k.draw(&buf, format, run); err != nil {
				return nil, fmt.Errorf("reports: %s plot: %w", k.name, err)
			}
			if format == "svg" {
				svgs[k.name] = buf.Bytes()
			}
			if err := put(filepath.Join(PlotsDir, k.name+"."+format), buf.Bytes()); err != nil {
				return nil, err
			}
		}
	}
	var html bytes.Buffer
	if err := writeHTML(&html, run, svgs); err != nil {
		return nil, err
	}
	if err := put(HTMLFile, html.Bytes()); err != nil {
		return nil, err
	}
	// report.html first: it is the file a person opens.
	written = append(written[len(written)-1:], written[:len(written)-1]...)

	outputs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{SummaryMDFile, func(w io.Writer) error { return WriteSummaryMarkdown(w, run) }},
		{SummaryJSONFile, func(w io.Writer) error { return WriteSummaryJSON(w, run) }},
		{JUnitFile, func(w io.Writer) error { return WriteJUnit(w, run) }},
	}
	for _, o := range outputs {
		var buf bytes.Buffer
		if err := o.write(&buf); err != nil {
			return nil, err
		}
		if err := put(o.name, buf.Bytes()); err != nil {
			return nil, err
		}
	}
	return written, nil
}
