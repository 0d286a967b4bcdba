package check_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// externalRun is a service's breaker seen from outside: three failures at
// the dependency open it, two calls are rejected, and the first probe
// reaches the dependency 3 ms before the recovery timeout has passed.
func externalRun(clockError int64) *record.Run {
	zero := 0
	run := &record.Run{Meta: record.Meta{
		SchemaVersion: 1, Scenario: "external", Mode: record.ModeExternal,
		Dependencies:     []record.Dependency{{Name: depName, Breaker: testConfig}},
		Expect:           record.Expect{Invariants: []string{"I4"}},
		LeakedGoroutines: &zero, Reports: &record.Reports{},
		ClockErrorNs: clockError,
	}}
	through := func(seq uint64, at, latency int64, fault string, o record.Outcome) {
		run.Calls = append(run.Calls, record.Call{Seq: seq, Dep: depName, StartNs: at - msNs(1), EndNs: at + latency + msNs(1), Outcome: o})
		run.DepRequests = append(run.DepRequests, record.DepRequest{Dep: depName, Seq: seq, SeqSent: true, AtNs: at, LatencyNs: latency, Fault: fault})
	}
	for k := range 3 {
		through(uint64(k+1), msNs(100*(k+1)), msNs(5), "error", record.OutcomeFailure)
	}
	for k, at := range []int{1000, 5000} {
		run.Calls = append(run.Calls, record.Call{Seq: uint64(4 + k), Dep: depName, StartNs: msNs(at), EndNs: msNs(at) + msNs(1), Outcome: record.OutcomeRejected})
	}
	through(6, msNs(10305)-msNs(3), msNs(5), "none", record.OutcomeSuccess)
	run.Meta.EndedNs = msNs(11000)
	return run
}

// A run merged from several load generators carries its clocks' error in
// meta.json, and the checker's default tolerance grows by it.
func TestExternalToleranceAddsTheClockError(t *testing.T) {
	v, err := check.Run(externalRun(0), check.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"I4"}, failed(v), explain(v))
	assert.Contains(t, explain(v), "want the recovery timeout 10s")

	v, err = check.Run(externalRun(msNs(5)), check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
}
