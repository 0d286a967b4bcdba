package scenarios

import (
	"fmt"
	"time"
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

// maxStressGoroutines bounds stress.goroutines.
const maxStressGoroutines = 10_000

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
	case mode != ModeSim && mode != ModeLive && mode != ModeStress && mode != ModeExternal:
		return fmt.Errorf("%w: %s: unknown mode %q, want sim, live, stress or external", ErrModeMismatch, sc.Name, mode)
	case mode == ModeExternal:
		return sc.canRunExternal()
	case mode == ModeStress && sc.Stress == nil:
		return fmt.Errorf("%w: %s: stress mode needs a stress section (goroutines, iterations); the scenario has none", ErrModeMismatch, sc.Name)
	case mode != ModeStress && sc.Stress != nil && !sc.Load.given():
		return fmt.Errorf("%w: %s: %s mode needs a load profile; this is a stress scenario, run it in stress mode", ErrModeMismatch, sc.Name, mode)
	}
	return nil
}
