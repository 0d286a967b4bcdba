package check_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

func TestI1LegalTransitions(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"open then half-open then closed", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10450, 10600, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10600, 4, "2 consecutive probe successes")
		}, nil, ""},
		{"reset from open is legal", "", func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateClosed, 5000, 3, "reset")
		}, nil, ""},
		{"closed to half-open is illegal", "", func(f *fixture) {
			f.trans(record.StateClosed, record.StateHalfOpen, 100, 2, "")
		}, []string{"I1"}, "illegal transition closed→half-open"},
		{"open to closed without reset is illegal", "", func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateClosed, 10300, 3, "recovery timeout elapsed")
		}, []string{"I1"}, "illegal transition open→closed"},
		{"from a state the circuit was not in", "", func(f *fixture) {
			f.halfOpen()
			f.trans(record.StateOpen, record.StateHalfOpen, 20300, 4, "recovery timeout elapsed")
		}, []string{"I1"}, "transition from open, but the circuit was half-open"},
		{"generation goes back", "", func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateHalfOpen, 10300, 2, "recovery timeout elapsed")
		}, []string{"I1"}, "generation 2 does not follow generation 2"},
		{"time goes back", "", func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateClosed, 200, 3, "reset")
		}, []string{"I1"}, "before the previous transition"},
		{"final snapshot disagrees", "", func(f *fixture) {
			f.opened()
			f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(300), State: record.StateClosed, Gen: 2, Totals: record.Totals{Failure: 3}}
		}, []string{"I1"}, "the breaker reports closed in generation 2; its transitions end in open, generation 2"},
	})
}

func TestI2FailureThreshold(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"opens at the third failure", "", func(f *fixture) { f.opened() }, nil, ""},
		{"ignored calls and late results don't break the streak", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeFailure, 1)
			f.call(100, 200, record.OutcomeIgnored, 1)
			f.call(200, 300, record.OutcomeFailure, 1)
			f.call(300, 400, record.OutcomeFailure, 1)
			f.trans(record.StateClosed, record.StateOpen, 400, 2, "3 consecutive failures")
			f.call(350, 450, record.OutcomeSuccess, 1) // late: changes nothing
		}, nil, ""},
		{"opens after two failures", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeFailure, 1)
			f.call(100, 200, record.OutcomeSuccess, 1)
			f.call(200, 300, record.OutcomeFailure, 1)
			f.call(300, 400, record.OutcomeFailure, 1)
			f.trans(record.StateClosed, record.StateOpen, 400, 2, "3 consecutive failures")
		}, []string{"I2"}, "closed→open after 2 consecutive failures in generation 1, want 3"},
		{"opens a failure late", "", func(f *fixture) {
			f.opened()
			f.run.Transitions = nil
			f.call(300, 400, record.OutcomeFailure, 1)
			f.trans(record.StateClosed, record.StateOpen, 400, 2, "4 consecutive failures")
		}, []string{"I2"}, "failure 3 in a row (call seq=3 at 0.3s) should have opened the circuit; it opened only at 0.4s"},
		{"stays closed", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeFailure, 1)
			f.call(100, 200, record.OutcomeFailure, 1)
			f.call(200, 300, record.OutcomeFailure, 1)
			f.call(300, 400, record.OutcomeSuccess, 1)
		}, []string{"I2"}, "3 consecutive failures in generation 1, but the circuit stayed closed"},
		{"live: the tripping call recorded after the transition", record.ModeLive, func(f *fixture) {
			f.opened()
			f.run.Calls[2].EndNs = msNs(350) // within the 100 ms tolerance
		}, nil, ""},
		{"live: a success recorded next to the streak may have broken it", record.ModeLive, func(f *fixture) {
			f.call(0, 100, record.OutcomeFailure, 1)
			f.call(100, 200, record.OutcomeFailure, 1)
			f.call(50, 350, record.OutcomeSuccess, 1) // recorded after the third failure
			f.call(200, 300, record.OutcomeFailure, 1)
			f.call(1000, 1100, record.OutcomeSuccess, 1)
		}, nil, ""},
		{"sim: a success recorded after the streak does not excuse it", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeFailure, 1)
			f.call(100, 200, record.OutcomeFailure, 1)
			f.call(50, 350, record.OutcomeSuccess, 1)
			f.call(200, 300, record.OutcomeFailure, 1)
			f.call(1000, 1100, record.OutcomeSuccess, 1)
		}, []string{"I2"}, "3 consecutive failures in generation 1, but the circuit stayed closed"},
		{"live: a streak well clear of successes must open", record.ModeLive, func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 1)
			f.call(1000, 1100, record.OutcomeFailure, 1)
			f.call(1200, 1300, record.OutcomeFailure, 1)
			f.call(1400, 1500, record.OutcomeFailure, 1)
			f.call(3000, 3100, record.OutcomeSuccess, 1)
		}, []string{"I2"}, "3 consecutive failures in generation 1, but the circuit stayed closed"},
		{"sim: the same is a violation", "", func(f *fixture) {
			f.opened()
			f.run.Calls[2].EndNs = msNs(350)
		}, []string{"I2"}, "after 2 consecutive failures"},
	})
}

