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

	"github.com/breakerlab/breakerlab/scenarios/record"
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
		return nil, fmt.Errorf("%w: %s, nor any directory in it", record.ErrNotRunDir, dir)
	}
	sort.Strings(runs)
	return runs, nil
}

// contentionBase is the base name of the contention plot [WriteIndex]
// writes beside summary.md and junit.xml: contention.png and contention.svg.
const contentionBase = "contention"

// Missing is a run the index lists without a report: one that could not
// run because of its setup (a setup error: the breaker was never judged),
// or whose files could not be loaded (an error), or one that never started
// because an earlier run was interrupted (skipped). CI must see it: a run
// that vanished from junit.xml would look like one that passed.
type Missing struct {
	Label   string // the scenario, and "@" and the implementation unless it is the reference
	Dir     string // its run directory, if it has one
	Reason  string // why it has no report: the error, or why it was skipped
	Skipped bool   // it never started
	Setup   bool   // it could not run because of its setup
}

// The statuses of a [Missing] run, beside those of record.
const (
	statusError      = "error"
	statusSetupError = "setup error"
	statusSkipped    = "skipped"
)

func (m Missing) status() string {
	switch {
	case m.Skipped:
		return statusSkipped
	case m.Setup:
		return statusSetupError
	}
	return statusError
}

// WriteIndex writes, into an output directory holding several runs, a
// junit.xml with one suite per run and a summary.md with an overview table
// followed by each run's summary, so that CI reads one file for all; runs
// without a report (missing) are listed in both, as errors or skipped. When
// some runs ran on the real clock (live, stress), contention.png and
// contention.svg compare them, one line per breaker implementation; else an
// earlier index's contention plot is removed. It returns the paths written,
// summary.md and junit.xml first.
func WriteIndex(dir string, runs []*Run, missing []Missing) ([]string, error) {
	outputs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{SummaryMDFile, func(w io.Writer) error { return writeSummaryMarkdown(w, runs, missing) }},
		{JUnitFile, func(w io.Writer) error { return writeJUnit(w, runs, missing) }},
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
		if r.realTime() {
			real = append(real, r)
		}
	}
	for _, format := range []string{"svg", "png"} {
		path := filepath.Join(dir, contentionBase+"."+format)
		if len(real) == 0 {
			if err := removeFile(path); err != nil {
				return written, err
			}
			continue
		}
		var buf bytes.Buffer
		if err := runContentionPlot(&buf, format, real...); err != nil {
			return written, err
		}
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// removeFile removes path; a path that is not there is fine.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary name next to path and renames
// it, so that a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o666); err != nil { // less the umask, like the run's other files
		return fmt.Errorf("reports: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
