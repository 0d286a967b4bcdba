package bench

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
)

// Path names, used in benchmark names (path=NAME) and [Impl.Skip].
const (
	PathClosedSuccess = "closed-success"  // closed, every call succeeds
	PathClosed1Pct    = "closed-1pct"     // closed, 1% of calls fail, never tripping
	PathOpenReject    = "open-reject"     // open for the whole run: every call is rejected
	PathHalfOpen      = "half-open-probe" // every call finds the recovery timeout passed and probes; probes fail
	PathStorm         = "storm"           // the dependency flaps every 2 ms; recovery timeout 1 ms
)

// errDependency is what a failing fake dependency returns. It is one value,
// so failing allocates nothing.
var errDependency = errors.New("bench: dependency failed")

// stormFlip is how often the storm path's dependency flips between healthy
// and failing.
const stormFlip = 2 * time.Millisecond

// onePctThreshold is the failure threshold of the closed-1pct path, which
// must never trip. Under contention outcomes are recorded in lock order, not
// call order: with hundreds of goroutines on two processors a failure can wait
// milliseconds for the lock while other goroutines' failures queue behind it
// and their successes pass lock-free, so dozens of 1% failures get recorded
// back to back (the RWMutex variant tripped at 5 and at 50, the reference at
// 50 with 512 goroutines). A goroutine has at most one failure pending, so a
// run of consecutive failures is never longer than the number of goroutines:
// 8192 is safe up to 256 × 32 processors. The cost of recording a failure and
// resetting the count does not depend on the threshold.
const onePctThreshold = 8192

// Path is one scenario the breaker is measured in: the settings, how to bring
// the breaker to its start state, the fake dependency, and the check that the
// breaker behaved as the path requires.
type Path struct {
	// Name identifies the path (path=NAME in benchmark names).
	Name string
	// Doc says in one line what a call on this path does.
	Doc string
	// Settings configure the breaker under test.
	Settings Settings

	prepare func(Breaker) error                  // bring the breaker to its start state
	dep     func(w *worker, e *env) func() error // the dependency, per goroutine
	check   func(t tally) error                  // did the breaker behave as the path requires?
}

// Paths returns the benchmark paths in a fixed order.
func Paths() []Path {
	nfr6 := NFR6()
	onePct := nfr6
	onePct.FailureThreshold = onePctThreshold
	halfOpen := nfr6
	halfOpen.RecoveryTimeout = time.Nanosecond
	storm := nfr6
	storm.RecoveryTimeout = time.Millisecond
	return []Path{
		{
			Name: PathClosedSuccess, Doc: "closed; every call succeeds", Settings: nfr6,
			prepare: func(Breaker) error { return nil },
			dep:     func(w *worker, _ *env) func() error { return w.succeed },
			check: func(t tally) error {
				return t.expect(t.ran == t.n && t.failed == 0 && t.state == breaker.Closed,
					"every call runs and the circuit stays closed")
			},
		},
		{
			Name: PathClosed1Pct, Doc: "closed; every 100th call of each goroutine fails; failure threshold 8192", Settings: onePct,
			prepare: func(Breaker) error { return nil },
			dep:     func(w *worker, _ *env) func() error { return w.failEvery100 },
			check: func(t tally) error {
				return t.expect(t.ran == t.n && t.state == breaker.Closed,
					"every call runs and the circuit stays closed")
			},
		},
		{
			Name: PathOpenReject, Doc: "open (60 s recovery timeout); every call is rejected", Settings: nfr6,
			prepare: func(b Breaker) error { return trip(b, nfr6.FailureThreshold, breaker.Open) },
			dep:     func(w *worker, _ *env) func() error { return w.succeed },
			check: func(t tally) error {
				return t.expect(t.ran == 0 && t.state == breaker.Open,
					"every call is rejected and the circuit stays open")
			},
		},
		{
			Name: PathHalfOpen, Doc: "recovery timeout 1 ns; every probe fails, reopening the circuit", Settings: halfOpen,
			// Some breakers move to half-open only when a call arrives.
			prepare: func(b Breaker) error { return trip(b, halfOpen.FailureThreshold, breaker.Open, breaker.HalfOpen) },
			dep:     func(w *worker, _ *env) func() error { return w.fail },
			check: func(t tally) error {
				return t.expect(t.ran >= 1 && t.ran == t.failed && t.state != breaker.Closed,
					"probes run, all fail, and the circuit never closes")
			},
		},
		{
			Name: PathStorm, Doc: "the dependency flips between healthy and failing every 2 ms; recovery timeout 1 ms", Settings: storm,
			prepare: func(Breaker) error { return nil },
			dep:     func(w *worker, e *env) func() error { return w.flapping(e.start) },
			check: func(t tally) error {
				if t.elapsed < 25*stormFlip {
					return t.expect(true, "") // too short to require every kind of outcome
				}
				return t.expect(t.ran > t.failed && t.failed > 0 && t.ran < t.n,
					"successes, failures and rejections all occur")
			},
		},
	}
}

