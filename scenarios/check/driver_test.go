package check_test

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// This file is a small deterministic driver: it plays a timeline of calls
// (start, end, result; overlapping freely) on a virtual clock against any
// breaker behind the subject interface, records everything through
// record.Writer exactly as the runner does, reads it back and checks it.

// result is what the protected function returns.
type result int

const (
	ok     result = iota // nil
	fail                 // an injected error
	cancel               // context.Canceled: ignored by the breaker
)

var errInjected = errors.New("injected error")

// subject is a breaker as the driver drives it: the two-step Allow/Done form
// with generations, transitions reported to a callback.
type subject interface {
	// allow asks to make a call at the current virtual time. It returns the
	// generation that admitted or rejected it; reject is "" when admitted.
	allow() (gen uint64, done func(result) record.Outcome, reject string, err error)
	// poll lets the breaker notice the time (State()).
	poll()
	snapshot() record.Snapshot
}

// newSubject makes a breaker with cfg that reads now() and reports
// transitions to onTransition.
type newSubject func(t testing.TB, cfg record.BreakerConfig, now func() time.Time, t0 time.Time, onTransition func(record.Transition)) subject

// tcall is one call on the timeline.
type tcall struct {
	start, end time.Duration
	res        result
}

// timeline is a scenario for the driver.
type timeline struct {
	cfg    record.BreakerConfig
	calls  []tcall
	polls  []time.Duration // extra moments the breaker looks at the clock
	end    time.Duration
	phases []record.Phase
	// middlewareBug makes the driver call the dependency even for rejected
	// calls: a broken wrapper around a correct breaker (I3).
	middlewareBug bool
	// dropCall makes the driver lose the call record with this seq (I8).
	dropCall uint64
	// rejectTook is how long a rejection takes (I9).
	rejectTook time.Duration
	// blackBox records nothing the breaker reports about itself: no
	// transitions, generations or snapshots; the checker sees only what it
	// did.
	blackBox bool
}

// every returns n calls of duration dur, the first starting at from, one per step.
func every(from, step time.Duration, n int, dur time.Duration, res result) []tcall {
	out := make([]tcall, n)
	for i := range out {
		s := from + time.Duration(i)*step
		out[i] = tcall{start: s, end: s + dur, res: res}
	}
	return out
}

func cat(parts ...[]tcall) []tcall { return slices.Concat(parts...) }

const depName = "iam"

var t0 = time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)

// drive plays tl against the subject and returns the recorded run.
func drive(t testing.TB, tl timeline, mk newSubject) *record.Run {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	var now time.Duration
	meta := record.Meta{
		Scenario: t.Name(), Mode: record.ModeSim, T0: t0, DurationNs: int64(tl.end),
		Dependencies: []record.Dependency{{Name: depName, Breaker: tl.cfg, Phases: tl.phases}},
		Expect:       record.Expect{Invariants: []string{"all"}},
	}
	if tl.blackBox {
		meta.Reports = &record.Reports{}
	}
	w, err := record.Create(dir, meta, record.WriterOptions{})
	require.NoError(t, err)
	s := mk(t, tl.cfg, func() time.Time { return t0.Add(now) }, t0, func(tr record.Transition) {
		tr.Dep = depName
		if !tl.blackBox {
			require.NoError(t, w.WriteTransition(tr))
		}
	})

	type event struct {
		at    time.Duration
		kind  int // 0 end, 1 poll, 2 start: at one instant results land first
		seq   uint64
		index int
	}
	var events []event
	for i, c := range tl.calls {
		require.LessOrEqual(t, c.start, c.end, "call %d", i)
		events = append(events, event{c.start, 2, uint64(i + 1), i}, event{c.end, 0, uint64(i + 1), i})
	}
	for _, p := range tl.polls {
		events = append(events, event{at: p, kind: 1})
	}
	slices.SortStableFunc(events, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.kind, b.kind), cmp.Compare(a.seq, b.seq))
	})

	type pending struct {
		gen  uint64
		done func(result) record.Outcome
	}
	inflight := make(map[uint64]pending)
	write := func(c record.Call) {
		if c.Seq != tl.dropCall {
			require.NoError(t, w.WriteCall(c))
		}
	}
	for _, e := range events {
		now = e.at
		s.poll()
		switch e.kind {
		case 1:
		case 2:
			gen, done, reject, err := s.allow()
			if tl.blackBox {
				gen = 0 // and no reason for a rejection: only that it was one
			}
			why := reject
			if tl.blackBox {
				why = ""
			}
			if reject != "" {
				write(record.Call{Seq: e.seq, Dep: depName, StartNs: int64(now), EndNs: int64(now + tl.rejectTook), Outcome: record.OutcomeRejected,
					Fallback: true, Gen: gen, Reject: why, Err: err.Error()})
				if !tl.middlewareBug {
					continue
				}
			}
			require.NoError(t, w.WriteDepRequest(record.DepRequest{Dep: depName, Seq: e.seq, AtNs: int64(now), Fault: "none"}))
			if reject == "" {
				inflight[e.seq] = pending{gen, done}
			}
		case 0:
			p, found := inflight[e.seq]
			if !found {
				continue // rejected at its start
			}
			delete(inflight, e.seq)
			res := tl.calls[e.index].res
			p.done(res)
			// The record says what happened, by the rules; the subject's
			// own classification shows in its snapshot's totals.
			out := map[result]record.Outcome{ok: record.OutcomeSuccess, fail: record.OutcomeFailure, cancel: record.OutcomeIgnored}[res]
			c := record.Call{Seq: e.seq, Dep: depName, StartNs: int64(tl.calls[e.index].start), EndNs: int64(now), Outcome: out, Gen: p.gen}
			switch res {
			case fail:
				c.Err, c.Fallback = errInjected.Error(), true
			case cancel:
				c.Err = "context canceled"
			}
			write(c)
		}
	}
	now = max(now, tl.end)
	s.poll()
	if !tl.blackBox {
		snap := s.snapshot()
		snap.Dep, snap.AtNs = depName, int64(now)
		require.NoError(t, w.WriteSnapshot(snap))
	}
	zero := 0
	w.UpdateMeta(func(m *record.Meta) { m.EndedNs, m.LeakedGoroutines = int64(now), &zero })
	require.NoError(t, w.Close())

	run, err := record.Read(dir)
	require.NoError(t, err)
	require.Empty(t, run.Warnings)
	return run
}

// verdictOf checks a run with default options.
func verdictOf(t testing.TB, run *record.Run) record.Verdict {
	t.Helper()
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	return v
}

// failed returns the ids of the checks that failed.
func failed(v record.Verdict) []string {
	var ids []string
	for _, c := range v.Checks {
		if !c.Passed {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// explain renders a verdict's violations for failure messages.
func explain(v record.Verdict) string {
	s := ""
	for _, c := range v.Checks {
		for _, vi := range c.Violations {
			s += fmt.Sprintf("%s %s at %d gen %d [%s]: %s\n", vi.ID, vi.Dep, vi.AtNs, vi.Gen, vi.Event, vi.Message)
			for _, ctx := range vi.Context {
				s += "      " + ctx + "\n"
			}
		}
	}
	return s
}
