package check_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The cases below are small black boxes: calls, what reached the
// dependency, and nothing else, unless a case makes the breaker report.
// testConfig: open after 3 consecutive failures, 10 s open, 2 probes, close
// after 2 probe successes. Times are milliseconds.

// timed sets a call's admit and done times (real time: the breaker decided
// in [start, admit] and took the result in [done, end]).
func timed(c *record.Call, admit, done int) { c.AdmitNs, c.DoneNs = msNs(admit), msNs(done) }

func TestI2FailureThreshold(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "opens at the third failure", build: func(f *fixture) { f.opened() }},
		{name: "a success resets the count", build: func(f *fixture) {
			f.fail(0, 100)
			f.ok(100, 200)
			f.fail(200, 300)
			f.fail(300, 400)
			f.reject(500)
		}, want: []string{"I2"}, msg: "opened after 2 consecutive failures, want 3: call seq=5 was rejected at 0.5s", rule: 1},
		{name: "a cancelled call neither counts nor resets", build: func(f *fixture) {
			f.fail(0, 100)
			f.cancel(100, 200)
			f.fail(200, 300)
			f.fail(300, 400)
			f.reject(500)
		}},
		{name: "cancelled calls counted as failures", build: func(f *fixture) {
			f.fail(0, 100)
			f.cancel(100, 200)
			f.fail(200, 300)
			f.reject(500)
		}, want: []string{"I2"}, msg: "with the 1 cancelled calls among them counted as failures, the streak is 3", rule: 8},
		{name: "opens a failure late", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.fail(200, 300)
			f.ok(350, 360)
			f.fail(400, 450)
			f.reject(500)
		}, want: []string{"I2"}, msg: "3 consecutive failures (the last at 0.3s) did not open the circuit: call seq=4 was admitted at 0.35s", rule: 1},
		{name: "deadlines counted as ignored", build: func(f *fixture) {
			f.fail(0, 100).Err = "context deadline exceeded"
			f.fail(100, 200).Err = "context deadline exceeded"
			f.fail(200, 300)
			f.ok(400, 500)
		}, want: []string{"I2"}, msg: "2 of them were the caller's deadline (context.DeadlineExceeded), which is a failure", rule: 8},
		{name: "deadlines counted as ignored: it opens at the third other failure", build: func(f *fixture) {
			f.fail(0, 100).Err = "context deadline exceeded"
			f.fail(100, 200).Err = "context deadline exceeded"
			f.fail(200, 300)
			f.fail(300, 400) // admitted: the breaker had not opened
			f.fail(400, 500)
			f.reject(600)
		}, want: []string{"I2"}, msg: "consistent with deadlines counted as ignored", rule: 8},
		{name: "only deadlines, and it opens two failures late", build: func(f *fixture) {
			for i := range 5 {
				f.fail(100*i, 100*i+100).Err = "context deadline exceeded" // the 4th is admitted at 0.3 s
			}
			f.reject(600)
		}, want: []string{"I2"}, msg: "3 consecutive failures (the last at 0.3s) did not open the circuit: call seq=4 was admitted at 0.3s", rule: 1},
		{name: "deadlines in the streak of a breaker that opens one failure late", build: func(f *fixture) {
			f.fail(0, 100).Err = "context deadline exceeded"
			f.fail(100, 200).Err = "context deadline exceeded"
			f.fail(200, 300)
			f.fail(300, 400) // admitted at 0.3 s: the breaker had not opened at 3
			f.reject(500)
		}, want: []string{"I2"}, msg: "3 consecutive failures (the last at 0.3s) did not open the circuit: call seq=4 was admitted at 0.3s", rule: 1},
		{name: "failures short of the threshold are judged too", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.ok(200, 300)
			f.fail(300, 400)
		}},
		{name: "live: the tripping result overlaps the first rejection", mode: record.ModeLive, build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			timed(f.fail(200, 350), 200, 300)
			f.reject(310)
		}},
		{name: "sim: the same rejection precedes the third failure", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.fail(200, 350)
			f.reject(320)
		}, want: []string{"I2"}, msg: "opened after 2 consecutive failures", rule: 1},
		{name: "live: a success that overlaps the streak may have broken it", mode: record.ModeLive, build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			timed(f.ok(50, 260), 50, 150)
			timed(f.fail(200, 250), 200, 240)
			f.ok(1000, 1100)
		}},
		{name: "live: a success that began after the tripping failure did not break the streak", mode: record.ModeLive, build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			timed(f.fail(200, 250), 200, 240)
			timed(f.ok(150, 300), 150, 290) // its result came 40 ms after the trip, beyond the 1 ms tolerance
			f.ok(310, 400)
		}, want: []string{"I2"}, msg: "3 consecutive failures (the last at 0.25s) did not open the circuit: call seq=5 was admitted at 0.31s", rule: 1},
		{name: "sim: the same success came before the streak", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.ok(50, 150)
			f.fail(200, 250)
			f.fail(300, 350)
			f.ok(1000, 1100)
		}, want: []string{"I2"}, msg: "did not open the circuit: call seq=6 was admitted at 1s"},
	})
	v := verdictFor(t, "", func(f *fixture) { f.opened() })
	c, _ := v.Check("I2")
	assert.Equal(t, "1 trip judged; iam: opened after 3 consecutive failures, expected 3 (1 of 1 trip as expected)", c.Detail)
	v = verdictFor(t, "", func(f *fixture) { f.ok(0, 100) })
	c, _ = v.Check("I2")
	assert.True(t, c.Skipped)
	assert.Equal(t, "not checked: no call failed while the circuit was closed", c.Detail)
}

