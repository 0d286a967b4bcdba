package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Files of a recorded run directory.
const (
	MetaFile        = "meta.json"
	CallsFile       = "calls.jsonl"
	TransitionsFile = "transitions.jsonl"
	DependencyFile  = "dependency.jsonl"
	SnapshotsFile   = "snapshots.jsonl"
	VerdictFile     = "verdict.json"
)

// ErrNotRunDir is returned by [Load] for a directory without meta.json.
var ErrNotRunDir = errors.New("reports: not a recorded run directory (no meta.json)")

// IsRunDir reports whether dir holds a recorded run (has a meta.json).
func IsRunDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, MetaFile))
	return err == nil && st.Mode().IsRegular()
}

// Load reads the recorded run in dir, streaming its JSON-lines logs into
// per-dependency aggregates. A run cut short loads too: a half-written last
// line, a missing log, a missing verdict.json or a meta.json without ended_ns
// become entries in [Run.Warnings]. A malformed line anywhere else is an
// error naming the file and line.
func Load(dir string) (*Run, error) {
	run := &Run{Dir: dir}
	metaPath := filepath.Join(dir, MetaFile)
	if err := readJSON(metaPath, &run.Meta); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotRunDir, dir)
		}
		return nil, fmt.Errorf("reports: %w", err)
	}
	m := &run.Meta
	if m.SchemaVersion != 1 {
		run.warnf("%s: schema_version %d, this build reads 1; fields may be missing", MetaFile, m.SchemaVersion)
	}

	width := storedWidth(time.Duration(m.DurationNs))
	byName := map[string]*DepStats{}
	dep := func(name string) (*DepStats, error) {
		if d, ok := byName[name]; ok {
			return d, nil
		}
		if name == "" {
			return nil, errors.New(`missing "dep"`)
		}
		d := &DepStats{Name: name, Faults: map[string]int64{}, series: newSeries(width)}
		byName[name] = d
		run.Deps = append(run.Deps, d)
		return d, nil
	}
	for i, dm := range m.Dependencies {
		if _, dup := byName[dm.Name]; dup || dm.Name == "" {
			return nil, fmt.Errorf("reports: %s: dependencies[%d]: name %q is empty or repeated", metaPath, i, dm.Name)
		}
		d, _ := dep(dm.Name)
		d.Meta = dm
	}

	var last int64 // latest event time seen
	in := interner{}
	err := stream(run, CallsFile, func(line []byte, c *Call) bool { return fastCall(line, c, in) }, func(c *Call, _ int) error {
		d, err := dep(c.Dep)
		if err != nil {
			return err
		}
		last = max(last, c.EndNs)
		return d.addCall(c)
	})
	if err == nil {
		err = stream(run, DependencyFile, func(line []byte, r *DepRequest) bool { return fastDepRequest(line, r, in) }, func(r *DepRequest, _ int) error {
			d, err := dep(r.Dep)
			if err != nil {
				return err
			}
			last = max(last, r.AtNs)
			d.addRequest(r)
			return nil
		})
	}
	if err == nil {
		err = stream(run, TransitionsFile, nil, func(t *Transition, _ int) error {
			d, err := dep(t.Dep)
			if err != nil {
				return err
			}
			if !validState(t.From) || !validState(t.To) {
				return fmt.Errorf("transition %q → %q, want states closed, open or half-open", t.From, t.To)
			}
			last = max(last, t.AtNs)
			d.Transitions = append(d.Transitions, *t)
			return nil
		})
	}
	if err == nil {
		err = stream(run, SnapshotsFile, nil, func(s *Snapshot, _ int) error {
			d, err := dep(s.Dep)
			if err != nil {
				return err
			}
			last = max(last, s.AtNs)
			d.Snapshots++
			if d.Final == nil || s.AtNs >= d.Final.AtNs {
				snap := *s
				d.Final = &snap
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	for _, d := range run.Deps {
		slices.SortStableFunc(d.Transitions, func(a, b Transition) int { return cmp.Compare(a.AtNs, b.AtNs) })
	}

	verdictPath := filepath.Join(dir, VerdictFile)
	var v Verdict
	switch err := readJSON(verdictPath, &v); {
	case err == nil:
		run.Verdict = &v
	case errors.Is(err, fs.ErrNotExist):
		run.warnf("%s: missing; every check is reported as not checked", VerdictFile)
	default:
		return nil, fmt.Errorf("reports: %w", err)
	}

	run.EndNs = m.EndedNs
	if m.EndedNs <= 0 {
		run.EndNs = last
		run.warnf("%s: no ended_ns, the run was cut short; its report ends at the last event recorded (%s)", MetaFile, fmtNs(last))
	}
	if m.Interrupted {
		run.warnf("%s: the run was interrupted before its planned end", MetaFile)
	}
	return run, nil
}

// stream reads one JSON-lines file of the run, recording a missing file or
// a cut-short last line as a warning.
func stream[T any](run *Run, name string, fast func([]byte, *T) bool, each func(*T, int) error) error {
	path := filepath.Join(run.Dir, name)
	warning, missing, err := readJSONL(path, name, fast, each)
	if err != nil {
		return err
	}
	if missing {
		run.warnf("%s: missing; read as empty", name)
	}
	if warning != "" {
		run.Warnings = append(run.Warnings, warning)
	}
	return nil
}

func (r *Run) warnf(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

func validState(s string) bool {
	return s == "closed" || s == "open" || s == "half-open"
}
