package check_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

const (
	ms = time.Millisecond
	s  = time.Second
)

var testConfig = record.BreakerConfig{FailureThreshold: 3, SuccessThreshold: 2, RecoveryTimeoutNs: int64(10 * s), HalfOpenMaxCalls: 2}

// outage exercises every rule once: a success resetting the failure count,
// an ignored call, opening, rejections, a probe limit, a failed probe that
// reopens, a recovery, late results from the first closed generation landing
// while open (L1), while half-open (L3 success, L4 failure) and in the next
// closed generation (L5), and overlapping calls.
func outage() timeline {
	return timeline{
		cfg: testConfig,
		calls: cat(
			every(0, s, 3, 100*ms, ok),               // seq 1-3: closed, healthy
			[]tcall{{2500 * ms, 2600 * ms, cancel}},  // seq 4: ignored
			[]tcall{{3 * s, 3100 * ms, fail}},        // seq 5: failure 1
			[]tcall{{3500 * ms, 3600 * ms, ok}},      // seq 6: resets the count
			every(4*s, s, 3, 100*ms, fail),           // seq 7-9: failures 1-3, open at 6.1 s
			[]tcall{{3050 * ms, 25 * s, fail}},       // seq 10: L1, late failure while open
			[]tcall{{2 * s, 28 * s, ok}},             // seq 11: L3, late success while half-open
			[]tcall{{4500 * ms, 27800 * ms, fail}},   // seq 12: L4, late failure while half-open
			[]tcall{{5500 * ms, 35 * s, fail}},       // seq 13: L5, late failure in the next closed generation
			every(7*s, s, 9, 10*ms, ok),              // seq 14-22: rejected while open
			[]tcall{{16500 * ms, 17 * s, ok}},        // seq 23: probe success
			[]tcall{{16600 * ms, 17500 * ms, fail}},  // seq 24: probe failure, reopen at 17.5 s
			[]tcall{{16700 * ms, 16800 * ms, ok}},    // seq 25: over the probe limit
			[]tcall{{27600 * ms, 28500 * ms, ok}},    // seq 26: probe success
			[]tcall{{27700 * ms, 29 * s, ok}},        // seq 27: probe success, close at 29 s
			every(30*s, 500*ms, 10, 100*ms, ok),      // seq 28-37: closed
			every(35200*ms, 200*ms, 2, 100*ms, fail), // seq 38-39: two failures (three with L5)
			[]tcall{{36 * s, 36100 * ms, ok}},        // seq 40
			every(36*s, 100*ms, 20, s, ok),           // seq 41-60: overlapping
			[]tcall{{38 * s, 38500 * ms, cancel}},    // seq 61: ignored
			[]tcall{{15500 * ms, 15510 * ms, ok}},    // seq 62: rejected, open until 16.1 s (an early timer admits it)
			[]tcall{{20 * s, 20010 * ms, ok}},        // seq 63: rejected, reopened at 17.5 s (a breaker that did not reopen admits it)
			[]tcall{{28600 * ms, 29500 * ms, ok}},    // seq 64: probe, its slot freed by seq 26 (a breaker closed early admits 65 too)
			[]tcall{{28700 * ms, 28800 * ms, ok}},    // seq 65: over the probe limit
		),
		polls: []time.Duration{16100 * ms},
		end:   40 * s,
		phases: []record.Phase{
			{AtNs: 0, Label: "healthy"},
			{AtNs: int64(3 * s), Label: "error_rate 100%"},
			{AtNs: int64(27 * s), Label: "latency p99 1s", Healthy: true},
		},
	}
}

// recovery is an outage followed by a long healthy phase with steady load,
// for liveness.
func recovery() timeline {
	return timeline{
		cfg: testConfig,
		calls: cat(
			every(0, s, 2, 100*ms, ok),
			every(2*s, s, 3, 100*ms, fail), // open at 4.1 s
			every(5*s, s, 56, 200*ms, ok),  // rejected, then probes from 14.1 s, closed from 16.2 s
		),
		end: 62 * s,
		phases: []record.Phase{
			{AtNs: 0, Label: "healthy"},
			{AtNs: int64(2 * s), Label: "error_rate 100%"},
			{AtNs: int64(5 * s), Label: "healthy"},
		},
	}
}

// recoveryBursts is recovery with three calls at a time once healthy: a
// breaker still half-open then shows it by rejecting one of each three.
func recoveryBursts() timeline {
	tl := recovery()
	for at := 20 * s; at < 60*s; at += 2 * s {
		tl.calls = append(tl.calls, every(at, 10*ms, 3, 500*ms, ok)...)
	}
	return tl
}