func TestI3NothingWhileOpen(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"rejected while open", "", func(f *fixture) {
			f.opened()
			f.call(500, 500, record.OutcomeRejected, 2)
		}, nil, ""},
		{"admitted by an open generation", "", func(f *fixture) {
			f.opened()
			f.call(500, 600, record.OutcomeSuccess, 2)
		}, []string{"I3"}, "admitted (success) by open generation 2"},
		{"admitted while open, claiming the closed generation", "", func(f *fixture) {
			f.opened()
			f.call(500, 600, record.OutcomeSuccess, 1)
		}, []string{"I3"}, "started at 0.5s while the circuit was open (generation 2, since 0.3s) and ran (success)"},
		{"a call starting at the opening instant is not judged", "", func(f *fixture) {
			f.opened()
			f.call(300, 600, record.OutcomeSuccess, 1)
		}, nil, ""},
		{"a request no call explains reaches the dependency while open", "", func(f *fixture) {
			f.opened()
			f.run.DepRequests = append(f.run.DepRequests, record.DepRequest{Dep: depName, Seq: 99, AtNs: msNs(700)})
			f.run.Meta.EndedNs = msNs(1000)
		}, []string{"I3", "I8"}, "reached the dependency at 0.7s while the circuit was open"},
	})
}

func TestI4RecoveryTimeout(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"half-opens exactly on time", "", func(f *fixture) { f.halfOpen() }, nil, ""},
		{"early", "", func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateHalfOpen, 10299, 3, "recovery timeout elapsed")
		}, []string{"I4"}, "half-open 9.999s after opening at 0.3s, want the recovery timeout 10s"},
		{"late in sim", "", func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateHalfOpen, 10301, 3, "recovery timeout elapsed")
		}, []string{"I4"}, "half-open 10.001s after opening"},
		{"late within the live tolerance", record.ModeLive, func(f *fixture) {
			f.opened()
			f.trans(record.StateOpen, record.StateHalfOpen, 10350, 3, "recovery timeout elapsed")
		}, nil, ""},
		{"rejected as open after the timeout", "", func(f *fixture) {
			f.opened()
			f.call(10400, 10400, record.OutcomeRejected, 2)
			f.trans(record.StateOpen, record.StateHalfOpen, 10300, 3, "recovery timeout elapsed")
		}, []string{"I4"}, "rejected as open 10.1s after opening"},
		{"still open at the end", "", func(f *fixture) {
			f.opened()
			f.run.Meta.EndedNs = msNs(20000)
		}, []string{"I4"}, "still open at the end of the run"},
		{"forced open may stay open", "", func(f *fixture) {
			f.trans(record.StateClosed, record.StateOpen, 100, 2, "forced open")
			f.run.Meta.EndedNs = msNs(20000)
			f.run.Meta.Dependencies[0].Phases = nil
		}, nil, ""},
	})
}

func TestI5ProbeLimit(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"two probes, a third rejected", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10600, record.OutcomeSuccess, 3)
			f.call(10400, 10700, record.OutcomeSuccess, 3)
			c := f.call(10450, 10450, record.OutcomeRejected, 3)
			c.Reject = record.RejectProbeLimit
			f.trans(record.StateHalfOpen, record.StateClosed, 10700, 4, "2 consecutive probe successes")
		}, nil, ""},
		{"three probes at once", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10600, record.OutcomeIgnored, 3)
			f.call(10400, 10700, record.OutcomeIgnored, 3)
			f.call(10450, 10800, record.OutcomeIgnored, 3)
		}, []string{"I5"}, "3 probes in flight in generation 3, at most 2 allowed (in flight: seq=4, seq=5, seq=6); the peak was 3"},
		{"a probe ending as another starts frees its slot", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10600, record.OutcomeIgnored, 3)
			f.call(10400, 10700, record.OutcomeIgnored, 3)
			f.call(10600, 10800, record.OutcomeIgnored, 3)
		}, nil, ""},
	})
}

