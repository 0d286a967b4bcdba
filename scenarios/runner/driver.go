package runner

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// driven is one dependency's breaker as the runner drives it: through its
// two-step form when it has one, else through Execute.
type driven struct {
	name string
	b    Breaker
	two  Allower // nil: Execute only
	gens bool    // the implementation reports generations
	// calls counts the client's calls through it by outcome, in live and
	// stress mode, for [DepView.Calls].
	calls callCounts
}

// callCounts counts calls by outcome; safe for concurrent use.
type callCounts struct{ success, failure, ignored, rejected atomic.Uint64 }

// add counts c.
func (n *callCounts) add(c *record.Call) {
	switch c.Outcome {
	case record.OutcomeSuccess:
		n.success.Add(1)
	case record.OutcomeFailure:
		n.failure.Add(1)
	case record.OutcomeIgnored:
		n.ignored.Add(1)
	case record.OutcomeRejected:
		n.rejected.Add(1)
	}
}

// totals returns the counts.
func (n *callCounts) totals() record.Totals {
	return record.Totals{Success: n.success.Load(), Failure: n.failure.Load(), Ignored: n.ignored.Load(), Rejected: n.rejected.Load()}
}

// attempt is what one call through the breaker came to, timed on the run's
// clock: the four times of a [record.Call].
type attempt struct {
	admitted                bool
	err                     error // fn's error when admitted, the breaker's when rejected
	gen                     uint64
	start, admit, done, end time.Duration
}

// call runs fn through the breaker (live and stress mode), timing each step
// with since.
func (d *driven) call(ctx context.Context, fn func(context.Context) error, since func() time.Duration) attempt {
	var a attempt
	a.start = since()
	if d.two != nil {
		t, err := d.two.Allow()
		if err != nil {
			a.end, a.err, a.gen = since(), err, d.rejectedGen(err)
			return a
		}
		a.admitted, a.admit, a.gen = true, since(), d.ticketGen(t)
		a.err = fn(ctx)
		a.done = since()
		t.Done(a.err)
		a.end = since()
		return a
	}
	// fn may run on a goroutine of the breaker's, and Execute may return
	// before it does (a breaker with its own timeout): guard what it sets.
	var mu sync.Mutex
	entered, finished := false, false
	err := d.b.Execute(ctx, func(ctx context.Context) error {
		mu.Lock()
		first := !entered
		entered = true
		if first {
			a.admit = since()
		}
		mu.Unlock()
		if !first {
			return fn(ctx) // a breaker that retries: only the first attempt is timed
		}
		fnErr := fn(ctx)
		mu.Lock()
		if !finished {
			a.err, a.done, finished = fnErr, since(), true
		}
		mu.Unlock()
		return fnErr
	})
	end := since()
	mu.Lock()
	defer mu.Unlock()
	a.end, a.admitted = end, entered
	switch {
	case !entered:
		a.err, a.gen = err, d.rejectedGen(err)
	case !finished:
		// Execute gave up on fn: the client got the breaker's error then.
		a.err, a.done, finished = err, end, true
	}
	return a
}

// allow is the two-step form for sim mode, called under w's label. A
// breaker without one runs Execute on a goroutine, a bridge, that waits
// inside fn for Done, so that one call at a time runs and the simulation
// stays sequential; the bridge is labelled while the breaker runs on it
// only (simwatch.go). admitted is false for a rejection (err is then the
// breaker's, possibly nil).
func (d *driven) allow(w *simWatch) (t Ticket, gen uint64, admitted bool, err error) {
	if d.two != nil {
		t, err := d.two.Allow()
		if err != nil {
			return nil, d.rejectedGen(err), false, err
		}
		return t, d.ticketGen(t), true, nil
	}
	b := &bridged{entered: make(chan struct{}), result: make(chan error), returned: make(chan error, 1)}
	w.bridge()
	go func() {
		err := d.b.Execute(context.Background(), func(context.Context) error {
			if b.ran {
				return b.err // a breaker that retries: only the first attempt is simulated
			}
			b.ran = true
			w.park()
			close(b.entered)
			b.err = <-b.result
			w.unpark()
			return b.err
		})
		w.park()
		b.returned <- err
	}()
	select {
	case <-b.entered:
		return b, 0, true, nil
	case err := <-b.returned:
		return nil, d.rejectedGen(err), false, err
	}
}

// bridged is a call to Execute parked inside fn until Done.
type bridged struct {
	ran      bool  // set by the Execute goroutine only
	err      error // the first attempt's result
	entered  chan struct{}
	result   chan error
	returned chan error
}

func (b *bridged) Done(err error) {
	b.result <- err
	<-b.returned
}

// ticketGen is the generation t reports, if the implementation reports them.
func (d *driven) ticketGen(t Ticket) uint64 {
	if g, ok := t.(interface{ Generation() uint64 }); ok && d.gens {
		return g.Generation()
	}
	return 0
}

func (d *driven) rejectedGen(err error) uint64 {
	if !d.gens {
		return 0
	}
	_, gen := rejection(err)
	return gen
}

// snapshot is the breaker's report of itself at run time at, if it makes
// one: a full snapshot, or only its state.
func (d *driven) snapshot(at time.Duration) (record.Snapshot, bool) {
	switch b := d.b.(type) {
	case Snapshotter:
		return snapshotRecord(d.name, b.Snapshot(), at), true
	case StateReader:
		return record.Snapshot{Dep: d.name, AtNs: int64(at), State: recordState(b.State())}, true
	}
	return record.Snapshot{}, false
}

// state is the breaker's state for the progress line, if it reports one.
func (d *driven) state() (breaker.State, bool) {
	switch b := d.b.(type) {
	case Snapshotter:
		return b.Snapshot().State, true
	case StateReader:
		return b.State(), true
	}
	return 0, false
}

// record is a's record in calls.bin, but for its Err: the caller formats a.err.
func (a *attempt) record(seq uint64, dep string, fallback bool) record.Call {
	c := record.Call{Seq: seq, Dep: dep, StartNs: int64(a.start), EndNs: int64(a.end), Gen: a.gen}
	if !a.admitted {
		c.Outcome, c.Fallback = record.OutcomeRejected, fallback
		c.Reject, _ = rejection(a.err)
		return c
	}
	c.AdmitNs, c.DoneNs = int64(a.admit), int64(a.done)
	c.Outcome = classify(a.err)
	c.Fallback = fallback && c.Outcome == record.OutcomeFailure
	return c
}
