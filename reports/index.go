package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// FindRuns returns the run directories dir stands for: dir itself when it
// holds meta.json, else its immediate subdirectories that do (the layout
// 'breakerlab run --out OUT' writes), sorted by name. It is an error when
// dir cannot be read or holds no run.
func FindRuns(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reports: %s: no such directory", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("reports: %s: not a directory", dir)
	}
	if IsRunDir(dir) {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	var runs []string
	for _, e := range entries {
		if sub := filepath.Join(dir, e.Name()); e.IsDir() && IsRunDir(sub) {
			runs = append(runs, sub)
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%w: %s, nor any directory in it", ErrNotRunDir, dir)
	}
	sort.Strings(runs)
	return runs, nil
}

// ContentionBase is the base name of the contention plot [WriteIndex]
// writes beside summary.md and junit.xml: contention.png and contention.svg.
const ContentionBase = "contention"

// WriteIndex writes, into an output directory holding several runs, a
// junit.xml with one suite per run and a summary.md with an overview table
// followed by each run's summary, so that CI reads one file for all; when
// some runs ran on the real clock ([Run.RealTime]), contention.png and
// contention.svg compare them: [RunContentionPlot] of those runs, one line
// per breaker implementation. It returns the paths written, summary.md and
// junit.xml first.
func WriteIndex(dir string, runs []*Run) ([]string, error) {
	outputs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{SummaryMDFile, func(w io.Writer) error { return WriteSummaryMarkdown(w, runs...) }},
		{JUnitFile, func(w io.Writer) error { return WriteJUnit(w, runs...) }},
	}
	var written []string
	for _, o := range outputs {
		var buf bytes.Buffer
		if err := o.write(&buf); err != nil {
			return written, err
		}
		path := filepath.Join(dir, o.name)
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	var real []*Run
	for _, r := range runs {
		if r.RealTime() {
			real = append(real, r)
		}
	}
	if len(real) == 0 {
		return written, nil
	}
	for _, format := range []string{"svg", "png"} {
		var buf bytes.Buffer
		if err := RunContentionPlot(&buf, format, real...); err != nil {
			return written, err
		}
		path := filepath.Join(dir, ContentionBase+"."+format)
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// writeFileAtomic writes data to a temporary name next to path and renames
// it, so that a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