func TestI3NothingWhileOpen(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "rejected while open", build: func(f *fixture) { f.opened() }},
		{name: "a rejected call reached the dependency", build: func(f *fixture) {
			f.opened()
			f.run.DepRequests = append(f.run.DepRequests, record.DepRequest{Dep: depName, Seq: 4, AtNs: msNs(400)})
		}, want: []string{"I3"}, msg: "call seq=4 was rejected at 0.4s, yet reached the dependency at 0.4s", rule: 2},
		{name: "a request no call made, while open", build: func(f *fixture) {
			f.noDeps = true
			f.opened()
			f.reject(600)
			for seq := uint64(1); seq <= 3; seq++ {
				f.run.DepRequests = append(f.run.DepRequests, record.DepRequest{Dep: depName, Seq: seq, AtNs: msNs(int(seq-1) * 100)})
			}
			f.run.DepRequests = append(f.run.DepRequests, record.DepRequest{Dep: depName, Seq: 99, AtNs: msNs(500)})
		}, want: []string{"I3", "I8"}, msg: "reached the dependency at 0.5s while the circuit was open (since 0.3s) and no call admitted it"},
	})
	v := verdictFor(t, "", func(f *fixture) { f.ok(0, 100) })
	c, _ := v.Check("I3")
	assert.True(t, c.Skipped)
	assert.Equal(t, "not checked: the circuit never opened", c.Detail)
}

func TestI4RecoveryTimeout(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "half-opens on time", build: func(f *fixture) {
			f.halfOpen()
			f.reject(10299)
			f.ok(10300, 10400)
		}},
		{name: "early", build: func(f *fixture) {
			f.halfOpen()
			f.ok(6000, 6100)
		}, want: []string{"I4"}, msg: "half-open 5.7s after opening at 0.3s (call seq=6 admitted at 6s), want the recovery timeout 10s", rule: 3},
		{name: "late", build: func(f *fixture) {
			f.halfOpen()
			f.reject(10400)
			f.ok(11000, 11100)
		}, want: []string{"I4"}, msg: "still open at 10.4s (call seq=6 rejected), 10.1s after opening at 0.3s: the recovery timeout is 10s (tolerance 0s)", rule: 3},
		{name: "live: early by 0.5ms, in-process (no tolerance)", mode: record.ModeLive, build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10400).StartNs = msNs(10300) - int64(500*time.Microsecond)
			f.run.Calls[len(f.run.Calls)-1].AdmitNs = f.run.Calls[len(f.run.Calls)-1].StartNs
		}, want: []string{"I4"}, msg: "half-open 9.9995s after opening", rule: 3},
		{name: "live: early within a 1ms tolerance", mode: record.ModeLive, tol: time.Millisecond, build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10400).StartNs = msNs(10300) - int64(500*time.Microsecond)
		}},
		{name: "live: late within a 1ms tolerance", mode: record.ModeLive, tol: time.Millisecond, build: func(f *fixture) {
			f.halfOpen()
			f.reject(10300).StartNs = msNs(10300) + int64(500*time.Microsecond)
			f.run.Calls[len(f.run.Calls)-1].EndNs = f.run.Calls[len(f.run.Calls)-1].StartNs
			f.ok(10400, 10500)
		}},
		{name: "live: late beyond the tolerance", mode: record.ModeLive, build: func(f *fixture) {
			f.halfOpen()
			f.reject(10302)
			f.ok(10400, 10500)
		}, want: []string{"I4"}, msg: "still open at 10.302s", rule: 3},
	})
	v := verdictFor(t, "", func(f *fixture) {
		f.halfOpen()
		f.reject(10299)
		f.ok(10300, 10400)
	})
	c, _ := v.Check("I4")
	assert.Equal(t, "1 open period judged; iam: open for 10 s, expected 10 s (1 of 1 open period as expected; 1 bounded by the calls around it, not pinned)", c.Detail)
}

