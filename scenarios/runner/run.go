package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Options tune a run. The zero value runs the scenario as written against
// the reference breaker, into ./out.
type Options struct {
	// Out is the parent directory; the run is recorded in Out/<scenario name>.
	// Empty means "out".
	Out string
	// Seed, if not zero, replaces the scenario's seed.
	Seed uint64
	// Mode, if not empty, replaces the scenario's mode. Stress mode needs a
	// scenario with a stress section, sim and live one with a load profile;
	// otherwise Run returns an error matching [scenarios.ErrModeMismatch].
	Mode scenarios.Mode
	// Breaker is the implementation to drive. The zero value means
	// [Reference]. An implementation other than the reference also names the
	// run directory, Out/<scenario>@<name>, so that runs of one scenario
	// against several implementations sit side by side.
	Breaker Implementation
	// Progress, if not nil, is called about every ProgressEvery of wall time
	// (sim: every simulated second) from one goroutine at a time; it must
	// return quickly.
	Progress func(Progress)
	// ProgressEvery is the live progress interval. Zero means 250 ms.
	ProgressEvery time.Duration
	// Observe, if not nil, is called in live, stress and external mode once
	// the run's breakers and fakes exist and before the load starts, with a
	// read-only [View] of them (e.g. to serve metrics while the run goes); the
	// function it returns, if not nil, is called once the load has stopped
	// and the last snapshots are taken, before the records are checked.
	// Sim mode does not call it: its breakers run on a virtual clock.
	Observe func(*View) (end func())
	// Record is how much of the run to record: record.LevelFull (also
	// when empty) or record.LevelWindows, which keeps the calls near each
	// change of result and aggregates of the rest, for runs too long to
	// keep every call (docs/run-directory.md says which checks stay exact).
	Record string
	// WindowCalls is, at the windows level, how many like calls are kept
	// at each end of a run of them; 0 means record.DefaultWindowCalls.
	WindowCalls int
	// CheckWindowCalls, when above 0, has a run recorded in full judged at
	// the windows level with windows of this many calls, streamed from its
	// files (check.Options.WindowCalls): every call stays on disk, and the
	// checker's memory no longer grows with the run. Negative is an error.
	CheckWindowCalls int
}

// Progress is a run's state while it goes, for a progress line.
type Progress struct {
	Scenario string
	Label    string        // the run directory's name: the scenario, and "@" and the implementation unless it is the reference
	Elapsed  time.Duration // run time so far (virtual in sim)
	Duration time.Duration // planned
	Calls    uint64        // attempted calls so far
	Rate     float64       // calls per second of run time so far
	States   []DepState    // each breaker's state as it reports it, in dependency order (none for a breaker that does not)
}

// DepState is one breaker's state in a [Progress].
type DepState struct {
	Dep   string
	State breaker.State
}

// Result is what a run did and what the checker found.
type Result struct {
	Scenario    string
	Breaker     string // the implementation's name
	Label       string // the scenario, "@" and the implementation unless it is the reference: the run directory's name
	Dir         string // the run directory
	Mode        scenarios.Mode
	Seed        uint64
	Elapsed     time.Duration // run time (virtual in sim)
	Wall        time.Duration // wall-clock time the run took
	Interrupted bool          // stopped early by the context
	Stats       record.Stats  // the checker's counts
	Verdict     *record.Verdict
	// Live is the load generator's view (live mode only).
	Live *LiveStats
	// Stress is what the callers did (stress mode only).
	Stress *StressStats
}

// Passed reports whether the run passed: a check was judged, every check
// judged held, and the run was complete ([record.Verdict.Status]).
func (r *Result) Passed() bool { return r.Verdict != nil && r.Verdict.Status() == record.StatusPassed }

// LiveStats is what vegeta measured in a live run.
type LiveStats struct {
	TargetRate   float64       // mean target rate, calls per second
	AchievedRate float64       // vegeta's achieved request rate
	Requests     uint64        // requests sent
	P50, P90     time.Duration // latency percentiles as vegeta measured them
	P99, Max     time.Duration
	Success      float64 // share of 2xx answers
}

// RunDir returns the directory [Run] records sc in with these options:
// Out/<scenario>, or Out/<scenario>@<implementation> for an implementation
// other than the reference.
func (o Options) RunDir(sc *scenarios.Scenario) string {
	out, name := o.Out, o.Breaker.Name
	if out == "" {
		out = "out"
	}
	if cmp.Or(o.Mode, sc.Mode) == scenarios.ModeExternal {
		return filepath.Join(out, sc.Name) // the breaker is the service's
	}
	if o.Breaker.New == nil {
		name = Reference.Name
	}
	if name == "" {
		name = "custom"
	}
	if name == Reference.Name {
		return filepath.Join(out, sc.Name)
	}
	return filepath.Join(out, sc.Name+"@"+name)
}

