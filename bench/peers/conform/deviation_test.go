package conform

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	ref "github.com/breakerlab/breakerlab/breaker"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// These tests pin how each library departs from NFR-6, as the checker sees
// it: each asserts the check that fails and a piece of its evidence, so that
// an upgrade that changes the behaviour is noticed (then update the test,
// the mapping in the adapter's doc and docs/peers.md). The sim ones share
// the runs of TestMatrixSim.

// pin asserts that check id failed in c and that its first violation says
// each of want.
func pin(t *testing.T, c cell, id string, want ...string) {
	t.Helper()
	require.Empty(t, c.err, "%s × %s did not run as planned", c.lib, c.scenario)
	require.Contains(t, c.failed, id, "%s × %s: %s should fail; the failing checks: %v", c.lib, c.scenario, id, c.failed)
	for _, w := range want {
		assert.Contains(t, c.evidence[id], w, "%s × %s: %s's evidence", c.lib, c.scenario, id)
	}
}

// gobreaker has one setting, MaxRequests, for the success threshold and the
// half-open limit: asked for 2 successes with 1 probe at a time, it lets 2
// probes in.
func TestGobreakerTiesProbeLimitToSuccessThreshold(t *testing.T) {
	c := simCell(t, simEntry(t, "gobreaker"), "testdata/probe-limit-1.yaml")
	pin(t, c, "I5", "2 probes in flight in generation 2, at most 1 allowed")
}

// gobreaker's half-open limit counts the probes admitted in the generation,
// not those in flight: a probe that has already succeeded keeps its slot,
// and gobreaker says "too many requests" with one probe in flight of two
// (I5, rule 4).
func TestGobreakerCountsProbesAdmittedNotInFlight(t *testing.T) {
	c := simCell(t, simEntry(t, "gobreaker"), "nfr6-iam-outage")
	pin(t, c, "I5", "call seq=15010 was rejected at 150.1s for the probe limit with 1 of 2 probe slots free: the breaker counts probes that are no longer in flight")
	assert.Equal(t, []string{"I5"}, c.failed, "the rest of the cell holds")
	call := findCall(t, c.dir, 15010)
	assert.Equal(t, record.OutcomeRejected, call.Outcome)
	assert.Equal(t, record.RejectProbeLimit, call.Reject, "gobreaker said why: ErrTooManyRequests")
}

// failsafe-go's half-open permits are its success threshold too.
func TestFailsafeTiesProbeLimitToSuccessThreshold(t *testing.T) {
	c := simCell(t, simEntry(t, "failsafe"), "testdata/probe-limit-1.yaml")
	pin(t, c, "I5", "2 probes in flight in generation 2, at most 1 allowed")
}

// failsafe-go has no "ignored" result: a cancelled call counts as a success
// (the mapping's choice), which breaks a run of failures, so 5 failures with
// cancellations among them do not open it. gobreaker, which excludes
// cancellations, passes the same scenario.
func TestFailsafeCountsACancelAsSuccess(t *testing.T) {
	c := simCell(t, simEntry(t, "failsafe"), "testdata/cancels-in-outage.yaml")
	pin(t, c, "I2", "5 consecutive failures (the last at 10.17s) did not open the circuit")
	assert.True(t, simCell(t, simEntry(t, "gobreaker"), "testdata/cancels-in-outage.yaml").passed())
}

// The other choice does not work either: a half-open permit comes back only
// with a recorded result, so recording nothing for cancelled probes leaves
// the circuit half-open and rejecting everything, for good.
func TestFailsafeKeepsAPermitWithoutAResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cb := circuitbreaker.NewBuilder[any]().WithFailureThreshold(1).WithSuccessThreshold(2).WithDelay(time.Second).Build()
		cb.RecordError(errors.New("down"))
		require.True(t, cb.IsOpen())
		time.Sleep(time.Second)
		require.True(t, cb.TryAcquirePermit(), "probe 1")
		require.True(t, cb.TryAcquirePermit(), "probe 2")
		// Both probes are cancelled: nothing to record.
		time.Sleep(time.Hour)
		assert.False(t, cb.TryAcquirePermit(), "an hour later, still no permit")
		assert.True(t, cb.IsHalfOpen())
	})
}

// eapache counts failures, not consecutive failures: 4 failures and a
// success, repeated, open it.
func TestEapacheCountsFailuresNotConsecutive(t *testing.T) {
	c := simCell(t, simEntry(t, "eapache"), "error-rate-no-trip")
	pin(t, c, "I2", "opened after 1 consecutive failures, want 5", "consistent with a success not resetting the count")
}

// eapache has no half-open limit.
func TestEapacheHasNoProbeLimit(t *testing.T) {
	c := simCell(t, simEntry(t, "eapache"), "half-open-stampede")
	pin(t, c, "I5", "3 probes in flight in generation 2, at most 2 allowed")
}