func TestI5ProbeLimit(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "the limit holds", build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10500)
			f.ok(10310, 10500)
			f.reject(10320)
		}},
		{name: "three probes at once", build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10500)
			f.ok(10310, 10500)
			f.ok(10320, 10500)
		}, want: []string{"I5"}, msg: "3 probes in flight in generation 2, at most 2 allowed (in flight: seq=6, seq=7)", rule: 4},
		{name: "a probe that took no time frees its slot", build: func(f *fixture) {
			f.halfOpen()
			f.cancel(10300, 10300)
			f.cancel(10400, 10700)
			f.cancel(10400, 10800)
		}},
		{name: "a cancelled probe keeps its slot", build: func(f *fixture) {
			f.halfOpen()
			f.cancel(10300, 10310)
			f.ok(10320, 10900)
			f.reject(10400)
		}, want: []string{"I5"}, msg: "call seq=8 was rejected at 10.4s with 1 of 2 probe slots in use: the cancelled probe call seq=6 (at 10.31s) did not give its slot back", rule: 8},
		{name: "stress: three short probes at once", mode: record.ModeStress, build: func(f *fixture) {
			f.halfOpen()
			for range 3 {
				timed(f.cancel(10400, 10401), 10400, 10401)
			}
		}, want: []string{"I5"}, msg: "3 probes in flight in generation 2, at most 2 allowed", rule: 4},
		{name: "stress: a burst of probes too tangled to order", mode: record.ModeStress, build: func(f *fixture) {
			// 30 callers get in at once after the recovery timeout, while
			// others are rejected: too many overlapping events for the
			// window search, yet all were admitted after the rejections while open
			// and before any result came back.
			f.halfOpen()
			for i := range 30 {
				timed(f.ok(10290+i, 10501+i), 10330+i, 10500+i)
				f.reject(10295 + i).Reject = record.RejectProbeLimit
			}
		}, want: []string{"I5"}, msg: "30 calls were in flight at once at 10.359s, at most 2 allowed: all were admitted after call seq=4 was rejected at 0.4s", rule: 4},
		{name: "the limit counts probes that have ended", build: func(f *fixture) {
			// As gobreaker's does: two probes admitted in the period, one
			// back with a success, and the third call is turned away for
			// the limit.
			f.halfOpen()
			f.ok(10300, 10400)
			f.ok(10310, 11000)
			f.reject(10500).Reject = record.RejectProbeLimit
			f.reject(10600).Reject = record.RejectProbeLimit
		}, want: []string{"I5"}, msg: "call seq=8 was rejected at 10.5s for the probe limit with 1 of 2 probe slots free: the breaker counts probes that are no longer in flight", rule: 4},
	})
}