// Run runs sc, records it under opts.Out, checks the records and writes
// verdict.json. The run directory ([Options.RunDir]) belongs to the run:
// the files an earlier run left there are removed first, and a directory
// that holds other files (no meta.json) is refused with an error matching
// [record.ErrNotRunDir]. When ctx is cancelled mid-run the load stops, the
// records are flushed and checked, and the error matches [ErrInterrupted];
// the Result is still complete and its verdict says the run is incomplete.
// A live run whose generator fell short of the target rate returns a Result
// and an error matching [ErrRateShort], and its verdict says so too. A
// stress run that reaches the scenario's duration before its callers are
// done is not an error: [StressStats.TimeBound] says so.
//
// A run that cannot go because of its setup returns an error matching
// [ErrSetup] (the implementation refuses the scenario's breaker config, a
// fake cannot be served, …) or [scenarios.ErrModeMismatch] (a mode the
// scenario or the implementation cannot run in): it is not judged. Its
// Result, if any, has no verdict, and what it had recorded is removed.
//
// In a binary built with -race, a data race the race detector reports while
// the run goes fails the verdict's race check ([record.RaceCheckID]): Run
// reads the detector's count, and its reports from a pipe that stands in
// for the process's stderr (file descriptor 2) while the run goes, copying
// everything that comes through to the real stderr at once. A goroutine
// started during the run and still alive after it fails I11, named by its
// stack (go.uber.org/goleak).
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	r, err := newRunner(sc, opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// newRunner fills in opts' defaults, resolves the mode, the seed and the run
// directory, refuses a run that cannot go, and clears the directory.
func newRunner(sc *scenarios.Scenario, opts Options) (*runner, error) {
	mode := cmp.Or(opts.Mode, sc.Mode.OrDefault())
	seed := cmp.Or(opts.Seed, sc.Seed, 1)
	opts.Out = cmp.Or(opts.Out, "out")
	if opts.Breaker.New == nil {
		opts.Breaker = Reference
	}
	opts.Breaker.Name = cmp.Or(opts.Breaker.Name, "custom")
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 250 * time.Millisecond
	}
	if err := sc.CanRun(mode); err != nil {
		return nil, err
	}
	if mode == scenarios.ModeSim && !opts.Breaker.Clock {
		return nil, fmt.Errorf("%w: %s: breaker %q does not declare that it reads time only through Config.Now (Implementation.Clock), so it cannot run on sim mode's virtual clock; run it in live or stress mode (--mode live, --mode stress)",
			scenarios.ErrModeMismatch, sc.Name, opts.Breaker.Name)
	}
	switch opts.Record {
	case "", record.LevelFull:
	case record.LevelWindows:
		opts.WindowCalls = cmp.Or(opts.WindowCalls, record.DefaultWindowCalls)
		if why := WindowsRefused(sc, mode, opts.WindowCalls); why != "" {
			return nil, fmt.Errorf("runner: %s: Options.Record %q, WindowCalls %d: %s", sc.Name, opts.Record, opts.WindowCalls, why)
		}
	default:
		return nil, fmt.Errorf("runner: Options.Record %q, want %s or %s", opts.Record, record.LevelFull, record.LevelWindows)
	}
	if k := opts.CheckWindowCalls; k != 0 {
		why := "is negative"
		if k > 0 {
			why = WindowsRefused(sc, mode, k)
		}
		if why != "" {
			return nil, fmt.Errorf("runner: %s: Options.CheckWindowCalls %d: %s", sc.Name, k, why)
		}
	}
	dir := opts.RunDir(sc)
	r := &runner{sc: sc, opts: opts, mode: mode, seed: seed, label: filepath.Base(dir), dir: dir, impl: opts.Breaker.Name}
	if mode == scenarios.ModeExternal {
		r.reports = &record.Reports{} // the service's breaker reports nothing, unless its state is read
		r.impl = ""                   // and is the service's, not an implementation of ours
	}
	if err := clearRunDir(dir); err != nil {
		return nil, err
	}
	return r, nil
}

// run records the run, watching the race detector and the goroutines it
// leaves behind, then judges it.
func (r *runner) run(ctx context.Context) (*Result, error) {
	wallStart := time.Now()
	r.t0 = time.Now()
	if r.mode == scenarios.ModeSim {
		r.t0 = simEpoch
	}
	w, err := record.Create(r.dir, r.meta(), record.WriterOptions{Level: r.opts.Record, WindowCalls: r.opts.WindowCalls})
	if err != nil {
		return nil, err
	}
	r.w = w
	leaks := watchLeaks() // after Create: the writer's flusher is the record's, stopped by Close
	races := watchRaces()
	defer races.release()
	runErr := r.runMode(ctx)
	race := races.stop(r.raceTime)
	if errors.Is(runErr, ErrSetup) {
		return r.notRun(runErr, wallStart)
	}
	leaked := leaks.find()
	interrupted := ctx.Err() != nil
	meta, err := r.end(runErr, interrupted, leaked, race)
	if err != nil && runErr == nil {
		runErr = err
	}
	res := &Result{
		Scenario: r.sc.Name, Breaker: r.impl, Label: r.label, Dir: r.dir, Mode: r.mode, Seed: r.seed,
		Elapsed: r.elapsed, Wall: time.Since(wallStart), Interrupted: interrupted, Live: r.live, Stress: r.stress,
	}
	return r.judge(res, &meta, runErr)
}