func TestI6Probes(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"reopens on the first probe failure", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10400, 10600, record.OutcomeFailure, 3)
			f.trans(record.StateHalfOpen, record.StateOpen, 10600, 4, "probe failed")
		}, nil, ""},
		{"an ignored probe does not count", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10400, 10550, record.OutcomeIgnored, 3)
			f.call(10560, 10600, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10600, 4, "2 consecutive probe successes")
		}, nil, ""},
		{"closes after one success", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10500, 4, "1 consecutive probe successes")
		}, []string{"I6"}, "half-open→closed after 1 probe successes in generation 3, want 2"},
		{"closes despite a failure", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeFailure, 3)
			f.call(10400, 10600, record.OutcomeSuccess, 3)
			f.call(10400, 10700, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10700, 4, "2 consecutive probe successes")
		}, []string{"I6", "I5"}, "closed although probe call seq=4 failed at 10.5s"},
		{"reopens without a failure", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateOpen, 10500, 4, "probe failed")
		}, []string{"I6"}, "half-open→open without a probe failure in generation 3"},
		{"reopens when it should have closed", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10400, 10600, record.OutcomeSuccess, 3)
			f.call(10650, 10700, record.OutcomeFailure, 3)
			f.trans(record.StateHalfOpen, record.StateOpen, 10700, 4, "probe failed")
		}, []string{"I6"}, "2 probe successes (the last call seq=5 at 10.6s) should have closed the circuit; it reopened at 10.7s"},
		{"stays half-open after a failure", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeFailure, 3)
			f.call(10600, 10700, record.OutcomeSuccess, 3)
			f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(10700), State: record.StateHalfOpen, Gen: 3, ConsecutiveSuccesses: 1,
				Totals: record.Totals{Success: 1, Failure: 4}}
		}, []string{"I6"}, "probe failed in generation 3, but the circuit stayed half-open"},
	})
}

func TestI7Generations(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"late results change nothing", "", func(f *fixture) {
			f.halfOpen()
			f.call(250, 10450, record.OutcomeSuccess, 1) // admitted while closed
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10400, 10600, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10600, 4, "2 consecutive probe successes")
			f.call(290, 10700, record.OutcomeFailure, 1)
		}, nil, ""},
		{"a late success closes the circuit", "", func(f *fixture) {
			f.halfOpen()
			f.call(250, 10450, record.OutcomeSuccess, 1)
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10500, 4, "2 consecutive probe successes")
		}, []string{"I6", "I7"}, "late success of call seq=4 (admitted by generation 1) at 10.45s counted in generation 3"},
		{"a late failure counted in the breaker's streak", "", func(f *fixture) {
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10400, 10600, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10600, 4, "2 consecutive probe successes")
			f.call(290, 10700, record.OutcomeFailure, 1)
			f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(10700), State: record.StateClosed, Gen: 4, ConsecutiveFailures: 1,
				Totals: record.Totals{Success: 2, Failure: 4}}
		}, []string{"I7"}, "the breaker counts 1 consecutive failures, generation 4's own results give 0; late failure of call seq=6"},
	})
}

