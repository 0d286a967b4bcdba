package scenarios

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Stress is a scenario's `stress:` section: Goroutines callers, each making
// Iterations calls back to back through the breakers to the in-process
// fakes, on the real clock. It is required in stress mode and an error in
// the others.
type Stress struct {
	// Goroutines is how many callers run at once. Required: 1..10000.
	Goroutines int `yaml:"goroutines"`
	// Iterations is how many calls each caller makes; the scenario's
	// duration ends the run earlier if it comes first. Required: >= 1, with
	// Goroutines × Iterations at most 20 000 000.
	Iterations int `yaml:"iterations"`
	// Backoff is how long a caller waits after a rejected call before its
	// next, as a client honouring a Retry-After would. Zero means none: a
	// rejected caller calls again at once, hammering the rejection path.
	// Negative is an error.
	Backoff time.Duration `yaml:"backoff"`
	// SnapshotEvery is how often an observer goroutine reads every breaker's
	// Snapshot while the callers run (as a metrics scraper would) and records
	// it. Zero means 10 ms; negative is an error.
	SnapshotEvery time.Duration `yaml:"snapshot_every"`
}

// Stress-mode limits and defaults.
const (
	maxStressGoroutines  = 10_000
	defaultSnapshotEvery = 10 * time.Millisecond
	// stressBuffered bounds the records all callers hold at once: each
	// caller writes its own out every stressBuffered/Goroutines calls
	// (between 16 and 1024).
	stressBuffered = 1 << 18
)

// StressStats is what the callers of a stress run did.
type StressStats struct {
	Goroutines int
	Iterations int
	Planned    uint64  // Goroutines × Iterations
	Calls      uint64  // calls made; fewer than Planned when the run was cut short
	Rate       float64 // calls per second of run time
	// TimeBound is set when the scenario's duration ended the run before
	// every caller had made its calls.
	TimeBound bool
	// Race reports whether the binary was built with the race detector.
	Race bool
}

// load describes the stress callers for meta.json; Rate is filled in with
// the achieved rate when the run ends.
func (s *Stress) load() record.Load {
	desc := fmt.Sprintf("stress: %d goroutines × %d calls", s.Goroutines, s.Iterations)
	if raceEnabled {
		desc += ", race detector on"
	}
	return record.Load{Kind: "stress", Workers: s.Goroutines, Description: desc}
}

// validateStress checks a stress-mode scenario: a possible stress section,
// no load profile, and no fault that needs callers to share a counter.
func (sc *Scenario) validateStress(d *doc) []*FileError {
	var errs []*FileError
	add := func(path, format string, args ...any) {
		errs = append(errs, d.at(path, fmt.Sprintf(format, args...)))
	}
	if sc.Load.given() {
		add("$.load", "not used in stress mode, where stress.goroutines call back to back: remove load")
	}
	for i, dep := range sc.Dependencies {
		p := fmt.Sprintf("$.dependencies[%d]", i)
		if dep.Faults.MaxInFlight != 0 {
			add(p+".faults.max_in_flight", "not supported in stress mode: stress callers share no counter, so that the race detector sees only the breaker's synchronization")
		}
		for j, ph := range dep.Phases {
			if ph.MaxInFlight != 0 {
				add(fmt.Sprintf("%s.phases[%d].max_in_flight", p, j), "not supported in stress mode: stress callers share no counter")
			}
		}
		if dep.Flap != nil && dep.Flap.Faults.MaxInFlight != 0 {
			add(p+".flap.faults.max_in_flight", "not supported in stress mode: stress callers share no counter")
		}
	}
	s := sc.Stress
	if s == nil {
		add("$.stress", "missing: stress mode wants a stress section, e.g. {goroutines: 64, iterations: 2000}")
		return errs
	}
	switch {
	case s.Goroutines == 0:
		add("$.stress.goroutines", "missing: want the number of concurrent callers, 1..%d", maxStressGoroutines)
	case s.Goroutines < 0 || s.Goroutines > maxStressGoroutines:
		add("$.stress.goroutines", "%d: want 1..%d", s.Goroutines, maxStressGoroutines)
	}
	switch {
	case s.Iterations == 0:
		add("$.stress.iterations", "missing: want the number of calls each goroutine makes, >= 1")
	case s.Iterations < 0:
		add("$.stress.iterations", "%d: want >= 1", s.Iterations)
	case s.Goroutines > 0 && uint64(s.Goroutines)*uint64(s.Iterations) > maxSimCalls:
		add("$.stress.iterations", "%d goroutines × %d iterations is %d calls, want at most %d", s.Goroutines, s.Iterations,
			uint64(s.Goroutines)*uint64(s.Iterations), maxSimCalls)
	}
	if s.Backoff < 0 {
		add("$.stress.backoff", "want a duration >= 0 (0: none)")
	}
	if s.SnapshotEvery < 0 {
		add("$.stress.snapshot_every", "want a duration >= 0 (0: 10ms)")
	}
	return errs
}

// given reports whether any load key was set.
func (l LoadProfile) given() bool {
	return l.Rate != 0 || l.Ramp != nil || l.Sine != nil || len(l.Steps) > 0 ||
		l.Workers != 0 || l.MaxWorkers != 0 || l.Connections != 0
}

