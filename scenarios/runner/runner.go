package runner

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// runner holds one run's shared state.
type runner struct {
	sc      *scenarios.Scenario
	opts    Options
	mode    scenarios.Mode
	seed    uint64
	label   string
	dir     string
	impl    string // the implementation's name for meta.json; "" in external mode
	w       *record.Writer
	t0      time.Time
	elapsed time.Duration // how far the run got
	live    *LiveStats
	stress  *StressStats
	// breakers are the dependencies' breakers in scenario order, for the
	// progress line and the snapshots.
	breakers []*driven
	// fakes are the dependencies' fakes in scenario order, for observers.
	fakes []*fakes.Fake
	// reports is what the breakers report about themselves, for meta.json.
	reports *record.Reports
	// warnings are the run's notes for meta.json: what did not fail a check
	// but makes the run less than it seems.
	warnings []string
}

// meta builds meta.json's contents.
func (r *runner) meta() record.Meta {
	sc := r.sc
	shape := sc.Load.Shape(sc.Duration)
	peak := 0.0
	for _, t := range []time.Duration{0, sc.Duration / 4, sc.Duration / 2, 3 * sc.Duration / 4, sc.Duration} {
		peak = max(peak, shape.Rate(t))
	}
	if s, ok := shape.(scenarios.Sine); ok {
		peak = float64(s.Mean + s.Amplitude)
	}
	m := record.Meta{
		SchemaVersion: record.SchemaVersion,
		Scenario:      sc.Name,
		Description:   sc.Description,
		Mode:          string(r.mode),
		Seed:          int64(r.seed),
		T0:            r.t0,
		DurationNs:    int64(sc.Duration),
		Load: record.Load{
			Kind: sc.Load.Kind(), Rate: peak, Description: shape.String(),
		},
		Expect:       r.expect(),
		ScenarioYAML: string(sc.Source),
		Breaker:      r.impl,
	}
	switch r.mode {
	case scenarios.ModeLive, scenarios.ModeExternal:
		m.Load.Workers = orInt(sc.Load.Workers, scenarios.DefaultWorkers)
	case scenarios.ModeStress:
		m.Load = stressLoad(sc.Stress)
	}
	for i, dep := range sc.Dependencies {
		m.Dependencies = append(m.Dependencies, record.Dependency{
			Name:            dep.Name,
			Preset:          dep.Preset,
			Breaker:         breakerConfig(sc, i),
			Phases:          sc.FaultPhases(i),
			ClientTimeoutNs: int64(dep.Client.Timeout),
		})
	}
	return m
}

// breakerConfig is dependency i's breaker configuration for meta.json.
func breakerConfig(sc *scenarios.Scenario, i int) record.BreakerConfig {
	spec := sc.BreakerSpec(i)
	return record.BreakerConfig{
		FailureThreshold: spec.FailureThreshold, SuccessThreshold: spec.SuccessThreshold,
		RecoveryTimeoutNs: int64(spec.RecoveryTimeout), HalfOpenMaxCalls: spec.HalfOpenMaxCalls,
	}
}

// expect converts the scenario's expectations for meta.json.
func (r *runner) expect() record.Expect {
	e := r.sc.Expect
	inv := e.Invariants
	if len(inv) == 0 {
		inv = scenarios.AllInvariants
	}
	p99 := e.MaxRejectionP99
	switch {
	case p99 != 0:
	case r.mode == scenarios.ModeExternal:
		p99 = externalRejectionP99 // a rejection crosses the service's HTTP stack
	case r.mode != scenarios.ModeSim:
		p99 = time.Millisecond
	}
	out := record.Expect{
		Invariants:        append([]string(nil), inv...),
		MaxRejectionP99Ns: int64(p99),
		MinServedRatio:    e.MinServedRatio,
		MaxTimeToCloseNs:  int64(e.MaxTimeToClose),
		MinOpens:          e.MinOpens,
		MaxOpens:          e.MaxOpens,
	}
	return out
}