func TestI8Accounting(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{"a call recorded twice", "", func(f *fixture) {
			f.opened()
			f.run.Calls = append(f.run.Calls, f.run.Calls[2])
			f.noSnap = true
			f.run.Snapshots = []record.Snapshot{{Dep: depName, AtNs: msNs(300), State: record.StateOpen, Gen: 2, Totals: record.Totals{Failure: 4}}}
		}, []string{"I8"}, "seq 3 recorded more than once"},
		{"an unknown generation", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 7)
		}, []string{"I8"}, "names generation 7, which no transition started"},
		{"an admitted call never reached the dependency", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 1)
			f.noDeps = true
		}, []string{"I8"}, "admitted and ended in success, but never reached the dependency"},
		{"an ignored call need not reach it", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeIgnored, 1)
			f.noDeps = true
		}, nil, ""},
		{"totals disagree", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 1)
			f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(100), State: record.StateClosed, Gen: 1, Totals: record.Totals{Success: 2}}
		}, []string{"I8"}, "client totals success=1 failure=0 ignored=0 rejected=0, breaker totals success=2"},
		{"no snapshot", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 1)
			f.noSnap = true
		}, []string{"I8"}, "no snapshot of the breaker was recorded"},
		{"a rejection reason that does not match the state", "", func(f *fixture) {
			f.opened()
			c := f.call(500, 500, record.OutcomeRejected, 2)
			c.Reject = record.RejectProbeLimit
		}, []string{"I8"}, "rejected for probe_limit by open generation 2, want open"},
		{"rejected while closed", "", func(f *fixture) {
			f.call(500, 500, record.OutcomeRejected, 1)
		}, []string{"I8"}, "rejected (open) by closed generation 1"},
		{"a success serving a fallback", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 1).Fallback = true
		}, []string{"I8"}, "succeeded yet served a fallback"},
		{"ends before it starts", "", func(f *fixture) {
			f.call(100, 50, record.OutcomeSuccess, 1)
		}, []string{"I8"}, "ends at 0.05s, before it started at 0.1s"},
		{"a dependency request without a call, interrupted run", "", func(f *fixture) {
			f.call(0, 100, record.OutcomeSuccess, 1)
			f.run.Meta.Interrupted = true
			f.run.DepRequests = append(f.run.DepRequests, record.DepRequest{Dep: depName, Seq: 42, AtNs: msNs(150)})
		}, nil, ""},
	})
}

func TestI9RejectionLatency(t *testing.T) {
	rejections := func(n, slow int, slowMs int) func(f *fixture) {
		return func(f *fixture) {
			f.opened()
			for i := range n {
				took := 0
				if i < slow {
					took = slowMs
				}
				f.call(400+i, 400+i+took, record.OutcomeRejected, 2)
			}
		}
	}
	runFixtures(t, []fixtureCase{
		{"one slow rejection in a hundred is under p99", "", rejections(100, 1, 5), nil, ""},
		{"two slow rejections in a hundred are over it", "", rejections(100, 2, 5), []string{"I9"}, "rejection latency p99 5ms over 100 rejections, bound 1ms"},
		{"the scenario's bound", "", func(f *fixture) {
			rejections(10, 10, 2)(f)
			f.run.Meta.Expect.MaxRejectionP99Ns = msNs(3)
		}, nil, ""},
	})
}

func TestI10Liveness(t *testing.T) {
	heal := func(f *fixture) {
		f.run.Meta.Dependencies[0].Phases = []record.Phase{{AtNs: 0, Label: "error_rate 100%"}, {AtNs: msNs(1000), Label: "recovered", Healthy: true}}
	}
	runFixtures(t, []fixtureCase{
		{"closes in time", "", func(f *fixture) {
			heal(f)
			f.halfOpen()
			f.call(10400, 10500, record.OutcomeSuccess, 3)
			f.call(10500, 10600, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 10600, 4, "2 consecutive probe successes")
			f.call(30000, 30100, record.OutcomeSuccess, 4)
		}, nil, ""},
		{"never closes", "", func(f *fixture) {
			heal(f)
			f.halfOpen()
			for i := range 20 {
				f.call(10400+1000*i, 10500+1000*i, record.OutcomeIgnored, 3)
			}
		}, []string{"I10"}, "dependency healthy since 1s, circuit not closed since 1s: it never closed before the phase ended at 29.5s, want by 12.3s (recovery timeout 10s + probes' time 1.3s)"},
		{"closes too late", "", func(f *fixture) {
			heal(f)
			f.halfOpen()
			for i := range 40 {
				f.call(11000+100*i, 11050+100*i, record.OutcomeIgnored, 3)
			}
			f.call(15000, 15100, record.OutcomeSuccess, 3)
			f.call(15100, 15200, record.OutcomeSuccess, 3)
			f.trans(record.StateHalfOpen, record.StateClosed, 15200, 4, "2 consecutive probe successes")
		}, []string{"I10"}, "it closed only at 15.2s, want by"},
	})
}

