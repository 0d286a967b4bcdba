package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The fixture generator records deterministic runs with record's writer and
// a small breaker model, so that tests and the benchmark read realistic
// logs without depending on the runner.

type genPhase struct {
	at        time.Duration
	label     string
	errorRate float64
	latency   time.Duration // median; the tail is lognormal
	fixed     bool          // every call takes latency exactly
	fault     string
}

// genStep is a step of a stepped load: from at on, rate calls per second.
type genStep struct {
	at   time.Duration
	rate float64
}

type genDep struct {
	name     string
	preset   string
	phases   []genPhase
	fallback bool // serve a fallback after failures and rejections
}

type genRun struct {
	name        string
	description string
	mode        string
	seed        uint64
	duration    time.Duration
	rate        float64   // calls per second per dependency
	steps       []genStep // if set, replaces rate: a stepped load
	breaker     string    // the implementation's name in meta.json
	recovery    time.Duration
	deps        []genDep
	verdict     *record.Verdict // written when not nil, with inferred.jsonl: the model's transitions
	cutShort    bool            // no ended_ns, the end of calls.bin cut off
	// reports is what the breaker reports about itself (meta.json); nil
	// is everything. A breaker that reports no transitions leaves
	// transitions.jsonl empty, one that reports no state has no snapshots.
	reports *record.Reports
}

const (
	genFailureThreshold = 5
	genSuccessThreshold = 2
	genRejectLatency    = 2 * time.Microsecond
)

// write generates the run into dir.
func (g genRun) write(dir string) error {
	meta := record.Meta{
		SchemaVersion: record.SchemaVersion, Scenario: g.name, Description: g.description, Mode: g.mode, Seed: int64(g.seed),
		T0: time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC), DurationNs: int64(g.duration),
		Load: record.Load{Kind: "constant", Rate: g.rate, Description: fmt.Sprintf("%g/s", g.rate)},
		Expect: record.Expect{Invariants: []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11"},
			MaxRejectionP99Ns: int64(time.Millisecond)},
		ScenarioYAML: "name: " + g.name + "\nmode: " + g.mode + "\n",
		Breaker:      g.breaker,
		Reports:      g.reports,
	}
	if len(g.steps) > 0 {
		meta.Load = record.Load{Kind: "steps", Rate: g.steps[len(g.steps)-1].rate, Description: "steps"}
	}
	for _, dep := range g.deps {
		dm := record.Dependency{Name: dep.name, Preset: dep.preset, Breaker: record.BreakerConfig{
			FailureThreshold: genFailureThreshold, SuccessThreshold: genSuccessThreshold,
			RecoveryTimeoutNs: int64(g.recovery), HalfOpenMaxCalls: genSuccessThreshold}}
		for _, ph := range dep.phases {
			dm.Phases = append(dm.Phases, record.Phase{AtNs: int64(ph.at), Label: ph.label})
		}
		meta.Dependencies = append(meta.Dependencies, dm)
	}
	w, err := record.Create(dir, meta, record.WriterOptions{BufferSize: 1 << 20})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(g.seed, 0x5eed))
	starts, end := g.startTimes()
	var inferred []record.Transition
	for _, dep := range g.deps {
		var ts []record.Transition
		if ts, err = g.writeDep(w, rng, dep, starts, end); err != nil {
			break
		}
		inferred = append(inferred, ts...)
	}
	w.UpdateMeta(func(m *record.Meta) {
		if g.cutShort {
			m.Interrupted = true
		} else {
			m.EndedNs = int64(g.duration)
		}
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if g.cutShort {
		// A killed writer leaves its compressed stream without its end (and
		// the last block cut), and no final snapshot.
		path := filepath.Join(dir, record.CallsFile)
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		if err := os.Truncate(path, st.Size()-12); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(dir, record.SnapshotsFile)); err != nil {
			return err
		}
	}
	if g.verdict != nil {
		return errors.Join(g.verdict.Write(dir), record.WriteInferred(dir, inferred))
	}
	return nil
}