// stampede has many callers arrive together at the moment of recovery.
func stampede() timeline {
	return timeline{
		cfg: testConfig,
		calls: cat(
			every(0, 100*ms, 3, 50*ms, fail),   // open at 0.25 s
			every(10250*ms, 0, 30, 500*ms, ok), // 30 callers at the half-open instant
			every(11*s, 10*ms, 30, 100*ms, ok), // then steady load
		),
		end: 12 * s,
		phases: []record.Phase{
			{AtNs: 0, Label: "error_rate 100%"},
			{AtNs: int64(5 * s), Label: "healthy"},
		},
	}
}

// lateInClosed has a call admitted by the first closed generation fail long
// after the circuit has opened, recovered and closed again. With two more
// failures around it, counting it would open the circuit.
func lateInClosed(withFailures bool) func() timeline {
	return func() timeline {
		tl := timeline{
			cfg: testConfig,
			calls: cat(
				[]tcall{{0, 30 * s, fail}},     // seq 1: the late failure
				every(s, s, 3, 100*ms, fail),   // open at 3.1 s
				every(14*s, s, 15, 100*ms, ok), // probes close at 15.1 s; then healthy
			),
			end: 35 * s,
			phases: []record.Phase{
				{AtNs: 0, Label: "error_rate 100%"},
				{AtNs: int64(10 * s), Label: "healthy"},
			},
		}
		if withFailures {
			// With the late failure counted the third failure opens it;
			// the call at 33 s shows whether it did.
			tl.calls = append(tl.calls, tcall{29 * s, 29100 * ms, fail}, tcall{31 * s, 31100 * ms, fail}, tcall{33 * s, 33100 * ms, ok})
		}
		return tl
	}
}

func TestCorrectBreakersPass(t *testing.T) {
	subjects := map[string]newSubject{"fake": newFake(noBug), "reference": newReal}
	// Each timeline, and the checks whose window it never reaches (not
	// checked): the outage reaches every one.
	timelines := map[string]struct {
		tl        func() timeline
		unchecked []string
	}{
		"outage":                {outage, nil},
		"recovery":              {recovery, []string{"I7"}},
		"stampede":              {stampede, []string{"I7"}},
		"late in closed":        {lateInClosed(true), []string{"I9"}},
		"late in closed, alone": {lateInClosed(false), []string{"I9"}}, // no call came while open
	}
	for sname, mk := range subjects {
		for tname, tt := range timelines {
			t.Run(sname+"/"+tname, func(t *testing.T) {
				v := verdictOf(t, drive(t, tt.tl(), mk))
				assert.True(t, v.Passed, "failed %v:\n%s", failed(v), explain(v))
				assert.Empty(t, v.Warnings)
				require.Len(t, v.Checks, 13)
				var skipped []string
				for _, c := range v.Checks {
					if c.Skipped {
						skipped = append(skipped, c.ID)
						assert.Contains(t, c.Detail, "not checked", c.ID)
					}
					assert.NotEmpty(t, c.Detail, c.ID)
				}
				assert.ElementsMatch(t, tt.unchecked, skipped)
			})
		}
	}
}

// The outage timeline really goes through every state: otherwise the
// mutation tests below would prove little.
func TestOutageTimelineCoversTheStates(t *testing.T) {
	run := drive(t, outage(), newReal)
	var got []string
	for _, tr := range run.Transitions {
		got = append(got, tr.From.String()+"→"+tr.To.String())
	}
	assert.Equal(t, []string{"closed→open", "open→half-open", "half-open→open", "open→half-open", "half-open→closed"}, got)
	assert.Equal(t, []int64{int64(6100 * ms), int64(16100 * ms), int64(17500 * ms), int64(27500 * ms), int64(29 * s)},
		[]int64{run.Transitions[0].AtNs, run.Transitions[1].AtNs, run.Transitions[2].AtNs, run.Transitions[3].AtNs, run.Transitions[4].AtNs})
	rejects := map[string]int{}
	late := 0
	for _, c := range run.Calls {
		rejects[c.Reject]++
		if c.Seq >= 10 && c.Seq <= 13 {
			assert.Equal(t, uint64(1), c.Gen, "the long calls were admitted by the first generation")
			late++
		}
	}
	assert.Equal(t, 11, rejects[record.RejectOpen])
	assert.Equal(t, 2, rejects[record.RejectProbeLimit])
	assert.Equal(t, 4, late)
}

