package check_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// fixture builds a hand-written record.Run. Times are in milliseconds.
type fixture struct {
	run    record.Run
	seq    uint64
	noDeps bool // don't add a dependency request per admitted call
	noSnap bool // don't add the final snapshot
	snap   *record.Snapshot
}

func newFixture(mode string) *fixture {
	zero := 0
	return &fixture{run: record.Run{Meta: record.Meta{
		SchemaVersion: 1, Scenario: "fixture", Mode: mode,
		Dependencies:     []record.Dependency{{Name: depName, Breaker: testConfig}},
		Expect:           record.Expect{Invariants: []string{"all"}},
		LeakedGoroutines: &zero,
	}}}
}

func msNs(v int) int64 { return int64(v) * int64(ms) }

// call adds a call from start to end (ms) admitted or rejected by gen.
func (f *fixture) call(start, end int, o record.Outcome, gen uint64) *record.Call {
	f.seq++
	c := record.Call{Seq: f.seq, Dep: depName, StartNs: msNs(start), EndNs: msNs(end), Outcome: o, Gen: gen}
	switch o {
	case record.OutcomeFailure:
		c.Err = "injected error"
	case record.OutcomeRejected:
		c.Reject, c.Err = record.RejectOpen, "breaker: circuit open"
	}
	f.run.Calls = append(f.run.Calls, c)
	return &f.run.Calls[len(f.run.Calls)-1]
}

func (f *fixture) trans(from, to record.State, at int, gen uint64, reason string) {
	f.run.Transitions = append(f.run.Transitions, record.Transition{Dep: depName, From: from, To: to, AtNs: msNs(at), Gen: gen, Reason: reason})
}

// opened is the common start: three failures (gen 1) open the circuit at 300 ms (gen 2).
func (f *fixture) opened() *fixture {
	f.call(0, 100, record.OutcomeFailure, 1)
	f.call(100, 200, record.OutcomeFailure, 1)
	f.call(200, 300, record.OutcomeFailure, 1)
	f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
	return f
}

// halfOpen continues opened: half-open at 10.3 s (gen 3).
func (f *fixture) halfOpen() *fixture {
	f.opened()
	f.trans(record.StateOpen, record.StateHalfOpen, 10300, 3, "recovery timeout elapsed")
	return f
}

// build finishes the run: dependency requests for admitted calls, a final
// snapshot agreeing with the calls and the last transition, ended_ns.
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
			run.DepRequests = append(run.DepRequests, record.DepRequest{Dep: depName, Seq: c.Seq, AtNs: c.StartNs, Fault: "none"})
		}
	}
	for _, t := range run.Transitions {
		end = max(end, t.AtNs)
	}
	if run.Meta.EndedNs == 0 {
		run.Meta.EndedNs = end
	}
	if !f.noSnap {
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
	want  []string // exactly the checks that must fail
	msg   string   // a violation message must contain this
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
			v, err := check.Run(f.build(), check.Options{})
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
		})
	}
}
