package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// IsRunDir reports whether dir holds a recorded run (has a meta.json).
func IsRunDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, record.MetaFile))
	return err == nil && st.Mode().IsRegular()
}

// Load reads the recorded run in dir with the readers of [record],
// streaming its records into per-dependency aggregates, so its memory does
// not grow with the number of calls. A run cut
// short loads too: a half-written last line, a missing log, a missing
// verdict.json or a meta.json without ended_ns become entries in
// [Run.Warnings]. A malformed record anywhere else, or a record reports cannot
// draw (an end before its start, an empty dependency name), is an error
// naming the file and line.
func Load(dir string) (*Run, error) {
	meta, err := record.ReadMeta(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", record.ErrNotRunDir, dir)
		}
		return nil, err
	}
	run := &Run{Dir: dir, meta: meta}
	l, err := newLoader(run)
	if err != nil {
		return nil, err
	}
	if err := l.readRecords(); err != nil {
		return nil, err
	}
	byTime := func(a, b record.Transition) int { return cmp.Compare(a.AtNs, b.AtNs) }
	for _, d := range run.deps {
		slices.SortStableFunc(d.Inferred, byTime)
		slices.SortStableFunc(d.Reported, byTime)
		slices.SortStableFunc(d.Sampled, byTime)
	}

	m := &run.meta
	switch v, err := record.ReadVerdict(dir); {
	case err == nil:
		if v.Incomplete == "" {
			// A verdict written without looking at meta.json: say here what it would.
			v.MarkIncomplete(m.Incomplete())
		}
		run.verdict = v
		if !run.inferred {
			run.warnf("%s: missing (checked before the checker inferred states); the breaker's state is shown as it reported it", record.InferredFile)
		}
	case errors.Is(err, fs.ErrNotExist):
		run.warnf("%s: missing; every check is reported as not checked", record.VerdictFile)
	default:
		return nil, err
	}

	run.endNs = m.EndedNs
	if m.EndedNs <= 0 {
		run.endNs = l.last
		run.warnf("%s: no ended_ns, the run was cut short; its report ends at the last event recorded (%s)", record.MetaFile, fmtNs(l.last))
	}
	if m.Interrupted {
		run.warnf("%s: the run was interrupted before its planned end", record.MetaFile)
	}
	return run, nil
}

// loader streams a run's records into its per-dependency aggregates.
type loader struct {
	run     *Run
	byName  map[string]*depStats
	width   int64 // the series' first bucket width
	busyEnd int64 // where time in flight stops counting
	last    int64 // the latest event time seen
}

// newLoader starts the aggregates of the dependencies meta.json names, in
// its order.
func newLoader(run *Run) (*loader, error) {
	m := &run.meta
	l := &loader{run: run, byName: map[string]*depStats{}, width: storedWidth(time.Duration(m.DurationNs))}
	// Time in flight counts up to the recorded end, where the plots end.
	l.busyEnd = maxStoredBuckets * l.width
	if m.EndedNs > 0 {
		l.busyEnd = min(l.busyEnd, m.EndedNs)
	}
	for i, dm := range m.Dependencies {
		if _, dup := l.byName[dm.Name]; dup || dm.Name == "" {
			return nil, fmt.Errorf("reports: %s: dependencies[%d]: name %q is empty or repeated",
				filepath.Join(run.Dir, record.MetaFile), i, dm.Name)
		}
		d, _ := l.dep(dm.Name)
		d.Meta = dm
	}
	return l, nil
}

// dep returns the aggregates of the dependency called name, starting them
// for a dependency that appears only in the records.
func (l *loader) dep(name string) (*depStats, error) {
	if d, ok := l.byName[name]; ok {
		return d, nil
	}
	if name == "" {
		return nil, record.Invalid(errors.New(`key "dep": empty name`))
	}
	d := &depStats{Name: name, Faults: map[string]int64{}, series: newSeries(l.width)}
	d.series.busyEnd = l.busyEnd
	l.byName[name] = d
	l.run.deps = append(l.run.deps, d)
	return d, nil
}

// readRecords streams the calls, the dependency requests, the reported and
// the inferred transitions and the snapshots into the aggregates.
func (l *loader) readRecords() error {
	run := l.run
	err := stream(run, record.CallsFile, record.EachCall, func(c *record.Call) error {
		d, err := l.dep(c.Dep)
		if err != nil {
			return err
		}
		l.last = max(l.last, c.EndNs)
		return record.Invalid(d.addCall(c))
	})
	if err == nil {
		err = stream(run, record.DependencyFile, record.EachDepRequest, func(r *record.DepRequest) error {
			d, err := l.dep(r.Dep)
			if err != nil {
				return err
			}
			l.last = max(l.last, r.AtNs)
			d.addRequest(r)
			return nil
		})
	}
	if err == nil && l.run.meta.Windows() {
		err = stream(run, record.OmittedFile, record.EachOmitted, func(o *record.Omitted) error {
			d, err := l.dep(o.Dep)
			if err != nil {
				return err
			}
			l.last = max(l.last, o.EndNs)
			d.addOmitted(o)
			return nil
		})
	}
	if err == nil {
		err = stream(run, record.TransitionsFile, record.EachTransition, func(t *record.Transition) error {
			d, err := l.dep(t.Dep)
			if err != nil {
				return err
			}
			l.last = max(l.last, t.AtNs)
			d.Reported = append(d.Reported, *t)
			return nil
		})
	}
	if err == nil {
		err = l.readInferred()
	}
	if err == nil {
		err = stream(run, record.SnapshotsFile, record.EachSnapshot, func(s *record.Snapshot) error {
			d, err := l.dep(s.Dep)
			if err != nil {
				return err
			}
			l.last = max(l.last, s.AtNs)
			d.addSnapshot(s)
			return nil
		})
	}
	return err
}

// readInferred streams inferred.jsonl, the transitions the checker
// inferred, when the run has it.
func (l *loader) readInferred() error {
	if _, err := os.Stat(filepath.Join(l.run.Dir, record.InferredFile)); err != nil {
		return nil // not checked, or checked before inferred.jsonl existed: Load says which
	}
	l.run.inferred = true
	return stream(l.run, record.InferredFile, record.EachTransition, func(t *record.Transition) error {
		d, err := l.dep(t.Dep)
		if err != nil {
			return err
		}
		d.Inferred = append(d.Inferred, *t)
		return nil
	})
}

// stream reads the run's file name (or its schema-1 form, see
// [record.OpenFile]) with each, one of record's readers, passing every
// record to fn. A missing file and a cut-short last record become warnings.
func stream[T any](run *Run, name string, each func(io.Reader, string, func(*T) error) ([]string, error), fn func(*T) error) error {
	f, err := record.OpenFile(run.Dir, name)
	if errors.Is(err, fs.ErrNotExist) {
		run.warnf("%s: missing; read as empty", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	defer f.Close()
	path := f.Name()
	warnings, err := each(f, path, fn)
	for _, w := range warnings {
		// Errors name the file by its path; warnings name it relative to
		// the run, so that reports do not depend on where the run lives.
		if rest, ok := strings.CutPrefix(w, path); ok {
			w = filepath.Base(path) + rest
		}
		run.Warnings = append(run.Warnings, w)
	}
	return err
}

func (r *Run) warnf(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}