// CanRun reports whether sc can run in mode, which [Options.Mode] may
// impose ("" means the scenario's own): stress mode needs a stress section,
// sim and live a load profile. The error matches [ErrModeMismatch].
func (sc *Scenario) CanRun(mode Mode) error {
	if mode == "" {
		mode = sc.Mode.OrDefault()
	}
	switch {
	case mode != ModeSim && mode != ModeLive && mode != ModeStress:
		return fmt.Errorf("%w: %s: unknown mode %q, want sim, live or stress", ErrModeMismatch, sc.Name, mode)
	case mode == ModeStress && sc.Stress == nil:
		return fmt.Errorf("%w: %s: stress mode needs a stress section (goroutines, iterations); the scenario has none", ErrModeMismatch, sc.Name)
	case mode != ModeStress && sc.Stress != nil && !sc.Load.given():
		return fmt.Errorf("%w: %s: %s mode needs a load profile; this is a stress scenario, run it in stress mode", ErrModeMismatch, sc.Name, mode)
	}
	return nil
}

// stressDep is one dependency in a stress run: its breaker and fake, and
// what its callers do.
type stressDep struct {
	name   string
	b      Breaker
	fake   *fakes.Fake
	client Client
	key    uint64 // seeds the cancellation decisions
	weight float64
}

// runStress drives the scenario with Stress.Goroutines callers in this
// process, on the real clock: each makes Stress.Iterations calls through a
// breaker to its fake as fast as it can, until done or until the duration
// is up (calls still running then are cancelled by their callers: ignored).
//
// The callers share nothing but the breakers, so that the race detector
// judges the breaker's own synchronization: each numbers its calls from its
// own range, asks the fake for its decision (a pure function of the seed,
// the call and the time; [fakes.Fake.Decide]) and waits it out itself, and
// keeps its records in its own buffer, written out every 1024 calls (fewer
// with many goroutines).
func (r *runner) runStress(ctx context.Context) error {
	sc, st := r.sc, r.sc.Stress
	var err error
	since := func() time.Duration { return time.Since(r.t0) }

	// stop ends the run: callers start no more calls, and calls in flight
	// are cancelled through base.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	var stopped, timeBound atomic.Bool
	stop := func() { stopped.Store(true); cancelBase() }
	timer := time.AfterFunc(sc.Duration, func() { timeBound.Store(true); stop() })
	defer timer.Stop()
	unhook := context.AfterFunc(ctx, stop)
	defer unhook()

	deps := make([]*stressDep, len(sc.Dependencies))
	for i, dep := range sc.Dependencies {
		d := &stressDep{name: dep.Name, client: dep.Client, key: r.seed ^ hashString(dep.Name), weight: dep.weight()}
		if d.fake, err = r.newFake(i, nil); err != nil {
			return err
		}
		if d.b, err = r.newBreaker(i, nil); err != nil {
			return err
		}
		deps[i] = d
	}

	// The observer: snapshots and the progress line.
	every := durationOr(st.SnapshotEvery, defaultSnapshotEvery)
	stopObserver := make(chan struct{})
	var observer sync.WaitGroup
	observer.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		nextProgress := r.opts.ProgressEvery
		for {
			select {
			case <-stopObserver:
				return
			case <-t.C:
				at := since()
				calls := r.stressSnapshots(deps)
				if r.opts.Progress != nil && at >= nextProgress {
					nextProgress = at + r.opts.ProgressEvery
					r.opts.Progress(r.progress(at, calls))
				}
			}
		}
	})

	chunk := min(max(stressBuffered/st.Goroutines, 16), 1024)
	callers := make([]*stressCaller, st.Goroutines)
	begin := make(chan struct{})
	var wg sync.WaitGroup
	for g := range callers {
		c := &stressCaller{r: r, deps: deps, credit: make([]float64, len(deps)), chunk: chunk,
			seq0: uint64(g) * uint64(st.Iterations)}
		callers[g] = c
		wg.Go(func() {
			<-begin
			c.run(base, st.Iterations, st.Backoff, &stopped)
		})
	}
	close(begin)
	wg.Wait()
	stop()
	r.elapsed = since()
	close(stopObserver)
	observer.Wait()

	stats := &StressStats{Goroutines: st.Goroutines, Iterations: st.Iterations,
		Planned: uint64(st.Goroutines) * uint64(st.Iterations), Race: raceEnabled}
	for _, c := range callers {
		stats.Calls += c.made
	}
	stats.TimeBound = timeBound.Load() && stats.Calls < stats.Planned && ctx.Err() == nil
	if r.elapsed > 0 {
		stats.Rate = float64(stats.Calls) / r.elapsed.Seconds()
	}
	r.stress = stats
	r.w.UpdateMeta(func(m *record.Meta) { m.Load.Rate = stats.Rate })
	calls := r.stressSnapshots(deps)
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress(r.elapsed, calls))
	}
	return nil // an interruption is reported by Run, from ctx
}

// stressSnapshots records every breaker's snapshot, taken now, and returns
// the calls the breakers have seen (their totals).
func (r *runner) stressSnapshots(deps []*stressDep) uint64 {
	var calls uint64
	for _, d := range deps {
		s := d.b.Snapshot()
		r.w.WriteSnapshot(snapshotRecord(d.name, s, time.Since(r.t0)))
		calls += s.Totals.Success + s.Totals.Failure + s.Totals.Ignored + s.Totals.Rejected
	}
	return calls
}
