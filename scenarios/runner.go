package scenarios

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// runner holds one run's shared state.
type runner struct {
	sc      *Scenario
	opts    Options
	mode    Mode
	seed    uint64
	dir     string
	w       *record.Writer
	t0      time.Time
	elapsed time.Duration // how far the run got
	live    *LiveStats
	stress  *StressStats
	// breakers are the dependencies' breakers in scenario order, for the
	// progress line; violations counts their illegal transitions (I1) online.
	breakers   []namedBreaker
	violations atomic.Int64
}

type namedBreaker struct {
	name string
	b    Breaker
}

// meta builds meta.json's contents.
func (r *runner) meta() record.Meta {
	sc := r.sc
	shape := sc.Load.Shape(sc.Duration)
	peak := 0.0
	for _, t := range []time.Duration{0, sc.Duration / 4, sc.Duration / 2, 3 * sc.Duration / 4, sc.Duration} {
		peak = max(peak, shape.Rate(t))
	}
	if s, ok := shape.(Sine); ok {
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
			Kind: sc.Load.kind(), Rate: peak, Description: shape.String(),
		},
		Expect:       r.expect(),
		ScenarioYAML: string(sc.Source),
		Breaker:      r.opts.BreakerName,
	}
	switch r.mode {
	case ModeLive:
		m.Load.Workers = orInt(sc.Load.Workers, defaultWorkers)
	case ModeStress:
		m.Load = sc.Stress.load()
	}
	for i, dep := range sc.Dependencies {
		spec := sc.BreakerSpec(i)
		m.Dependencies = append(m.Dependencies, record.Dependency{
			Name:   dep.Name,
			Preset: dep.Preset,
			Breaker: record.BreakerConfig{
				FailureThreshold: spec.FailureThreshold, SuccessThreshold: spec.SuccessThreshold,
				RecoveryTimeoutNs: int64(spec.RecoveryTimeout), HalfOpenMaxCalls: spec.HalfOpenMaxCalls,
			},
			Phases: phases(dep, sc.Duration),
		})
	}
	return m
}

// expect converts the scenario's expectations for meta.json.
func (r *runner) expect() record.Expect {
	e := r.sc.Expect
	inv := e.Invariants
	if len(inv) == 0 {
		inv = AllInvariants
	}
	p99 := e.MaxRejectionP99
	if p99 == 0 && (r.mode == ModeLive || r.mode == ModeStress) {
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
	return fakes.New(fakes.Config{
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
				LatencyNs: int64(rec.Latency), Status: rec.Status, Err: rec.Err,
			})
		},
	})
}

// newBreaker builds dependency i's breaker on clock now, recording its
// transitions relative to r.t0 and counting illegal ones into r.violations.
func (r *runner) newBreaker(i int, now func() time.Time) (Breaker, error) {
	dep := r.sc.Dependencies[i]
	cfg := r.sc.BreakerSpec(i).Config(dep.Name)
	cfg.Now = now
	cfg.Logger = quietLogger
	var mu sync.Mutex // transitions of one breaker arrive in order, maybe on different goroutines
	last := breaker.Closed
	cfg.OnStateChange = func(t breaker.Transition) {
		r.w.WriteTransition(record.Transition{
			Dep: dep.Name, From: recordState(t.From), To: recordState(t.To),
			AtNs: int64(t.At.Sub(r.t0)), Gen: t.Generation, Reason: t.Reason,
		})
		mu.Lock()
		if !legalTransition(last, t) {
			r.violations.Add(1)
		}
		last = t.To
		mu.Unlock()
	}
	b, err := r.opts.Breaker(cfg)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %s: dependency %s: %w", r.sc.Name, dep.Name, err)
	}
	r.breakers = append(r.breakers, namedBreaker{dep.Name, b})
	return b, nil
}

// legalTransition reports whether t may follow a transition to last (I1), for
// the progress line; the checker does the full job afterwards.
func legalTransition(last breaker.State, t breaker.Transition) bool {
	return t.From == last && (t.Reason == "reset" && t.To == breaker.Closed ||
		t.From == breaker.Closed && t.To == breaker.Open ||
		t.From == breaker.Open && t.To == breaker.HalfOpen ||
		t.From == breaker.HalfOpen && (t.To == breaker.Closed || t.To == breaker.Open))
}

// progress is the progress line's state at run time at, after calls calls.
func (r *runner) progress(at time.Duration, calls uint64) Progress {
	p := Progress{Scenario: r.sc.Name, Elapsed: at, Duration: r.sc.Duration, Calls: calls, Violations: int(r.violations.Load())}
	if at > 0 {
		p.Rate = float64(calls) / at.Seconds()
	}
	for _, d := range r.breakers {
		p.States = append(p.States, DepState{Dep: d.name, State: d.b.Snapshot().State})
	}
	return p
}

// writeSnapshot records b's snapshot at run time at.
func (r *runner) writeSnapshot(dep string, b Breaker, at time.Duration) {
	r.w.WriteSnapshot(snapshotRecord(dep, b.Snapshot(), at))
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

// recordOutcome maps a breaker outcome to its record form.
func recordOutcome(o breaker.Outcome) record.Outcome {
	switch o {
	case breaker.Success:
		return record.OutcomeSuccess
	case breaker.Failure:
		return record.OutcomeFailure
	case breaker.Ignored:
		return record.OutcomeIgnored
	}
	return record.OutcomeRejected
}

// errText is an error's text for calls.jsonl, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