func TestI10UndecidedAndSkipped(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.opened()
	f.run.Meta.Dependencies[0].Phases = []record.Phase{{AtNs: 0, Label: "error_rate 100%"}, {AtNs: msNs(1000), Label: "healthy"}}
	f.run.Meta.EndedNs = msNs(5000)
	v, err := check.Run(f.build(), check.Options{})
	require.NoError(t, err)
	c, ok := v.Check("I10")
	require.True(t, ok)
	assert.True(t, c.Passed)
	assert.Equal(t, "0 recoveries checked, 1 too late in the run to judge", c.Detail)
	require.Len(t, v.Warnings, 1)
	assert.Contains(t, v.Warnings[0], "ended at 5s, before the circuit was due to close")

	f = newFixture(record.ModeSim)
	f.run.Meta.Dependencies[0].Phases = nil
	f.call(0, 100, record.OutcomeSuccess, 1)
	v, err = check.Run(f.build(), check.Options{})
	require.NoError(t, err)
	c, _ = v.Check("I10")
	assert.True(t, c.Passed)
	assert.True(t, c.Skipped)
}

func TestI11Goroutines(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.call(0, 100, record.OutcomeSuccess, 1)
	run := f.build()
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	c, _ := v.Check("I11")
	assert.True(t, c.Passed)
	assert.False(t, c.Skipped)

	run.Meta.LeakedGoroutines = nil
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	c, _ = v.Check("I11")
	assert.True(t, c.Passed)
	assert.True(t, c.Skipped)
	assert.True(t, v.Passed)

	three := 3
	run.Meta.LeakedGoroutines = &three
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	c, _ = v.Check("I11")
	assert.False(t, c.Passed)
	assert.False(t, v.Passed)
	assert.Equal(t, "3 goroutines outlived the run", c.Violations[0].Message)
}

func TestExpectations(t *testing.T) {
	build := func() *record.Run {
		f := newFixture(record.ModeSim)
		f.run.Meta.Dependencies[0].Phases = []record.Phase{{AtNs: 0, Label: "error_rate 100%"}, {AtNs: msNs(1000), Label: "healthy"}}
		f.halfOpen()
		for i := range 4 {
			f.call(400+i, 400+i, record.OutcomeRejected, 2).Fallback = true
		}
		f.call(10400, 10500, record.OutcomeSuccess, 3)
		f.call(10500, 10600, record.OutcomeSuccess, 3)
		f.trans(record.StateHalfOpen, record.StateClosed, 10600, 4, "2 consecutive probe successes")
		return f.build() // 9 calls: 2 successes, 3 failures, 4 rejected with fallback
	}
	run := build()
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.Len(t, v.Checks, 11, "no expectation is set")

	run.Meta.Expect = record.Expect{Invariants: []string{"I9"}, MaxRejectionP99Ns: 1, MinServedRatio: 0.7, MaxTimeToCloseNs: msNs(9000)}
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	require.Len(t, v.Checks, 4)
	assert.Equal(t, []string{"I9", check.ExpectMaxRejectionP99, check.ExpectMinServedRatio, check.ExpectMaxTimeToClose},
		[]string{v.Checks[0].ID, v.Checks[1].ID, v.Checks[2].ID, v.Checks[3].ID})
	assert.True(t, v.Checks[0].Passed, "I9 uses the scenario's bound: 1 ns, and rejections took 0")
	assert.True(t, v.Checks[1].Passed)
	assert.Equal(t, record.KindExpectation, v.Checks[2].Kind)
	assert.False(t, v.Checks[2].Passed)
	assert.Equal(t, "served 6 of 9 calls (0.6667), want at least 0.7", v.Checks[2].Violations[0].Message)
	assert.False(t, v.Checks[3].Passed)
	assert.Equal(t, "closed 9.6s after the dependency healed at 1s, want within 9s", v.Checks[3].Violations[0].Message)

	run.Meta.Expect = record.Expect{Invariants: []string{"i2"}, MinServedRatio: 0.6, MaxTimeToCloseNs: msNs(10000)}
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
	assert.Equal(t, "iam: closed 9.6s after healing", v.Checks[2].Detail)
}