// notRun ends a run that could not go because of its setup (runErr): what
// it recorded says nothing of the breaker, so it is removed, unjudged.
func (r *runner) notRun(runErr error, wallStart time.Time) (*Result, error) {
	err := errors.Join(r.w.Close(), clearRunDir(r.dir))
	res := &Result{Scenario: r.sc.Name, Breaker: r.impl, Label: r.label, Dir: r.dir, Mode: r.mode, Seed: r.seed,
		Elapsed: r.elapsed, Wall: time.Since(wallStart)}
	return res, errors.Join(runErr, err)
}

// runMode runs the scenario in its mode.
func (r *runner) runMode(ctx context.Context) error {
	switch r.mode {
	case scenarios.ModeSim:
		return r.runSim(ctx)
	case scenarios.ModeLive:
		return r.runLive(ctx)
	case scenarios.ModeStress:
		return r.runStress(ctx)
	case scenarios.ModeExternal:
		return r.runExternal(ctx)
	}
	return fmt.Errorf("runner: %s: unknown mode %q", r.sc.Name, r.mode)
}

// raceTime is when a race report read at wall time at happened in run time:
// in sim, whose clock is virtual, the end of the run.
func (r *runner) raceTime(at time.Time) int64 {
	if r.mode == scenarios.ModeSim {
		return int64(r.elapsed)
	}
	return int64(at.Sub(r.t0))
}

// end records how the run ended in meta.json, closes the record, and
// returns meta.json's final contents.
func (r *runner) end(runErr error, interrupted bool, leaked []record.Leak, race *record.Race) (record.Meta, error) {
	var meta record.Meta
	r.w.UpdateMeta(func(m *record.Meta) {
		m.EndedNs = int64(r.elapsed)
		m.Interrupted = interrupted || (runErr != nil && !errors.Is(runErr, ErrRateShort))
		n := len(leaked)
		m.LeakedGoroutines = &n
		m.Leaks = leaked[:min(n, record.MaxQuoted)]
		// An external run's breaker runs in the service's process; stress
		// runs, meant for the race detector, say when it was off.
		if r.mode != scenarios.ModeExternal && (race.Detector || r.mode == scenarios.ModeStress) {
			m.Race = race
		}
		if r.reports != nil {
			m.Reports = r.reports
		}
		m.Warnings = r.warnings
		if errors.Is(runErr, ErrRateShort) && r.live != nil {
			l := r.live
			m.Shortfall = fmt.Sprintf("%.0f/s of %.0f/s (%.0f%%)", l.AchievedRate, l.TargetRate, 100*l.AchievedRate/l.TargetRate)
		}
		meta = *m
	})
	return meta, r.w.Close()
}

// judge checks the records, writes verdict.json (with the race check and
// the leaked goroutines' stacks) and inferred.jsonl, and completes res.
func (r *runner) judge(res *Result, meta *record.Meta, runErr error) (*Result, error) {
	v, inferred, err := check.Dir(r.dir, check.Options{WindowCalls: r.opts.CheckWindowCalls})
	if err != nil {
		return res, errors.Join(runErr, fmt.Errorf("runner: checking %s: %w", r.dir, err))
	}
	if err := errors.Join(v.Write(r.dir), record.WriteInferred(r.dir, inferred)); err != nil {
		return res, errors.Join(runErr, err)
	}
	res.Verdict, res.Stats = &v, v.Stats
	if res.Interrupted {
		runErr = errors.Join(runErr, fmt.Errorf("%w: %s stopped after %s of %s", ErrInterrupted, r.sc.Name, r.elapsed.Round(time.Millisecond), r.sc.Duration))
	}
	return res, runErr
}

// clearRunDir removes what an earlier run left in dir: its record and its
// vegeta results. The reports clear their own files when they are written.
func clearRunDir(dir string) error {
	if err := record.Clear(dir); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, VegetaFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("runner: %w", err)
	}
	return nil
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// WindowsRefused says why sc, run in mode, cannot be recorded at the
// windows level with windows of windowCalls calls, or "" when it can
// ([record.WindowsRefused]).
func WindowsRefused(sc *scenarios.Scenario, mode scenarios.Mode, windowCalls int) string {
	var deps record.Meta // the breakers meta.json will name: their width rule is record's
	for i, dep := range sc.Dependencies {
		deps.Dependencies = append(deps.Dependencies, record.Dependency{Name: dep.Name, Breaker: breakerConfig(sc, i)})
	}
	return record.WindowsRefused(string(mode), deps.MinWindowCalls(), windowCalls)
}
