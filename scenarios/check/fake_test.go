package check_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// bug is a deliberate defect in fakeBreaker.
type bug int

const (
	noBug                  bug = iota
	thresholdMinusOne          // opens at FailureThreshold-1 failures (I2)
	thresholdPlusOne           // opens at FailureThreshold+1 failures (I2)
	noGenerationCheck          // a late result counts in the current generation (I7)
	lateSuccessCounts          // a late success counts as a probe success (I7/I6)
	halfOpenAdmitsAll          // half-open admits every caller (I5)
	earlyTimer                 // half-opens a second before the recovery timeout (I4)
	lateTimer                  // half-opens a second after the recovery timeout (I4)
	leakyOpen                  // lets calls through while open (I3)
	neverCloses                // probe successes never close the circuit (I10, I6)
	rejectionsAsFailures       // counts rejections as failures in its totals (I8)
	closesOnOneSuccess         // closes on the first probe success (I6)
	staysHalfOpenOnFailure     // a probe failure does not reopen (I6)
	skipsHalfOpen              // goes straight from open to closed when the timer fires (I1)
)

// fakeBreaker is a small breaker that follows the NFR-6 rules exactly,
// unless told to break one. It is single-goroutine: the driver is.
type fakeBreaker struct {
	ft, st, maxProbes int
	rt                time.Duration
	bug               bug
	now               func() time.Time
	t0                time.Time
	notify            func(record.Transition)

	state        record.State
	gen          uint64
	openedAt     time.Time
	fails, succs int
	inflight     int
	totals       record.Totals
}

func newFake(b bug) newSubject {
	return func(_ testing.TB, cfg record.BreakerConfig, now func() time.Time, t0 time.Time, notify func(record.Transition)) subject {
		return &fakeBreaker{
			ft: cfg.FailureThreshold, st: cfg.SuccessThreshold, maxProbes: cfg.HalfOpenMaxCalls, rt: time.Duration(cfg.RecoveryTimeoutNs),
			bug: b, now: now, t0: t0, notify: notify, state: record.StateClosed, gen: 1,
		}
	}
}

func (f *fakeBreaker) transition(to record.State, at time.Time, reason string) {
	from := f.state
	f.state, f.gen = to, f.gen+1
	f.fails, f.succs, f.inflight = 0, 0, 0
	if to == record.StateOpen {
		f.openedAt = at
	}
	f.notify(record.Transition{From: from, To: to, AtNs: int64(at.Sub(f.t0)), Gen: f.gen, Reason: reason})
}

func (f *fakeBreaker) probeAt() time.Time {
	switch f.bug {
	case earlyTimer:
		return f.openedAt.Add(f.rt - time.Second)
	case lateTimer:
		return f.openedAt.Add(f.rt + time.Second)
	}
	return f.openedAt.Add(f.rt)
}

func (f *fakeBreaker) poll() {
	if f.state == record.StateOpen && !f.now().Before(f.probeAt()) {
		if f.bug == skipsHalfOpen {
			f.transition(record.StateClosed, f.probeAt(), "recovery timeout elapsed")
			return
		}
		f.transition(record.StateHalfOpen, f.probeAt(), "recovery timeout elapsed")
	}
}

func (f *fakeBreaker) allow() (uint64, func(result) record.Outcome, string, error) {
	f.poll()
	gen := f.gen
	admit := func() (uint64, func(result) record.Outcome, string, error) {
		return gen, func(r result) record.Outcome { return f.done(gen, r) }, "", nil
	}
	switch f.state {
	case record.StateOpen:
		if f.bug == leakyOpen {
			return admit()
		}
		f.reject()
		return gen, nil, record.RejectOpen, fmt.Errorf("breaker: circuit open (generation %d)", gen)
	case record.StateHalfOpen:
		if f.inflight < f.maxProbes || f.bug == halfOpenAdmitsAll {
			f.inflight++
			return admit()
		}
		f.reject()
		return gen, nil, record.RejectProbeLimit, errors.New("breaker: too many probes in flight")
	}
	return admit()
}

func (f *fakeBreaker) reject() {
	if f.bug == rejectionsAsFailures {
		f.totals.Failure++
		return
	}
	f.totals.Rejected++
}

func (f *fakeBreaker) done(gen uint64, r result) record.Outcome {
	now := f.now()
	var o record.Outcome
	switch r {
	case ok:
		o = record.OutcomeSuccess
		f.totals.Success++
	case fail:
		o = record.OutcomeFailure
		f.totals.Failure++
	default:
		o = record.OutcomeIgnored
		f.totals.Ignored++
	}
	if gen != f.gen {
		counts := f.bug == noGenerationCheck || (f.bug == lateSuccessCounts && o == record.OutcomeSuccess)
		if !counts {
			return o
		}
	} else if f.state == record.StateHalfOpen {
		f.inflight--
	}
	switch f.state {
	case record.StateClosed:
		threshold := f.ft
		switch f.bug {
		case thresholdMinusOne:
			threshold--
		case thresholdPlusOne:
			threshold++
		}
		switch o {
		case record.OutcomeFailure:
			f.fails++
			if f.fails >= threshold {
				f.transition(record.StateOpen, now, fmt.Sprintf("%d consecutive failures", f.fails))
			}
		case record.OutcomeSuccess:
			f.fails = 0
		}
	case record.StateHalfOpen:
		switch o {
		case record.OutcomeSuccess:
			if f.bug == neverCloses {
				break
			}
			f.succs++
			if f.succs >= f.st || f.bug == closesOnOneSuccess {
				f.transition(record.StateClosed, now, fmt.Sprintf("%d consecutive probe successes", f.succs))
			}
		case record.OutcomeFailure:
			if f.bug != staysHalfOpenOnFailure {
				f.transition(record.StateOpen, now, "probe failed")
			}
		}
	}
	return o
}

func (f *fakeBreaker) snapshot() record.Snapshot {
	f.poll()
	return record.Snapshot{State: f.state, Gen: f.gen, ConsecutiveFailures: f.fails, ConsecutiveSuccesses: f.succs,
		ProbesInFlight: f.inflight, Totals: f.totals}
}