func TestOptionsAndBadInput(t *testing.T) {
	f := newFixture(record.ModeSim)
	run := f.build()
	for _, tc := range []struct {
		opts check.Options
		want string
	}{
		{check.Options{Tolerance: -1}, "Options.Tolerance"},
		{check.Options{ProbeAllowance: -time.Second}, "Options.ProbeAllowance"},
		{check.Options{MaxViolations: -1}, "Options.MaxViolations"},
	} {
		_, err := check.Run(run, tc.opts)
		assert.ErrorContains(t, err, tc.want)
	}
	run.Meta.Expect.Invariants = []string{"I12"}
	_, err := check.Run(run, check.Options{})
	assert.ErrorContains(t, err, `key "expect.invariants": unknown invariant "I12"`)
	run.Meta.Expect.Invariants = nil
	run.Meta.Mode = "turbo"
	_, err = check.Run(run, check.Options{})
	assert.ErrorContains(t, err, `key "mode": got "turbo"`)
}

func TestViolationsAreCappedButCounted(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.opened()
	for i := range 50 {
		f.call(1000+i, 1100+i, record.OutcomeSuccess, 2)
	}
	v, err := check.Run(f.build(), check.Options{MaxViolations: 3, ContextEvents: -1})
	require.NoError(t, err)
	c, _ := v.Check("I3")
	assert.Len(t, c.Violations, 3)
	assert.Equal(t, 50, c.ViolationsTotal)
	assert.Equal(t, "50 violations (first 3 shown); 53 dependency requests, none while open", c.Detail)
	assert.Empty(t, c.Violations[0].Context)
	assert.Equal(t, record.Stats{Calls: 53, Success: 50, Failure: 3, DependencyRequests: 53, Transitions: 1}, v.Stats)
}

func TestDirWritesNothingAndReads(t *testing.T) {
	run := drive(t, recovery(), newReal)
	v, err := check.Dir(run.Dir, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
	assert.Equal(t, record.SchemaVersion, v.SchemaVersion)
	require.NoError(t, v.Write(run.Dir))
	back, err := record.ReadVerdict(run.Dir)
	require.NoError(t, err)
	assert.Equal(t, v.Stats, back.Stats)

	_, err = check.Dir(t.TempDir(), check.Options{})
	assert.ErrorContains(t, err, "meta.json")
}

func TestUnknownDependencyIsAWarning(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.call(0, 100, record.OutcomeSuccess, 1)
	run := f.build()
	run.Meta.Dependencies = nil
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
	assert.Equal(t, []string{`dependency "iam" is recorded but not in meta.json; NFR-6 breaker defaults assumed`}, v.Warnings)
}

func TestSparseSeqNumbers(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.seq = 1 << 40 // far beyond a dense index
	f.call(0, 100, record.OutcomeSuccess, 1)
	f.call(100, 200, record.OutcomeSuccess, 1)
	run := f.build()
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))

	run.Calls = append(run.Calls, run.Calls[1])
	run.DepRequests = append(run.DepRequests, run.DepRequests[1])
	run.Snapshots[0].Totals.Success = 3
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	c, _ := v.Check("I8")
	require.Equal(t, 2, c.ViolationsTotal, explain(v))
	assert.Equal(t, "seq 1099511627778 recorded more than once", c.Violations[0].Message)
	assert.Equal(t, "seq 1099511627778 reached the dependency more than once", c.Violations[1].Message)
}

// Each dependency has its own breaker: a violation names the right one and
// the other's records don't disturb it.
func TestDependenciesAreCheckedApart(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.opened()
	f.call(400, 400, record.OutcomeRejected, 2)
	run := f.build()
	run.Meta.Dependencies = append(run.Meta.Dependencies, record.Dependency{Name: "eris", Breaker: record.BreakerConfig{FailureThreshold: 2}})
	// eris opens after 2 failures, as its own threshold says, while iam is open.
	for _, c := range []record.Call{
		{Seq: 1, Dep: "eris", StartNs: msNs(100), EndNs: msNs(150), Outcome: record.OutcomeFailure, Gen: 1},
		{Seq: 2, Dep: "eris", StartNs: msNs(200), EndNs: msNs(250), Outcome: record.OutcomeFailure, Gen: 1},
		{Seq: 3, Dep: "eris", StartNs: msNs(500), EndNs: msNs(600), Outcome: record.OutcomeSuccess, Gen: 2}, // admitted while open
	} {
		run.Calls = append(run.Calls, c)
		run.DepRequests = append(run.DepRequests, record.DepRequest{Dep: "eris", Seq: c.Seq, AtNs: c.StartNs})
	}
	run.Transitions = append(run.Transitions, record.Transition{Dep: "eris", From: record.StateClosed, To: record.StateOpen, AtNs: msNs(250), Gen: 2})
	run.Snapshots = append(run.Snapshots, record.Snapshot{Dep: "eris", AtNs: msNs(600), State: record.StateOpen, Gen: 2,
		Totals: record.Totals{Success: 1, Failure: 2}})

	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"I3"}, failed(v), explain(v))
	c, _ := v.Check("I3")
	require.Len(t, c.Violations, 1)
	assert.Equal(t, "eris", c.Violations[0].Dep)
	assert.Equal(t, "call seq=3", c.Violations[0].Event)
	for _, line := range c.Violations[0].Context {
		assert.NotContains(t, line, "seq=4", "context is the dependency's own events")
	}
}