// TestBrokenBreakersAreCaught plays timelines against breakers with one
// planted bug each. Each bug must be caught by the checks named, with the
// rule the evidence points at — from what the breaker did alone (black
// box: no transitions, generations, snapshots or rejection reasons
// recorded), and, with its report, also by the cross-checks of what it
// reports. A bug that no call makes visible (the report is all that shows
// it) is caught only with the report.
func TestBrokenBreakersAreCaught(t *testing.T) {
	tests := []struct {
		name string
		bug  bug
		tl   func() timeline
		mod  func(*timeline)
		// want: the checks that must fail with the report; black: without
		// it (nil: the bug does not show in behaviour on this timeline);
		// rule: the rule the first behaviour violation names.
		want, black []string
		rule        int
	}{
		{"threshold off by one (early)", thresholdMinusOne, outage, nil, []string{"I2"}, []string{"I2"}, 1},
		{"threshold off by one (late)", thresholdPlusOne, outage, nil, []string{"I2"}, []string{"I2"}, 1},
		{"threshold off by one (early), recovery", thresholdMinusOne, recovery, nil, []string{"I2"}, []string{"I2"}, 1},
		{"no generation check, late failure reopens", noGenerationCheck, outage, nil, []string{"I7"}, []string{"I7"}, 6},
		{"no generation check, late failure opens", noGenerationCheck, lateInClosed(true), nil, []string{"I7"}, []string{"I7"}, 6},
		{"no generation check, late failure counted", noGenerationCheck, lateInClosed(false), nil, []string{"I7"}, nil, 6},
		{"late success closes", lateSuccessCounts, outage, nil, []string{"I7"}, []string{"I7"}, 6},
		{"half-open admits everyone", halfOpenAdmitsAll, outage, nil, []string{"I5"}, []string{"I5"}, 4},
		{"half-open admits everyone, stampede", halfOpenAdmitsAll, stampede, nil, []string{"I5"}, []string{"I5"}, 4},
		{"recovery timer fires early", earlyTimer, outage, nil, []string{"I4"}, []string{"I4"}, 3},
		{"recovery timer fires late", lateTimer, outage, nil, []string{"I4"}, []string{"I4"}, 3},
		{"calls through while open", leakyOpen, outage, nil, []string{"I2", "I4", "I6"}, []string{"I2", "I4", "I6"}, 1}, // I6: it is still half-open at 28.7s
		{"never closes, one call at a time", neverCloses, recovery, nil, []string{"R1", "R2"}, nil, 0},
		{"never closes, three at a time", neverCloses, recoveryBursts, nil, []string{"I6", "I10"}, []string{"I6", "I10"}, 5},
		{"closes on one probe success", closesOnOneSuccess, outage, nil, []string{"I6"}, []string{"I6"}, 5},
		{"stays half-open on a probe failure", staysHalfOpenOnFailure, outage, nil, []string{"I6"}, []string{"I6"}, 5},
		{"skips half-open", skipsHalfOpen, outage, nil, []string{"I5", "I1", "R1"}, []string{"I5"}, 4},
		{"rejections counted as failures", rejectionsAsFailures, outage, nil, []string{"I8"}, nil, 0},
		{"middleware runs rejected calls", noBug, outage, func(tl *timeline) { tl.middlewareBug = true }, []string{"I3", "I8"}, []string{"I3"}, 2},
		{"a call record lost", noBug, outage, func(tl *timeline) { tl.dropCall = 2 }, []string{"I8"}, []string{"I8"}, 0},
		{"slow rejections", noBug, outage, func(tl *timeline) { tl.rejectTook = 2 * ms }, []string{"I9"}, []string{"I9"}, 2},
	}
	for _, tt := range tests {
		for _, black := range []bool{false, true} {
			want := tt.want
			name := tt.name
			if black {
				want, name = tt.black, name+", black box"
			}
			t.Run(name, func(t *testing.T) {
				tl := tt.tl()
				if tt.mod != nil {
					tt.mod(&tl)
				}
				tl.blackBox = black
				v := verdictOf(t, drive(t, tl, newFake(tt.bug)))
				got := failed(v)
				if len(want) == 0 {
					assert.Empty(t, got, "the bug does not show without the report:\n%s", explain(v))
					return
				}
				assert.ElementsMatch(t, want, got, "verdict:\n%s", explain(v))
				if tt.rule != 0 {
					assert.Equal(t, tt.rule, firstRule(v, want[0]), "the rule the evidence names:\n%s", explain(v))
				}
				for _, c := range v.Checks {
					for _, vi := range c.Violations {
						assert.Equal(t, depName, vi.Dep)
						assert.NotEmpty(t, vi.Event)
						assert.NotEmpty(t, vi.Message)
						assert.NotEmpty(t, vi.Context, "%s: %s", vi.ID, vi.Message)
					}
				}
				t.Logf("failed %v:\n%s", got, explain(v))
			})
		}
	}
}

// firstRule is the rule named by the first violation of check id.
func firstRule(v record.Verdict, id string) int {
	if c, ok := v.Check(id); ok && len(c.Violations) > 0 {
		return c.Violations[0].Rule
	}
	return 0
}