func TestI6Probes(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "closes after two successes", build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10400)
			f.ok(10310, 10450)
			f.ok(10500, 11000)
			f.ok(10510, 11000)
			f.ok(10520, 11000)
		}},
		{name: "closes after one success", build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10400)
			f.ok(10310, 10900)
			f.ok(10500, 10950)
			f.ok(10510, 10950)
		}, want: []string{"I6"}, msg: "closed after 1 probe successes, want 2: call seq=9 was admitted at 10.51s with 2 probes in flight", rule: 5},
		{name: "still half-open after two successes", build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10400)
			f.ok(10310, 10450)
			f.ok(10500, 11000)
			f.ok(10510, 11000)
			f.reject(10520)
		}, want: []string{"I6"}, msg: "still half-open: after 2 probe successes the circuit should have closed at 10.45s", rule: 5},
		{name: "still half-open after two successes, with a probe of its own in flight", build: func(f *fixture) {
			f.halfOpen()
			f.ok(10300, 10400)
			f.ok(10310, 10450)
			f.ok(10420, 11000) // a probe in the slot the first success freed
			f.ok(10500, 11000)
			f.reject(10520).Reject = record.RejectProbeLimit
		}, want: []string{"I6"}, msg: "still half-open: after 2 probe successes the circuit should have closed at 10.45s, yet call seq=10 was rejected at 10.52s for the probe limit", rule: 5},
		{name: "a probe failure does not reopen", build: func(f *fixture) {
			f.halfOpen()
			f.fail(10300, 10400)
			f.ok(10500, 10600)
		}, want: []string{"I6"}, msg: "the probe failure at 10.4s did not reopen the circuit: call seq=7 was admitted at 10.5s", rule: 5},
		{name: "reopens without a probe failure", build: func(f *fixture) {
			f.reports()
			f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
			f.trans(record.StateOpen, record.StateHalfOpen, 10300, 3, "recovery timeout elapsed")
			f.halfOpen()
			f.ok(10300, 10400)
			f.reject(10500).Reject = record.RejectOpen
		}, want: []string{"I6"}, msg: "half-open→open without a probe failure: call seq=7 was rejected at 10.5s with 2 of 2 probe slots free", rule: 5},
	})
}

func TestI7LateResults(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "late results change nothing", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.ok(150, 10350) // admitted closed, back while half-open
			f.fail(200, 300)
			f.reject(400)
			f.ok(10300, 10400)
			f.ok(10310, 10500)
			f.ok(10600, 10700)
		}},
		{name: "a late failure reopens", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.fail(150, 10350) // admitted closed, fails while half-open
			f.fail(200, 300)
			f.reject(400)
			f.ok(10300, 10600)
			f.reject(10500)
		}, want: []string{"I7"}, msg: "the late failure of call seq=3 (admitted in generation 0) at 10.35s reopened it", rule: 6},
		{name: "a late success closes", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.ok(150, 10350) // admitted closed, succeeds while half-open
			f.fail(200, 300)
			f.reject(400)
			f.ok(10300, 10400)
			f.ok(10310, 11000)
			f.ok(10500, 11000)
			f.ok(10510, 11000)
		}, want: []string{"I7"}, msg: "closed after 1 probe successes (and the late success of call seq=3, admitted in generation 0), want 2", rule: 6},
		{name: "a late success frees a probe slot", build: func(f *fixture) {
			f.fail(0, 100)
			f.fail(100, 200)
			f.ok(150, 10350) // admitted closed, succeeds while half-open with both slots taken
			f.fail(200, 300)
			f.reject(400)
			f.ok(10300, 11000)
			f.ok(10310, 11000)
			f.ok(10360, 11000) // admitted in the slot the late success freed
		}, want: []string{"I7"}, msg: "call seq=8 was admitted at 10.36s with 2 probes in flight, at most 2 allowed: the late success of call seq=3 (admitted in generation 0) at 10.35s was taken as a probe's, freeing its slot", rule: 6},
		{name: "a late failure counted towards a trip", build: func(f *fixture) {
			f.opened()
			f.fail(250, 20700) // admitted closed, fails in the next closed generation
			f.ok(10300, 10400)
			f.ok(10310, 10450)
			f.fail(20500, 20600)
			f.fail(20550, 20650)
			f.reject(20800)
		}, want: []string{"I7"}, msg: "with the late failure of call seq=5 (admitted in generation 0) counted, the streak is 3", rule: 6},
	})
	v := verdictFor(t, "", func(f *fixture) { f.opened() })
	c, _ := v.Check("I7")
	assert.True(t, c.Skipped)
}

