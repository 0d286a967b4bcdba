package record

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"

	"github.com/breakerlab/breakerlab/internal/hist"
)

// WindowsRefused says why a run in mode (sim, live, stress, external),
// whose dependencies need windows of at least least calls (MinWindowCalls),
// cannot be recorded or read at the windows level with windows of k calls,
// or "" when it can. The level reads the calls in the order they reach it
// as the order they ended (sim and live runs write them so) and matches
// requests to calls by seq, and it needs windows wide enough for a
// half-open period's probes.
func WindowsRefused(mode string, least, k int) string {
	switch {
	case mode == ModeExternal:
		return "external mode records every call (the windows level matches requests to calls by a seq the service need not send)"
	case mode == ModeStress:
		return "stress mode records every call (each caller writes its calls in one batch, not in the order they ended, which the windows level needs; a stress run is bounded by its iterations anyway)"
	case k < least:
		return fmt.Sprintf("needs windows of at least %d calls (success_threshold + half_open_max_calls), or a run of successes could hide probes", least)
	}
	return ""
}

// MinWindowCalls is the narrowest window the run's dependencies allow:
// the largest success_threshold + half_open_max_calls among them.
// A run that names no dependency is judged by the NFR-6 defaults.
func (m *Meta) MinWindowCalls() int {
	deps := m.Dependencies
	if len(deps) == 0 {
		deps = []Dependency{{}}
	}
	least := 0
	for _, d := range deps {
		c := d.Breaker.WithDefaults()
		least = max(least, c.SuccessThreshold+c.HalfOpenMaxCalls)
	}
	return least
}

// ReadWindows reads the run in dir at the windows level: a run recorded
// there as [Read] does, and a run recorded in full as if it had been
// recorded with windows of k calls (--record windows:k). Its calls and
// requests stream from the files through the windows filter, so what it
// holds is bounded by the calls near each change of result, and by the
// run's seconds (the omitted calls' aggregates), not by its calls. The
// Run's Meta says the windows level and Filtered is set. It refuses runs
// the level refuses ([WindowsRefused]).
func ReadWindows(dir string, k int) (*Run, error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	if meta.Windows() {
		return Read(dir)
	}
	if why := WindowsRefused(meta.Mode, meta.MinWindowCalls(), k); why != "" {
		return nil, fmt.Errorf("record: %s: reading at the windows level, with windows of %d calls: %s", dir, k, why)
	}
	run := &Run{Dir: dir, Meta: meta, Filtered: true, OmittedLatency: make(map[OmittedKey]*hist.Histogram)}
	run.Meta.RecordLevel, run.Meta.WindowCalls = LevelWindows, k
	win := newWindows(k, &run.Meta,
		func(c Call) { run.Calls = append(run.Calls, c) },
		func(r DepRequest) { run.DepRequests = append(run.DepRequests, r) },
		run.addOmitted)

	// A request reaches the fake while its call runs: the requests that
	// arrived by a call's end go into the filter before the call, to wait
	// for its decision.
	var depWarn, callWarn, transWarn, snapWarn []string
	var depErr error
	errStop := errors.New("stopped")
	requests := func(yield func(DepRequest) bool) {
		depErr = readFile(dir, DependencyFile, &depWarn, func(f *os.File, _ int64) ([]string, error) {
			return EachDepRequest(f, f.Name(), func(r *DepRequest) error {
				if !yield(*r) {
					return errStop
				}
				return nil
			})
		})
	}
	next, stop := iter.Pull(requests)
	defer stop()
	req, more := next()
	callErr := readFile(dir, CallsFile, &callWarn, func(f *os.File, _ int64) ([]string, error) {
		return EachCall(f, f.Name(), func(c *Call) error {
			for ; more && req.AtNs <= c.EndNs; req, more = next() {
				_ = win.request(req) // ErrClosed only after close
			}
			return win.call(*c)
		})
	})
	for ; more && callErr == nil; req, more = next() {
		_ = win.request(req)
	}
	stop()
	filterWarn := win.close()
	if errors.Is(depErr, errStop) {
		depErr = nil
	}
	if err := errors.Join(callErr, depErr, run.readReports(&transWarn, &snapWarn)); err != nil {
		return nil, err
	}
	run.Warnings = slices.Concat(callWarn, transWarn, depWarn, snapWarn, filterWarn)
	return run, nil
}
