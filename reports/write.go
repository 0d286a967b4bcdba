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
	plotsDir        = "plots"
)

// plotKind is one plot of a run, written as PNG and SVG.
type plotKind struct {
	name string
	draw func(io.Writer, string, *Run) error
	// realTime marks a plot drawn only for runs on the real clock ([Run.realTime]).
	realTime bool
}

// plotKinds are the plots of a run, in the order report.html shows them.
var plotKinds = []plotKind{
	{name: "timeline", draw: timelinePlot},
	{name: "throughput", draw: throughputPlot},
	{name: "latency", draw: latencyPlot},
	{name: "contention", draw: func(w io.Writer, format string, r *Run) error { return runContentionPlot(w, format, r) }, realTime: true},
}

// plotsOf returns the plots drawn for r.
func plotsOf(r *Run) []plotKind {
	var out []plotKind
	for _, k := range plotKinds {
		if !k.realTime || r.realTime() {
			out = append(out, k)
		}
	}
	return out
}

// Write writes every report of run into dir (normally run.Dir): report.html,
// summary.md, summary.json, junit.xml and plots/{timeline,throughput,latency}
// as .png and .svg, plus plots/contention for a run on the real clock (live,
// stress or external: throughput and latency against the calls in flight).
// A plot of an earlier run that this run does not have (contention, after a
// sim rerun) is removed. It returns the paths written, report.html first.
// Each file is written whole to a temporary name and renamed, so a reader
// never sees half a report.
func Write(dir string, run *Run) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, plotsDir), 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	for _, k := range plotKinds {
		if k.realTime && !run.realTime() {
			if err := removePlot(dir, k.name); err != nil {
				return nil, err
			}
		}
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
	for _, k := range plotsOf(run) {
		for _, format := range []string{"svg", "png"} {
			var buf bytes.Buffer
			if err := k.draw(&buf, format, run); err != nil {
				return nil, fmt.Errorf("reports: %s plot: %w", k.name, err)
			}
			if format == "svg" {
				svgs[k.name] = buf.Bytes()
			}
			if err := put(filepath.Join(plotsDir, k.name+"."+format), buf.Bytes()); err != nil {
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
		{SummaryMDFile, func(w io.Writer) error { return writeSummaryMarkdown(w, []*Run{run}, nil) }},
		{SummaryJSONFile, func(w io.Writer) error { return writeSummaryJSON(w, run) }},
		{JUnitFile, func(w io.Writer) error { return writeJUnit(w, []*Run{run}, nil) }},
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

// Remove deletes the reports [Write] writes from dir, and nothing else: a
// run recorded anew without reports must not sit beside an earlier run's.
func Remove(dir string) error {
	for _, name := range []string{HTMLFile, SummaryMDFile, SummaryJSONFile, JUnitFile} {
		if err := removeFile(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for _, k := range plotKinds {
		if err := removePlot(dir, k.name); err != nil {
			return err
		}
	}
	// plots/ goes too once empty; a folder with other files in it stays.
	plots := filepath.Join(dir, plotsDir)
	if entries, err := os.ReadDir(plots); err == nil && len(entries) == 0 {
		return removeFile(plots)
	}
	return nil
}

// removePlot removes plots/NAME.svg and plots/NAME.png from dir.
func removePlot(dir, name string) error {
	for _, format := range []string{"svg", "png"} {
		if err := removeFile(filepath.Join(dir, plotsDir, name+"."+format)); err != nil {
			return err
		}
	}
	return nil
}

// WriteDir loads the run recorded in dir and writes its reports there: the
// one call a caller that only has the directory needs (e.g. as
// conformance.Options.Report).
func WriteDir(dir string) error {
	run, err := Load(dir)
	if err != nil {
		return err
	}
	_, err = Write(dir, run)
	return err
}