// update rewrites what the tests define of a committed fixture —
// verdict.json and inferred.jsonl — and leaves its records as they are (the
// committed ones were recorded with schema 1: they prove that old runs
// still load); a fixture not on disk is recorded whole, in the current
// schema.
func (g genRun) update(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, record.MetaFile)); err != nil {
		return g.write(dir)
	}
	tmp, err := os.MkdirTemp("", "fixture")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := g.write(tmp); err != nil {
		return err
	}
	for _, name := range []string{record.VerdictFile, record.InferredFile} {
		data, err := os.ReadFile(filepath.Join(tmp, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			err = os.Remove(filepath.Join(dir, name))
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		case err == nil:
			err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// startTimes returns when each call of a dependency starts, and when the
// load ends: one call every 1/rate, or the steps' rates in turn.
func (g genRun) startTimes() ([]time.Duration, time.Duration) {
	if len(g.steps) == 0 {
		interval := time.Duration(float64(time.Second) / g.rate)
		n := int(g.duration / interval)
		if g.cutShort {
			n = n * 6 / 10
		}
		starts := make([]time.Duration, n)
		for i := range starts {
			starts[i] = time.Duration(i) * interval
		}
		return starts, time.Duration(n) * interval
	}
	var starts []time.Duration
	for k, st := range g.steps {
		until := g.duration
		if k+1 < len(g.steps) {
			until = g.steps[k+1].at
		}
		interval := time.Duration(float64(time.Second) / st.rate)
		for t := st.at; t < until; t += interval {
			starts = append(starts, t)
		}
	}
	return starts, g.duration
}

// writeDep records a call of one dependency at each of starts through the
// breaker model, and a final snapshot at end. It returns the model's
// transitions as the checker would infer them from the calls: the same
// ones, a generation lower (the checker counts from the first transition),
// each open → half-open bounded by the calls around it.
func (g genRun) writeDep(w *record.Writer, rng *rand.Rand, dep genDep, starts []time.Duration, end time.Duration) ([]record.Transition, error) {
	state, gen := record.StateClosed, uint64(1)
	var fails, succ int
	var openedAt, flushed, lastStart, curStart time.Duration
	var totals record.Totals
	var inferred []record.Transition
	rep := record.AllReports
	if g.reports != nil {
		rep = *g.reports
	}
	transition := func(to record.State, at time.Duration, reason string) error {
		gen++
		t := record.Transition{Dep: dep.name, From: state, To: to, AtNs: int64(at), Gen: gen, Reason: reason}
		var err error
		if rep.Transitions {
			err = w.WriteTransition(t)
		}
		t.Gen, t.Inferred = gen-1, true
		if to == record.StateHalfOpen {
			// The calls tell only that it happened between the last
			// rejection and the first probe.
			t.LoNs, t.HiNs = int64(lastStart), int64(curStart)
		}
		inferred = append(inferred, t)
		state = to
		fails, succ = 0, 0
		if to == record.StateOpen {
			openedAt = at
		}
		return err
	}
	for i, start := range starts {
		lastStart, curStart = curStart, start
		ph := dep.phases[0]
		for _, p := range dep.phases {
			if start >= p.at {
				ph = p
			}
		}
		if state == record.StateOpen && start >= openedAt+g.recovery {
			if err := transition(record.StateHalfOpen, openedAt+g.recovery, "recovery timeout elapsed"); err != nil {
				return nil, err
			}
		}
		seq := uint64(i + 1)
		if start-flushed >= record.DefaultFlushInterval {
			// As the writer's timer would: a cut then loses only the end.
			if err := w.Flush(); err != nil {
				return nil, err
			}
			flushed = start
		}
		if state == record.StateOpen {
			totals.Rejected++
			err := w.WriteCall(record.Call{Seq: seq, Dep: dep.name, StartNs: int64(start), EndNs: int64(start + genRejectLatency),
				Outcome: record.OutcomeRejected, Fallback: dep.fallback, Gen: gen, Reject: record.RejectOpen, Err: "breaker: circuit open"})
			if err != nil {
				return nil, err
			}
			continue
		}
		lat := time.Duration(float64(ph.latency) * math.Exp(0.5*rng.NormFloat64()))
		if ph.fixed {
			lat = ph.latency
		}
		failed := rng.Float64() < ph.errorRate
		fault, status, errText, outcome := "none", 200, "", record.OutcomeSuccess
		if failed {
			fault, status, errText, outcome = ph.fault, 500, "injected "+ph.fault, record.OutcomeFailure
			if fault == "" {
				fault, errText = "error", "injected error"
			}
		}
		err := w.WriteDepRequest(record.DepRequest{Dep: dep.name, Seq: seq, AtNs: int64(start + 50*time.Microsecond),
			Fault: fault, LatencyNs: int64(lat), Status: status, Err: errText})
		if err != nil {
			return nil, err
		}
		err = w.WriteCall(record.Call{Seq: seq, Dep: dep.name, StartNs: int64(start), EndNs: int64(start + lat + 100*time.Microsecond),
			Outcome: outcome, Fallback: failed && dep.fallback, Gen: gen, Err: errText})
		if err != nil {
			return nil, err
		}
		if failed {
			totals.Failure++
			fails++
			switch {
			case state == record.StateHalfOpen:
				err = transition(record.StateOpen, start, "probe failed")
			case fails == genFailureThreshold:
				err = transition(record.StateOpen, start, fmt.Sprintf("%d consecutive failures", genFailureThreshold))
			}
		} else {
			totals.Success++
			fails = 0
			if state == record.StateHalfOpen {
				succ++
				if succ == genSuccessThreshold {
					err = transition(record.StateClosed, start, fmt.Sprintf("%d consecutive probe successes", genSuccessThreshold))
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if !rep.Snapshots && !rep.State {
		return inferred, nil
	}
	return inferred, w.WriteSnapshot(record.Snapshot{Dep: dep.name, AtNs: int64(end), State: state, Gen: gen,
		ConsecutiveFailures: fails, ConsecutiveSuccesses: succ, Totals: totals})
}