// newFake builds dependency i's fake on clock now, recording to r.w.
func (r *runner) newFake(i int, now func() time.Time) (*fakes.Fake, error) {
	dep := r.sc.Dependencies[i]
	sched := dep.Schedule
	f, err := fakes.New(fakes.Config{
		Name:     dep.Name,
		Preset:   dep.Preset,
		Faults:   dep.Faults,
		Schedule: &sched,
		Seed:     int64(r.seed),
		LogSize:  1,
		Now:      now,
		Start:    r.t0,
		OnRecord: func(rec fakes.Record) {
			r.w.WriteDepRequest(record.DepRequest{
				Dep: rec.Fake, Seq: uint64(rec.Seq), AtNs: int64(rec.Elapsed), Fault: rec.Fault,
				LatencyNs: int64(rec.Latency), Status: rec.Status, Err: rec.Err, HungUp: rec.HungUp, SeqSent: rec.SeqSent,
				Attack: rec.Attack,
			})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: dependency %s: its fake: %w", ErrSetup, r.sc.Name, dep.Name, err)
	}
	r.fakes = append(r.fakes, f)
	return f, nil
}

// newBreaker builds dependency i's breaker on clock now (nil: the wall
// clock), recording the transitions it reports relative to r.t0.
func (r *runner) newBreaker(i int, now func() time.Time) (*driven, error) {
	dep := r.sc.Dependencies[i]
	spec := r.sc.BreakerSpec(i)
	impl := r.opts.Breaker
	cfg := breaker.Config{
		Name: dep.Name, FailureThreshold: spec.FailureThreshold, SuccessThreshold: spec.SuccessThreshold,
		RecoveryTimeout: spec.RecoveryTimeout, HalfOpenMaxCalls: spec.HalfOpenMaxCalls,
		Now: now, Logger: quietLogger,
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if impl.Transitions {
		cfg.OnStateChange = func(t breaker.Transition) {
			tr := record.Transition{
				Dep: dep.Name, From: recordState(t.From), To: recordState(t.To),
				AtNs: int64(t.At.Sub(r.t0)), Reason: t.Reason,
			}
			if impl.Generations {
				tr.Gen = t.Generation
			}
			r.w.WriteTransition(tr)
		}
	}
	b, err := impl.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: dependency %s: breaker %q refuses the scenario's config: %w", ErrSetup, r.sc.Name, dep.Name, impl.Name, err)
	}
	d := &driven{name: dep.Name, b: b, gens: impl.Generations}
	d.two, _ = b.(Allower)
	if r.reports == nil {
		rep := impl.Reports(b)
		r.reports = &rep
	}
	r.breakers = append(r.breakers, d)
	return d, nil
}

// progress is the progress line's state at run time at, after calls calls.
func (r *runner) progress(at time.Duration, calls uint64) Progress {
	p := Progress{Scenario: r.sc.Name, Label: r.label, Elapsed: at, Duration: r.sc.Duration, Calls: calls}
	if at > 0 {
		p.Rate = float64(calls) / at.Seconds()
	}
	for _, d := range r.breakers {
		if s, ok := d.state(); ok {
			p.States = append(p.States, DepState{Dep: d.name, State: s})
		}
	}
	return p
}

// writeSnapshots records every breaker's report of itself now, by clock:
// each snapshot with the time it took to take.
func (r *runner) writeSnapshots(clock func() time.Duration) {
	for _, d := range r.breakers {
		at := clock()
		if s, ok := d.snapshot(at); ok {
			s.SpanNs = int64(clock() - at)
			r.w.WriteSnapshot(s)
		}
	}
}

// snapshotRecord is s, taken at run time at, in its record form.
func snapshotRecord(dep string, s breaker.Snapshot, at time.Duration) record.Snapshot {
	return record.Snapshot{
		Dep: dep, AtNs: int64(at), State: recordState(s.State), Gen: s.Generation,
		ConsecutiveFailures: s.ConsecutiveFailures, ConsecutiveSuccesses: s.ConsecutiveSuccesses,
		ProbesInFlight: s.ProbesInFlight,
		Totals: record.Totals{
			Success: s.Totals.Success, Failure: s.Totals.Failure,
			Ignored: s.Totals.Ignored, Rejected: s.Totals.Rejected,
		},
	}
}

// recordState maps a breaker state to its record form.
func recordState(s breaker.State) record.State {
	switch s {
	case breaker.Open:
		return record.StateOpen
	case breaker.HalfOpen:
		return record.StateHalfOpen
	}
	return record.StateClosed
}

// errText is an error's text for calls.bin, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// quietLogger discards the breaker's transition logs: runs record
// transitions themselves.
var quietLogger = slog.New(slog.DiscardHandler)