func TestI8Accounting(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "totals agree", build: func(f *fixture) {
			f.reports().opened()
			f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
		}},
		{name: "deadlines counted as ignored in the totals", build: func(f *fixture) {
			f.reports()
			f.ok(0, 100)
			f.fail(100, 200).Err = "context deadline exceeded"
			f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(200), State: record.StateClosed, Gen: 1, Totals: record.Totals{Success: 1, Ignored: 1}}
		}, want: []string{"I8", "R2"}, msg: "the 1 calls that hit their deadline (context.DeadlineExceeded, a failure) were counted as ignored", rule: 8},
		{name: "a rejection reason that is none of the two", build: func(f *fixture) {
			f.opened()
			f.reject(500).Reject = "busy"
		}, want: []string{"I8"}, msg: `rejected with reject "busy"`},
		{name: "times out of order", build: func(f *fixture) {
			timed(f.ok(100, 200), 50, 150)
		}, want: []string{"I8"}, msg: "times out of order"},
		{name: "a call that never reached the dependency", build: func(f *fixture) {
			f.ok(0, 100)
			f.noDeps = true
		}, want: []string{"I8"}, msg: "admitted and ended in success, but never reached the dependency"},
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
				f.call(500+i, 500+i+took, record.OutcomeRejected)
			}
		}
	}
	runFixtures(t, []fixtureCase{
		{name: "one slow rejection in a hundred is under p99", build: rejections(100, 1, 5)},
		{name: "two slow rejections in a hundred are over it", build: rejections(100, 2, 5), want: []string{"I9"},
			msg: "rejection latency p99 5ms over 101 rejections, bound 1ms"},
		{name: "the scenario's bound", build: func(f *fixture) {
			rejections(10, 10, 2)(f)
			f.run.Meta.Expect.MaxRejectionP99Ns = msNs(3)
		}},
	})
}

func TestI10Liveness(t *testing.T) {
	heal := func(f *fixture) {
		f.run.Meta.Dependencies[0].Phases = []record.Phase{{AtNs: 0, Label: "error_rate 100%"}, {AtNs: msNs(1000), Label: "recovered", Healthy: true}}
	}
	runFixtures(t, []fixtureCase{
		{name: "closes in time", build: func(f *fixture) {
			heal(f)
			f.halfOpen()
			f.ok(10400, 10500)
			f.ok(10500, 10600)
			f.ok(30000, 30100)
		}},
		{name: "never closes", build: func(f *fixture) {
			heal(f)
			f.halfOpen()
			for i := range 20 {
				f.cancel(10400+1000*i, 10500+1000*i)
			}
		}, want: []string{"I10"}, msg: "dependency healthy since 1s, circuit not closed since 1s: it never closed before the phase ended at 29.5s, want by 12.3s (recovery timeout 10s + probes' time 1.3s)"},
		{name: "closes with probes from before the timeout, and the run ends", mode: record.ModeLive, build: func(f *fixture) {
			heal(f)
			f.halfOpen()
			f.ok(10300, 10400)
			f.ok(10310, 11200) // no call starts after 11 s: no deadline to hold it to
		}},
	})
	v := verdictFor(t, "", func(f *fixture) {
		f.opened()
		f.run.Meta.Dependencies[0].Phases = []record.Phase{{AtNs: 0, Label: "error_rate 100%"}, {AtNs: msNs(1000), Label: "healthy"}}
		f.run.Meta.EndedNs = msNs(5000)
	})
	c, _ := v.Check("I10")
	assert.True(t, c.Passed)
	assert.True(t, c.Skipped)
	assert.Equal(t, "not checked: the circuit was closed whenever the dependency was healthy, or the run ended first (1 too late to judge)", c.Detail)
	require.Len(t, v.Warnings, 1)
	assert.Contains(t, v.Warnings[0], "ended at 5s, before the circuit was due to close")
}