// eapache half-opens from a goroutine that sleeps for the recovery timeout
// after each opening, and outlives a run that ends before it wakes (I11 in
// the real-time matrix; the sim matrix does not judge I11, see runCell).
func TestEapacheTimerOutlivesTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := goleak.IgnoreCurrent()
		b, err := Eapache().New(ref.Config{FailureThreshold: 1, SuccessThreshold: 1, RecoveryTimeout: time.Minute, Now: time.Now})
		require.NoError(t, err)
		assert.ErrorIs(t, b.Execute(context.Background(), func(context.Context) error { return errDep }), errDep)
		err = goleak.Find(before)
		require.Error(t, err, "the opening left a goroutine")
		assert.Contains(t, err.Error(), "go-resiliency/breaker.(*Breaker).timer")
		time.Sleep(time.Minute)
		assert.NoError(t, goleak.Find(before), "gone once the recovery timeout has passed")
	})
}

// rubyist counts the recovery timeout from the latest failure, late failures
// of calls admitted before it opened included, and lets probes in only
// strictly after it. The checker names the late failure (I7).
func TestRubyistTimesRecoveryFromTheLatestFailure(t *testing.T) {
	c := simCell(t, simEntry(t, "rubyist"), "nfr6-iam-outage")
	pin(t, c, "I7", "still open at 90.06s",
		"consistent with the late failure of call seq=3003 (admitted in generation 0) at 30.070229714s restarting the recovery timeout")
}

// rubyist admits every call once the backoff has passed.
func TestRubyistHasNoProbeLimit(t *testing.T) {
	c := simCell(t, simEntry(t, "rubyist"), "half-open-stampede")
	pin(t, c, "I5", "at most 2 allowed")
}

// rubyist closes on the first probe success: with one call in flight at a
// time, a probe success and then a failure leave it closed.
func TestRubyistClosesOnOneSuccess(t *testing.T) {
	c := simCell(t, simEntry(t, "rubyist"), "testdata/one-success-closes.yaml")
	pin(t, c, "I6", "the probe failure at 54.61s did not reopen the circuit")
	assert.True(t, simCell(t, simEntry(t, "gobreaker"), "testdata/one-success-closes.yaml").passed(), "the scenario is fair: gobreaker passes it")
}

// hystrix closes on any success reported while open, a late one included:
// slow successes of calls admitted before it opened close it half a second
// later. Live (hystrix has no clock and goroutines that never end): 6 s.
func TestHystrixClosesOnALateSuccess(t *testing.T) {
	if testing.Short() {
		t.Skip("a live run of 6 s")
	}
	impl := Hystrix()
	c := runCell(t, entry{impl: impl}, "testdata/late-success-live.yaml", t.TempDir())
	pin(t, c, "I4", "after opening at 1.0")
	pin(t, c, "I11", "outlived the run")

	// What the checker sees as an early half-open is hystrix closing on a
	// late success: the result just before it admitted calls again is the
	// success of a call it admitted before the outage.
	run, err := record.Read(c.dir)
	require.NoError(t, err)
	var firstReject, readmit *record.Call
	for i := range run.Calls {
		k := &run.Calls[i]
		if k.Outcome == record.OutcomeRejected && (firstReject == nil || k.StartNs < firstReject.StartNs) {
			firstReject = k
		}
	}
	require.NotNil(t, firstReject, "hystrix never opened")
	for i := range run.Calls {
		k := &run.Calls[i]
		if k.Outcome != record.OutcomeRejected && admitNs(k) > firstReject.StartNs && (readmit == nil || admitNs(k) < admitNs(readmit)) {
			readmit = k
		}
	}
	require.NotNil(t, readmit, "hystrix never admitted a call again")
	var last *record.Call // the latest result before readmit
	for i := range run.Calls {
		k := &run.Calls[i]
		if k.Outcome != record.OutcomeRejected && doneNs(k) < admitNs(readmit) && (last == nil || doneNs(k) > doneNs(last)) {
			last = k
		}
	}
	require.NotNil(t, last)
	assert.Equal(t, record.OutcomeSuccess, last.Outcome, "the result before the readmission at %dns", admitNs(readmit))
	assert.Less(t, admitNs(last), firstReject.StartNs, "a call admitted before the circuit opened")
	assert.Less(t, admitNs(readmit)-firstReject.StartNs, int64(time.Second), "readmitted well within the 10 s sleep window")
}

func admitNs(c *record.Call) int64 {
	if c.AdmitNs != 0 {
		return c.AdmitNs
	}
	return c.StartNs
}

func doneNs(c *record.Call) int64 {
	if c.DoneNs != 0 {
		return c.DoneNs
	}
	return c.EndNs
}

// findCall returns call seq of the run recorded in dir.
func findCall(t *testing.T, dir string, seq uint64) record.Call {
	t.Helper()
	run, err := record.Read(dir)
	require.NoError(t, err)
	for _, c := range run.Calls {
		if c.Seq == seq {
			return c
		}
	}
	t.Fatalf("%s: no call seq=%d", dir, seq)
	return record.Call{}
}