// trip records failures that must open the circuit, and checks that the
// breaker then reports one of the states in want.
func trip(b Breaker, failures int, want ...breaker.State) error {
	fail := b.Bind(func() error { return errDependency })
	for range failures {
		_ = fail()
	}
	if got := b.State(); !slices.Contains(want, got) {
		return fmt.Errorf("after %d failures the breaker is %s, want %v", failures, got, want)
	}
	return nil
}

// worker is one benchmark goroutine's fake dependency and counters. It is
// padded to two cache lines so that goroutines never share one.
type worker struct {
	ran    uint64 // calls that reached the dependency
	failed uint64 // of those, calls that returned an error
	errs   uint64 // calls whose Execute returned an error (failures and rejections)
	phase  int    // position in the 1-in-100 failure cycle, or calls since the storm's last clock read
	down   bool   // the storm's dependency is failing
	_      [128 - 33]byte
}

func newWorker(id int) *worker {
	// Goroutines start their failure cycles at different points (37 is
	// coprime to 100), so failures from different goroutines do not line up.
	return &worker{phase: id * 37 % 100}
}

func (w *worker) succeed() error {
	w.ran++
	return nil
}

func (w *worker) fail() error {
	w.ran++
	w.failed++
	return errDependency
}

func (w *worker) failEvery100() error {
	w.ran++
	w.phase++
	if w.phase >= 100 {
		w.phase = 0
		w.failed++
		return errDependency
	}
	return nil
}

// flapping fails while the time since start, in whole stormFlip periods, is
// odd. It reads the clock once every 64 calls, so the flips cost the caller
// about 1/64 of a clock read and need no goroutine of their own (a flipping
// goroutine would not run at -cpu 1 while a serial loop holds the processor).
func (w *worker) flapping(start time.Time) func() error {
	return func() error {
		w.ran++
		w.phase++
		if w.phase&63 == 0 {
			w.down = (time.Since(start)/stormFlip)%2 == 1
		}
		if w.down {
			w.failed++
			return errDependency
		}
		return nil
	}
}

// env is the shared world of one benchmark run: when it started and the
// counters the goroutines add to when they finish.
type env struct {
	start      time.Time
	mu         sync.Mutex
	ran, fails uint64
	errs       uint64
}

// add folds one goroutine's counters into the totals.
func (e *env) add(w *worker) {
	e.mu.Lock()
	e.ran += w.ran
	e.fails += w.failed
	e.errs += w.errs
	e.mu.Unlock()
}

// tally is what one benchmark run observed.
type tally struct {
	n       uint64 // calls made
	ran     uint64 // calls that reached the dependency
	failed  uint64 // calls the dependency failed
	errs    uint64 // calls that returned an error
	state   breaker.State
	elapsed time.Duration
}

// expect checks the accounting every path shares — each call returned the
// dependency's error or a rejection, never anything else — and the path's own
// condition ok.
func (t tally) expect(ok bool, want string) error {
	rejected := t.n - t.ran
	if t.ran > t.n || t.errs != t.failed+rejected {
		return fmt.Errorf("accounting broken: %d calls, %d ran, %d failed, %d errors (want errors = failed + rejected = %d)",
			t.n, t.ran, t.failed, t.errs, t.failed+rejected)
	}
	if !ok {
		return fmt.Errorf("want: %s; got %d calls, %d ran, %d failed, %d rejected, final state %s",
			want, t.n, t.ran, t.failed, rejected, t.state)
	}
	return nil
}