// R1: what the breaker reports it did must be what it did.
func TestR1ReportedTransitions(t *testing.T) {
	reported := func(f *fixture) {
		f.reports()
		f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
		f.trans(record.StateOpen, record.StateHalfOpen, 10300, 3, "recovery timeout elapsed")
		f.trans(record.StateHalfOpen, record.StateClosed, 10450, 4, "2 consecutive probe successes")
		f.halfOpen()
		f.ok(10300, 10400)
		f.ok(10310, 10450)
		f.ok(10500, 10600)
	}
	runFixtures(t, []fixtureCase{
		{name: "reports what it did", build: reported},
		{name: "reports a close it did not make", build: func(f *fixture) {
			reported(f)
			f.trans(record.StateClosed, record.StateOpen, 10700, 5, "3 consecutive failures")
		}, want: []string{"R1", "R2"}, msg: "the breaker reports closed→open at 10.7s; what it did shows no such change (it was closed)"},
		{name: "does not report a trip it made", build: func(f *fixture) {
			reported(f)
			f.run.Transitions = f.run.Transitions[1:]
			f.run.Transitions[0].From = record.StateClosed
		}, want: []string{"R1", "I1"}, msg: "what the breaker did shows closed→open at 0.3s (3 consecutive failures), which it did not report"},
		{name: "reports a half-open due just before the run ended, which no call showed", mode: record.ModeLive, build: endsHalfOpen},
		{name: "reports a half-open, then rejects as open", mode: record.ModeLive, build: func(f *fixture) {
			endsHalfOpen(f)
			f.reject(10285)
		}, want: []string{"R1"}, msg: "the breaker reports open→half-open at 10.28s; what it did shows no such change (it was open)"},
	})
	v := verdictFor(t, "", func(f *fixture) { f.opened() })
	c, _ := v.Check("R1")
	assert.True(t, c.Skipped, "a black box reports nothing to cross-check")
}

// endsHalfOpen: the third failure reached the breaker between 250 and 300
// ms, which opened at 280 ms and reports half-open 10 s later; the run ends
// before 10.3 s, when the half-open would be sure.
func endsHalfOpen(f *fixture) {
	f.reports()
	f.fail(0, 100)
	f.fail(100, 200)
	f.fail(200, 300).DoneNs = msNs(250)
	f.reject(400)
	f.trans(record.StateClosed, record.StateOpen, 280, 2, "3 consecutive failures")
	f.trans(record.StateOpen, record.StateHalfOpen, 10280, 3, "recovery timeout elapsed")
	f.run.Meta.EndedNs = msNs(10290)
}

// R2: the state a breaker reports must be the one it was in.
func TestR2Snapshots(t *testing.T) {
	runFixtures(t, []fixtureCase{
		{name: "reports open while it rejects", build: func(f *fixture) {
			f.reports().opened()
			f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
		}},
		{name: "reports closed while it rejects", build: func(f *fixture) {
			f.reports().opened()
			f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
			f.snap = &record.Snapshot{Dep: depName, AtNs: msNs(400), State: record.StateClosed, Gen: 2, Totals: record.Totals{Failure: 3, Rejected: 1}}
		}, want: []string{"R2"}, msg: "the breaker reports closed at 0.4s; what it did shows open"},
		{name: "half-open once the timeout passed, before any call", build: func(f *fixture) {
			f.reports().opened()
			f.trans(record.StateClosed, record.StateOpen, 300, 2, "3 consecutive failures")
			f.trans(record.StateOpen, record.StateHalfOpen, 10300, 3, "recovery timeout elapsed")
			f.run.Meta.EndedNs = msNs(12000)
		}},
	})
}

func TestI11Goroutines(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.ok(0, 100)
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
	assert.True(t, c.Skipped)
	assert.True(t, v.Passed)

	three := 3
	run.Meta.LeakedGoroutines = &three
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	c, _ = v.Check("I11")
	assert.False(t, c.Passed)
	assert.Equal(t, "3 goroutines outlived the run", c.Violations[0].Message)
}

