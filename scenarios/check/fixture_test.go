package check_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// fixture builds a hand-written record.Run, as a black box by default: the
// calls and the dependency's requests, nothing the breaker reports about
// itself unless a case calls reports. Times are in milliseconds; the
// breaker is testConfig's (opens after 3 failures, 10 s open, 2 probes).
type fixture struct {
	run    record.Run
	seq    uint64
	noDeps bool // don't add a dependency request per admitted call
	snap   *record.Snapshot
}

func newFixture(mode string) *fixture {
	zero := 0
	return &fixture{run: record.Run{Meta: record.Meta{
		SchemaVersion: 1, Scenario: "fixture", Mode: mode,
		Dependencies:     []record.Dependency{{Name: depName, Breaker: testConfig}},
		Expect:           record.Expect{Invariants: []string{"all"}},
		LeakedGoroutines: &zero,
		Reports:          &record.Reports{},
	}}}
}

func msNs(v int) int64 { return int64(v) * int64(ms) }

// call adds a call from start to end (ms) with outcome o; a rejection's
// start and end bracket the breaker's decision.
func (f *fixture) call(start, end int, o record.Outcome) *record.Call {
	f.seq++
	c := record.Call{Seq: f.seq, Dep: depName, StartNs: msNs(start), EndNs: msNs(end), Outcome: o}
	switch o {
	case record.OutcomeFailure:
		c.Err = "injected error"
	case record.OutcomeIgnored:
		c.Err = "context canceled"
	case record.OutcomeRejected:
		c.Err = "breaker: circuit open"
	}
	f.run.Calls = append(f.run.Calls, c)
	return &f.run.Calls[len(f.run.Calls)-1]
}

func (f *fixture) ok(start, end int) *record.Call   { return f.call(start, end, record.OutcomeSuccess) }
func (f *fixture) fail(start, end int) *record.Call { return f.call(start, end, record.OutcomeFailure) }
func (f *fixture) cancel(start, end int) *record.Call {
	return f.call(start, end, record.OutcomeIgnored)
}
func (f *fixture) reject(at int) *record.Call { return f.call(at, at, record.OutcomeRejected) }

// reports makes the breaker report its transitions (f.trans), generations
// and a final snapshot.
func (f *fixture) reports() *fixture {
	f.run.Meta.Reports = &record.Reports{Transitions: true, Generations: true, Snapshots: true, State: true}
	return f
}

func (f *fixture) trans(from, to record.State, at int, gen uint64, reason string) {
	f.run.Transitions = append(f.run.Transitions, record.Transition{Dep: depName, From: from, To: to, AtNs: msNs(at), Gen: gen, Reason: reason})
}

// opened is the common start: three failures open the circuit at 300 ms,
// and a call at 400 ms is rejected.
func (f *fixture) opened() *fixture {
	f.fail(0, 100)
	f.fail(100, 200)
	f.fail(200, 300)
	f.reject(400)
	return f
}

// halfOpen continues opened: rejected at 5 s, half-open at 10.3 s, when
// the probes of a case start.
func (f *fixture) halfOpen() *fixture {
	f.opened()
	f.reject(5000)
	return f
}

// build finishes the run: dependency requests for admitted calls; with
// reports, a final snapshot agreeing with the calls and the last transition.
func (f *fixture) build() *record.Run {
	run := f.run
	var end int64
	var totals record.Totals
	for _, c := range run.Calls {
		end = max(end, c.EndNs)
		switch c.Outcome {
		case record.OutcomeSuccess:
			totals.Success++
		case record.OutcomeFailure:
			totals.Failure++
		case record.OutcomeIgnored:
			totals.Ignored++
		case record.OutcomeRejected:
			totals.Rejected++
		}
		if !f.noDeps && c.Outcome != record.OutcomeRejected {
			run.DepRequests = append(run.DepRequests, record.DepRequest{Dep: depName, Seq: c.Seq, AtNs: c.AdmitAt(), Fault: "none"})
		}
	}
	for _, t := range run.Transitions {
		end = max(end, t.AtNs)
	}
	if run.Meta.EndedNs == 0 {
		run.Meta.EndedNs = end
	}
	if run.Meta.Reported().Snapshots {
		s := record.Snapshot{Dep: depName, AtNs: run.Meta.EndedNs, State: record.StateClosed, Gen: 1, Totals: totals}
		if n := len(run.Transitions); n > 0 {
			s.State, s.Gen = run.Transitions[n-1].To, run.Transitions[n-1].Gen
		}
		if f.snap != nil {
			s = *f.snap
		}
		run.Snapshots = append(run.Snapshots, s)
	}
	return &run
}

type fixtureCase struct {
	name  string
	mode  string // sim when empty
	build func(f *fixture)
	want  []string      // exactly the checks that must fail
	msg   string        // a violation message must contain this
	rule  int           // and the first violation must name this rule (0: not checked)
	tol   time.Duration // Options.Tolerance (0: the mode's default)
}

func runFixtures(t *testing.T, cases []fixtureCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mode := tc.mode
			if mode == "" {
				mode = record.ModeSim
			}
			f := newFixture(mode)
			tc.build(f)
			v, err := check.Run(f.build(), check.Options{Tolerance: tc.tol})
			require.NoError(t, err)
			got := failed(v)
			if len(tc.want) == 0 {
				assert.Empty(t, got, explain(v))
				assert.True(t, v.Passed)
				return
			}
			assert.ElementsMatch(t, tc.want, got, explain(v))
			assert.False(t, v.Passed)
			if tc.msg != "" {
				assert.Contains(t, explain(v), tc.msg)
			}
			if tc.rule != 0 {
				assert.Equal(t, tc.rule, firstRule(v, tc.want[0]), explain(v))
			}
		})
	}
}

// verdictFor checks the fixture a case builds, for tests that look further
// than the failing checks.
func verdictFor(t *testing.T, mode string, build func(f *fixture)) record.Verdict {
	t.Helper()
	if mode == "" {
		mode = record.ModeSim
	}
	f := newFixture(mode)
	build(f)
	v, err := check.Run(f.build(), check.Options{})
	require.NoError(t, err)
	return v
}