// A black-box service shows no transitions and may not forward the seq:
// what cannot be seen is skipped, not failed.
func TestExternalModeWithoutTransitions(t *testing.T) {
	f := newFixture(record.ModeExternal)
	f.noDeps, f.noSnap = true, true
	f.call(0, 100, record.OutcomeSuccess, 0)
	f.call(100, 200, record.OutcomeFailure, 0)
	f.call(300, 300, record.OutcomeRejected, 0)
	run := f.build()
	run.DepRequests = []record.DepRequest{{Dep: depName, Seq: 0, AtNs: msNs(10)}, {Dep: depName, Seq: 0, AtNs: msNs(110)}}
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
	var skipped []string
	for _, c := range v.Checks {
		if c.Skipped {
			skipped = append(skipped, c.ID)
		}
	}
	assert.Equal(t, []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I10"}, skipped)
	assert.Equal(t, []string{`iam: no dependency request carries the seq of a recorded call (a black-box service that does not forward it?); requests were not matched to calls`}, v.Warnings)
}

func TestOpensExpectation(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.halfOpen() // the circuit opened once
	run := f.build()
	opens := func(lo int, hi *int) record.Check {
		t.Helper()
		run.Meta.Expect = record.Expect{Invariants: []string{"I1"}, MinOpens: lo, MaxOpens: hi}
		v, err := check.Run(run, check.Options{})
		require.NoError(t, err)
		c, ok := v.Check(check.ExpectOpens)
		require.True(t, ok, explain(v))
		assert.Equal(t, c.Passed, v.Passed)
		return c
	}
	zero, one := 0, 1

	c := opens(1, &one)
	assert.True(t, c.Passed, c.Detail)
	assert.Equal(t, "each circuit opens 1..1 times", c.Name)
	assert.Equal(t, "iam opened 1 times", c.Detail)

	c = opens(2, nil)
	assert.False(t, c.Passed)
	require.Len(t, c.Violations, 1)
	assert.Equal(t, "the circuit opened 1 times, want >= 2", c.Violations[0].Message)

	c = opens(0, &zero)
	assert.False(t, c.Passed)
	assert.Equal(t, "the circuit opened 1 times, want 0..0", c.Violations[0].Message)

	run.Meta.Expect = record.Expect{Invariants: []string{"I1"}}
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	_, ok := v.Check(check.ExpectOpens)
	assert.False(t, ok, "no bound set, no check")
}

// A run killed before its end has no final snapshot, and calls in flight at
// the kill may have reached the dependency without a call record: I8 says so
// in warnings, not violations. The same run, ended normally, fails I8.
func TestI8KilledRun(t *testing.T) {
	build := func() *record.Run {
		f := newFixture(record.ModeLive)
		f.call(0, 100, record.OutcomeSuccess, 1)
		f.noSnap = true
		run := f.build()
		run.DepRequests = append(run.DepRequests, record.DepRequest{Dep: depName, Seq: 99, AtNs: msNs(150), Fault: "none"})
		return run
	}
	killed := build()
	killed.Meta.EndedNs = 0 // killed: meta.json was never rewritten at the end
	v, err := check.Run(killed, check.Options{})
	require.NoError(t, err)
	c, ok := v.Check("I8")
	require.True(t, ok)
	assert.True(t, c.Passed, explain(v))
	assert.Contains(t, v.Warnings, "iam: dependency request seq=99 has no call record (the run was cut short while it was in flight)")

	v, err = check.Run(build(), check.Options{})
	require.NoError(t, err)
	c, _ = v.Check("I8")
	assert.False(t, c.Passed)
	assert.Equal(t, 2, c.ViolationsTotal, explain(v)) // the missing snapshot and the unrecorded call
}