func TestOptionsAndBadInput(t *testing.T) {
	run := newFixture(record.ModeSim).build()
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
	f.halfOpen()
	for i := range 50 {
		f.ok(10300+i, 10300+i+1000)
	}
	v, err := check.Run(f.build(), check.Options{MaxViolations: 3, ContextEvents: -1})
	require.NoError(t, err)
	c, _ := v.Check("I5")
	assert.Len(t, c.Violations, 3)
	assert.Equal(t, 48, c.ViolationsTotal)
	assert.Empty(t, c.Violations[0].Context)
	assert.Equal(t, record.Stats{Calls: 55, Success: 50, Failure: 3, Rejected: 2, DependencyRequests: 53, Transitions: 3}, v.Stats)
}

func TestExpectations(t *testing.T) {
	build := func() *record.Run {
		f := newFixture(record.ModeSim)
		f.run.Meta.Dependencies[0].Phases = []record.Phase{{AtNs: 0, Label: "error_rate 100%"}, {AtNs: msNs(1000), Label: "healthy"}}
		f.halfOpen()
		for i := range 4 {
			f.reject(400 + i).Fallback = true
		}
		f.ok(10400, 10500)
		f.ok(10500, 10600)
		return f.build() // 11 calls: 2 successes, 3 failures, 6 rejected, 4 of them with fallback
	}
	run := build()
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.Len(t, v.Checks, 13, "no expectation is set")

	run.Meta.Expect = record.Expect{Invariants: []string{"I9"}, MaxRejectionP99Ns: 1, MinServedRatio: 0.7, MaxTimeToCloseNs: msNs(9000)}
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	require.Len(t, v.Checks, 5, "max_rejection_p99 is I9's bound, not a check of its own")
	assert.Equal(t, []string{"I9", "R1", "R2", check.ExpectMinServedRatio, check.ExpectMaxTimeToClose},
		[]string{v.Checks[0].ID, v.Checks[1].ID, v.Checks[2].ID, v.Checks[3].ID, v.Checks[4].ID})
	assert.True(t, v.Checks[0].Passed, "I9 uses the scenario's bound: 1 ns, and rejections took 0")
	assert.Contains(t, v.Checks[0].Detail, "bound 1ns")
	assert.Equal(t, record.KindExpectation, v.Checks[3].Kind)
	assert.False(t, v.Checks[3].Passed)
	assert.Equal(t, "served 6 of 11 calls (0.5455), want at least 0.7", v.Checks[3].Violations[0].Message)
	assert.False(t, v.Checks[4].Passed)
	assert.Equal(t, "closed 9.6s after the dependency healed at 1s, want within 9s", v.Checks[4].Violations[0].Message)

	run.Meta.Expect = record.Expect{Invariants: []string{"i2"}, MinServedRatio: 0.5, MaxTimeToCloseNs: msNs(10000)}
	v, err = check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
	c, _ := v.Check(check.ExpectMaxTimeToClose)
	assert.Equal(t, "iam: closed 9.6s after healing", c.Detail)
}

func TestOpensExpectation(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.halfOpen()
	f.ok(10300, 10400)
	f.ok(10400, 10500)
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
}

func TestDirWritesNothingAndReads(t *testing.T) {
	run := drive(t, recovery(), newReal)
	v, _, err := check.Dir(run.Dir, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))
	require.NoError(t, v.Write(run.Dir))
	back, err := record.ReadVerdict(run.Dir)
	require.NoError(t, err)
	assert.Equal(t, v.Stats, back.Stats)
	assert.Equal(t, v.Observed, back.Observed)

	_, _, err = check.Dir(t.TempDir(), check.Options{})
	assert.ErrorContains(t, err, "meta.json")
}

