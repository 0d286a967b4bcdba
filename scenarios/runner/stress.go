package runner

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Stress-mode defaults.
const (
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

// stressLoad describes the stress callers for meta.json; Rate is filled in
// with the achieved rate when the run ends.
func stressLoad(s *scenarios.Stress) record.Load {
	desc := fmt.Sprintf("stress: %d goroutines × %d calls", s.Goroutines, s.Iterations)
	if raceEnabled {
		desc += ", race detector on"
	}
	return record.Load{Kind: "stress", Workers: s.Goroutines, Description: desc}
}

// stressDep is one dependency in a stress run: its breaker and fake, and
// what its callers do.
type stressDep struct {
	name   string
	b      *driven
	fake   *fakes.Fake
	client scenarios.Client
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
	since := func() time.Duration { return time.Since(r.t0) }

	// stop ends the run: callers start no more calls, and calls in flight
	// are cancelled through base.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	var stopped, timeBound atomic.Bool
	stop := func() { stopped.Store(true); cancelBase() }
	timer := time.AfterFunc(r.sc.Duration, func() { timeBound.Store(true); stop() })
	defer timer.Stop()
	unhook := context.AfterFunc(ctx, stop)
	defer unhook()

	deps, err := r.newStressDeps()
	if err != nil {
		return err
	}
	callers, begin, wait := r.startCallers(base, deps, &stopped)
	stopObserver := r.startObserver(since, callers)
	defer r.observe()()
	close(begin)
	wait()
	stop()
	r.elapsed = since()
	stopObserver()

	r.stress = r.stressStats(callers, timeBound.Load() && ctx.Err() == nil)
	r.w.UpdateMeta(func(m *record.Meta) { m.Load.Rate = r.stress.Rate })
	r.writeSnapshots(since)
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress(r.elapsed, r.stress.Calls))
	}
	return nil // an interruption is reported by Run, from ctx
}

// newStressDeps builds each dependency's fake and breaker on the real clock.
func (r *runner) newStressDeps() ([]*stressDep, error) {
	deps := make([]*stressDep, len(r.sc.Dependencies))
	var err error
	for i, dep := range r.sc.Dependencies {
		d := &stressDep{name: dep.Name, client: dep.Client, key: r.seed ^ hashString(dep.Name), weight: dep.Share()}
		if d.fake, err = r.newFake(i, nil); err != nil {
			return nil, err
		}
		if d.b, err = r.newBreaker(i, nil); err != nil {
			return nil, err
		}
		deps[i] = d
	}
	return deps, nil
}

// startCallers starts Stress.Goroutines callers, each of which makes its
// calls once begin is closed, until done or stopped; wait waits for them.
func (r *runner) startCallers(base context.Context, deps []*stressDep, stopped *atomic.Bool) (callers []*stressCaller, begin chan struct{}, wait func()) {
	st := r.sc.Stress
	chunk := min(max(stressBuffered/st.Goroutines, 16), 1024)
	callers = make([]*stressCaller, st.Goroutines)
	begin = make(chan struct{})
	var wg sync.WaitGroup
	for g := range callers {
		c := &stressCaller{r: r, deps: deps, credit: make([]float64, len(deps)), chunk: chunk,
			seq0: uint64(g) * uint64(st.Iterations)}
		callers[g] = c
		wg.Go(func() {
			<-begin
			c.run(base, st.Iterations, st.Backoff, stopped)
		})
	}
	return callers, begin, wg.Wait
}

// startObserver takes the breakers' snapshots every Stress.SnapshotEvery,
// and reports progress about every Options.ProgressEvery, from a goroutine
// of its own, until the returned function is called.
func (r *runner) startObserver(since func() time.Duration, callers []*stressCaller) (stop func()) {
	every := cmp.Or(r.sc.Stress.SnapshotEvery, defaultSnapshotEvery)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		nextProgress := r.opts.ProgressEvery
		for {
			select {
			case <-done:
				return
			case <-t.C:
				at := since()
				r.writeSnapshots(since)
				calls := callsMade(callers)
				if r.opts.Progress != nil && at >= nextProgress {
					nextProgress = at + r.opts.ProgressEvery
					r.opts.Progress(r.progress(at, calls))
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// stressStats sums up what the callers did; timeBound says the duration
// ran out (not Ctrl-C).
func (r *runner) stressStats(callers []*stressCaller, timeBound bool) *StressStats {
	st := r.sc.Stress
	stats := &StressStats{Goroutines: st.Goroutines, Iterations: st.Iterations,
		Planned: uint64(st.Goroutines) * uint64(st.Iterations), Race: raceEnabled}
	stats.Calls = callsMade(callers)
	stats.TimeBound = timeBound && stats.Calls < stats.Planned
	if r.elapsed > 0 {
		stats.Rate = float64(stats.Calls) / r.elapsed.Seconds()
	}
	return stats
}

// callsMade is how many calls the callers have made so far.
func callsMade(callers []*stressCaller) uint64 {
	var n uint64
	for _, c := range callers {
		n += c.made.Load()
	}
	return n
}
