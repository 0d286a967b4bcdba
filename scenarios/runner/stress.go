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
		d := &stressDep{name: dep.Name, client: dep.Client, key: r.seed ^ hashString(dep.Name), weight: dep.Share()}
		if d.fake, err = r.newFake(i, nil); err != nil {
			return err
		}
		if d.b, err = r.newBreaker(i, nil); err != nil {
			return err
		}
		deps[i] = d
	}

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
	// The observer: snapshots and the progress line.
	every := cmp.Or(st.SnapshotEvery, defaultSnapshotEvery)
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
				r.writeSnapshots(since)
				calls := callsMade(callers)
				if r.opts.Progress != nil && at >= nextProgress {
					nextProgress = at + r.opts.ProgressEvery
					r.opts.Progress(r.progress(at, calls))
				}
			}
		}
	})

	defer r.observe()()
	close(begin)
	wg.Wait()
	stop()
	r.elapsed = since()
	close(stopObserver)
	observer.Wait()

	stats := &StressStats{Goroutines: st.Goroutines, Iterations: st.Iterations,
		Planned: uint64(st.Goroutines) * uint64(st.Iterations), Race: raceEnabled}
	stats.Calls = callsMade(callers)
	stats.TimeBound = timeBound.Load() && stats.Calls < stats.Planned && ctx.Err() == nil
	if r.elapsed > 0 {
		stats.Rate = float64(stats.Calls) / r.elapsed.Seconds()
	}
	r.stress = stats
	r.w.UpdateMeta(func(m *record.Meta) { m.Load.Rate = stats.Rate })
	r.writeSnapshots(since)
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress(r.elapsed, stats.Calls))
	}
	return nil // an interruption is reported by Run, from ctx
}

// callsMade is how many calls the callers have made so far.
func callsMade(callers []*stressCaller) uint64 {
	var n uint64
	for _, c := range callers {
		n += c.made.Load()
	}
	return n
}