func TestUnknownDependencyIsAWarning(t *testing.T) {
	f := newFixture(record.ModeSim)
	f.ok(0, 100)
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
	f.ok(0, 100)
	f.ok(100, 200)
	run := f.build()
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.True(t, v.Passed, explain(v))

	run.Calls = append(run.Calls, run.Calls[1])
	run.DepRequests = append(run.DepRequests, run.DepRequests[1])
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
	run := f.build()
	run.Meta.Dependencies = append(run.Meta.Dependencies, record.Dependency{Name: "eris", Breaker: record.BreakerConfig{FailureThreshold: 2}})
	// eris opens after 2 failures, as its own threshold says, then lets a
	// call through while open.
	for _, c := range []record.Call{
		{Seq: 1, Dep: "eris", StartNs: msNs(100), EndNs: msNs(150), Outcome: record.OutcomeFailure},
		{Seq: 2, Dep: "eris", StartNs: msNs(200), EndNs: msNs(250), Outcome: record.OutcomeFailure},
		{Seq: 3, Dep: "eris", StartNs: msNs(300), EndNs: msNs(300), Outcome: record.OutcomeRejected},
		{Seq: 4, Dep: "eris", StartNs: msNs(500), EndNs: msNs(600), Outcome: record.OutcomeSuccess},
	} {
		run.Calls = append(run.Calls, c)
		if c.Outcome != record.OutcomeRejected {
			run.DepRequests = append(run.DepRequests, record.DepRequest{Dep: "eris", Seq: c.Seq, AtNs: c.StartNs})
		}
	}
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"I4"}, failed(v), explain(v))
	c, _ := v.Check("I4")
	require.Len(t, c.Violations, 1)
	assert.Equal(t, "eris", c.Violations[0].Dep)
	assert.Equal(t, "call seq=4", c.Violations[0].Event)
	for _, line := range c.Violations[0].Context {
		assert.NotContains(t, line, "seq=5", "context is the dependency's own events")
	}
}

// A run killed before its end has no final snapshot, and calls in flight at
// the kill may have reached the dependency without a call record: I8 says so
// in warnings, not violations. The same run, ended normally, fails I8.
func TestI8KilledRun(t *testing.T) {
	build := func() *record.Run {
		f := newFixture(record.ModeLive)
		f.reports()
		f.ok(0, 100)
		f.snap = &record.Snapshot{}
		run := f.build()
		run.Snapshots = nil
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

// The parameters a breaker showed are reported next to the expected ones.
func TestObservedParameters(t *testing.T) {
	// Opens at the fourth failure: when exactly, between the fourth
	// call's start and the rejection, the records don't pin.
	v := verdictFor(t, "", func(f *fixture) {
		f.fail(0, 100)
		f.fail(100, 200)
		f.fail(200, 300)
		f.fail(300, 400)
		f.reject(500)
	})
	require.NotEmpty(t, v.Observed)
	assert.Equal(t, record.Observed{Dep: depName, Param: record.ParamFailureStreak, Expected: 3, Unit: "calls",
		Values: []float64{4}, Exact: 0, Matching: 0}, v.Observed[0])
	c, _ := v.Check("I2")
	assert.Contains(t, c.Detail, "iam: opened after 4 consecutive failures, expected 3 (0 of 1 trip as expected; 1 bounded by the calls around it, not pinned)")

	v = verdictOf(t, drive(t, outage(), newReal))
	params := map[string]record.Observed{}
	for _, o := range v.Observed {
		params[o.Param] = o
	}
	assert.Equal(t, []float64{3}, params[record.ParamFailureStreak].Values)
	assert.Equal(t, 2, params[record.ParamOpenFor].Matching, "both open periods lasted the recovery timeout, as far as the calls show")
	assert.Equal(t, []float64{2}, params[record.ParamSuccessesToClose].Values)
	assert.Equal(t, []float64{2, 2}, params[record.ParamProbes].Values)
}

// A run in which no check had anything to judge is not a pass: its
// verdict says not checked.
func TestNothingJudgedIsNotAPass(t *testing.T) {
	v := verdictFor(t, "", func(f *fixture) {
		f.ok(0, 100)
		f.run.Meta.Expect.Invariants = []string{"I3", "I4", "I6"}
	})
	for _, c := range v.Checks {
		assert.True(t, c.Skipped, c.ID)
	}
	assert.False(t, v.Passed)
	assert.Equal(t, record.StatusNotChecked, v.Status())

	v = verdictFor(t, "", func(f *fixture) {
		f.ok(0, 100)
		f.run.Meta.Expect.Invariants = []string{"I3", "I8"}
	})
	assert.True(t, v.Passed, "I8 judged the call")
	assert.Equal(t, record.StatusPassed, v.Status())
}
