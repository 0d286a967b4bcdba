package runner

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// tally counts one dependency's answered calls by outcome in external
// mode, and estimates from the decisions they show the state of the
// service's breaker while the run goes ([DepView.Estimate]). The checker's
// inference, after the run, is what judges the breaker (inferred.jsonl);
// this is a cheap online reading of the same facts for people watching.
//
// The estimate orders calls by their start, so answers arriving out of
// order are placed where they began: open while the latest call decided
// was rejected; half-open once calls are admitted again after a rejection,
// until successThreshold calls in a row were admitted; closed after that,
// or before any rejection. It lags the breaker by the calls in flight, and
// while half-open with every probe slot taken (rejecting the others) it
// reads open. It is safe for concurrent use by multiple goroutines.
type tally struct {
	successThreshold int // admissions after a rejection that read as closed

	mu         sync.Mutex
	totals     record.Totals
	answered   bool    // a call has been answered
	rejected   bool    // a call has been rejected
	lastReject int64   // the start of the latest rejected call, if rejected
	after      []int64 // the starts of admitted calls after lastReject: the latest successThreshold
}

// newTally returns the tally of a dependency whose breaker closes after
// successThreshold probe successes (at least 1).
func newTally(successThreshold int) *tally {
	return &tally{successThreshold: max(successThreshold, 1)}
}

// add counts an answered call.
func (t *tally) add(c record.Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.answered = true
	switch c.Outcome {
	case record.OutcomeSuccess:
		t.totals.Success++
	case record.OutcomeFailure:
		t.totals.Failure++
	case record.OutcomeIgnored:
		t.totals.Ignored++
	case record.OutcomeRejected:
		t.totals.Rejected++
		if !t.rejected || c.StartNs > t.lastReject {
			t.rejected, t.lastReject = true, c.StartNs
			t.after = slices.DeleteFunc(t.after, func(s int64) bool { return s <= c.StartNs })
		}
		return
	}
	if t.rejected && c.StartNs <= t.lastReject {
		return // admitted before the latest rejection: says nothing of now
	}
	t.after = append(t.after, c.StartNs)
	if len(t.after) > t.successThreshold {
		// Keep the latest: a rejection between them drops the earlier ones.
		i := slices.Index(t.after, slices.Min(t.after))
		t.after = slices.Delete(t.after, i, i+1)
	}
}

// counts returns the calls answered so far, by outcome.
func (t *tally) counts() record.Totals {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.totals
}

// estimate returns the breaker's state as the answers so far show it, or
// false before the first answer.
func (t *tally) estimate() (breaker.State, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.answered:
		return 0, false
	case !t.rejected:
		return breaker.Closed, true
	case len(t.after) == 0:
		return breaker.Open, true
	case len(t.after) < t.successThreshold:
		return breaker.HalfOpen, true
	}
	return breaker.Closed, true
}

// reportedState holds the state a service's state endpoint said last, for
// [DepView.State] in external mode. Safe for concurrent use.
type reportedState struct{ s atomic.Int32 } // a record.State; 0 before the first read

// set records the state read.
func (r *reportedState) set(s record.State) { r.s.Store(int32(s)) }

// get returns the state read last, or false before any was.
func (r *reportedState) get() (breaker.State, bool) {
	switch record.State(r.s.Load()) {
	case record.StateClosed:
		return breaker.Closed, true
	case record.StateOpen:
		return breaker.Open, true
	case record.StateHalfOpen:
		return breaker.HalfOpen, true
	}
	return 0, false
}
