package runner

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/internal/timeheap"
	"github.com/breakerlab/breakerlab/scenarios"
)

// simEpoch is t0 of every sim run, so that two runs with one seed write
// byte-identical files, meta.json included.
var simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// simDrain is how long, after the load stops, calls in flight may still
// finish; the caller cancels those still running then (a hang without a
// client timeout), so every call has an outcome.
const simDrain = 30 * time.Second

// simCall is a call in flight in the simulation.
type simCall struct {
	end    time.Duration // when it completes
	dep    int32
	seq    uint64
	start  time.Duration
	ticket Ticket
	gen    uint64
	err    error
}

// simDep is one dependency's breaker, fake and caller in the simulation.
type simDep struct {
	name   string
	b      *driven
	fake   *fakes.Fake
	client scenarios.Client
	seq    uint64
	weight float64
	credit float64 // smooth weighted round-robin
}

// runSim runs the scenario on a virtual clock in this goroutine: calls
// arrive by the load profile, each admitted call's latency comes from the
// fake's Simulate, and a min-heap of calls in flight orders completions, so
// concurrency emerges from overlapping calls. Everything random is seeded.
// A breaker that starts goroutines makes the run irreproducible: that is a
// warning in meta.json (simwatch.go).
func (r *runner) runSim(ctx context.Context) error {
	w := newSimWatch(ctx, r.opts.Breaker.Name)
	err := r.simLoop(ctx, w)
	if w.warning != "" {
		r.warnings = append(r.warnings, w.warning)
	}
	return err
}

// simLoop is runSim's loop; w watches each call into a breaker.
func (r *runner) simLoop(ctx context.Context, w *simWatch) error {
	s, err := r.newSimRun(w)
	if err != nil {
		return err
	}
	for s.step(ctx) {
	}
	s.drain()
	return nil // an interruption is reported by Run, from ctx
}

// simRun is one sim run in progress: the virtual clock, the dependencies
// and the calls in flight.
type simRun struct {
	r           *runner
	w           *simWatch
	now         time.Duration // the virtual clock
	deps        []*simDep
	rng         *rand.Rand
	shape       scenarios.Shape
	inflight    timeheap.Heap[simCall] // by end; ties in arrival order
	calls       uint64                 // arrivals so far
	nextArrival time.Duration
	nextTick    time.Duration
	stopAt      time.Duration // when the load stops: the duration, or the moment of a Ctrl-C
	cancelled   bool
	// lastReject and its text: the rejections of one open period read
	// alike, and formatting each is a fifth of a soak's time.
	lastReject     breaker.RejectedError
	lastRejectText string
}

// newSimRun builds each dependency's fake and breaker on the virtual clock.
func (r *runner) newSimRun(w *simWatch) (*simRun, error) {
	sc := r.sc
	s := &simRun{r: r, w: w, deps: make([]*simDep, len(sc.Dependencies)),
		rng: rand.New(rand.NewPCG(r.seed, 0x5eed)), shape: sc.Load.Shape(sc.Duration),
		nextTick: time.Second, stopAt: sc.Duration}
	clock := func() time.Time { return r.t0.Add(s.now) }
	var err error
	for i, dep := range sc.Dependencies {
		d := &simDep{name: dep.Name, client: dep.Client, weight: dep.Share()}
		if d.fake, err = r.newFake(i, clock); err != nil {
			return nil, err
		}
		w.enter()
		d.b, err = r.newBreaker(i, clock)
		w.leave(-1)
		if err != nil {
			return nil, err
		}
		s.deps[i] = d
	}
	s.nextArrival = s.shape.At(0)
	return s, nil
}

// step moves the clock to the next event, the next completion or the next
// arrival, whichever comes first, and handles it. It returns false when
// none is left: the load has stopped and nothing in flight completes
// before the drain ends.
func (s *simRun) step(ctx context.Context) bool {
	if ctx.Err() != nil && !s.cancelled {
		// Ctrl-C: stop the load now; calls in flight still finish.
		s.cancelled, s.stopAt = true, s.now
	}
	arrivalDue := s.nextArrival < s.stopAt
	if s.inflight.Len() > 0 && (!arrivalDue || time.Duration(s.inflight.Min()) <= s.nextArrival) {
		if time.Duration(s.inflight.Min()) > s.stopAt+simDrain {
			return false
		}
		s.complete(s.inflight.Pop())
		return true
	}
	if !arrivalDue {
		return false
	}
	s.arrive()
	return true
}

// arrive makes the call due now: rejected at once, or admitted and in
// flight until the end its fake decides.
func (s *simRun) arrive() {
	s.now = s.nextArrival
	if s.now >= s.nextTick {
		// Snapshots at the moment they are taken: the breaker's state
		// now, whatever second it belongs to.
		s.r.tick(s.now, s.calls, s.w)
		s.nextTick = s.now.Truncate(time.Second) + time.Second
	}
	d := pickDep(s.deps)
	seq := d.seq
	d.seq++
	s.calls++
	s.nextArrival = s.shape.At(float64(s.calls))
	s.w.enter()
	t, gen, admitted, err := d.b.allow(s.w)
	s.w.leave(s.now)
	if !admitted {
		a := attempt{err: err, gen: gen, start: s.now, end: s.now}
		rec := a.record(seq, d.name, d.client.Fallback)
		rec.Err = s.rejectionText(err)
		s.r.w.WriteCall(rec)
		return
	}
	lat, callErr := s.outcome(d, seq)
	end := scenarios.Never
	if lat != fakes.Forever {
		end = s.now + lat
	}
	s.inflight.Push(int64(end), simCall{end: end, dep: int32(depIndex(s.deps, d)), seq: seq, start: s.now, ticket: t, gen: gen, err: callErr})
}

// rejectionText is errText, remembering the last rejection's text.
func (s *simRun) rejectionText(err error) string {
	var re *breaker.RejectedError
	if !errors.As(err, &re) {
		return errText(err)
	}
	if *re != s.lastReject || s.lastRejectText == "" {
		s.lastReject, s.lastRejectText = *re, re.Error()
	}
	return s.lastRejectText
}

// outcome is how long admitted call seq to d takes and what it returns:
// the fake's decision, cut short by the client's cancellation or timeout.
func (s *simRun) outcome(d *simDep, seq uint64) (time.Duration, error) {
	cancelAt := time.Duration(-1)
	if d.client.CancelRate > 0 && s.rng.Float64() < d.client.CancelRate {
		cancelAt = cmp.Or(d.client.CancelAfter, time.Millisecond)
	}
	lat, err := d.fake.Simulate(int64(seq))
	lat = max(lat, 0)
	switch {
	case cancelAt >= 0 && cancelAt < lat && (d.client.Timeout == 0 || cancelAt < d.client.Timeout):
		return cancelAt, context.Canceled
	case d.client.Timeout > 0 && lat > d.client.Timeout:
		return d.client.Timeout, context.DeadlineExceeded
	}
	return lat, err
}

// complete ends call c at its end time: its result goes to the breaker.
func (s *simRun) complete(c simCall) {
	s.now = c.end
	d := s.deps[c.dep]
	s.w.enter()
	c.ticket.Done(c.err)
	s.w.leave(s.now)
	a := attempt{admitted: true, err: c.err, gen: c.gen, start: c.start, admit: c.start, done: c.end, end: c.end}
	rec := a.record(c.seq, d.name, d.client.Fallback)
	rec.Err = errText(c.err)
	s.r.w.WriteCall(rec)
}

// drain ends the run: calls still running at the end of the drain (hangs
// without a timeout) are cancelled by their callers, and the last
// snapshots are taken.
func (s *simRun) drain() {
	drainEnd := s.now
	if s.inflight.Len() > 0 {
		drainEnd = s.stopAt + simDrain
	}
	for s.inflight.Len() > 0 {
		c := s.inflight.Pop()
		c.end, c.err = drainEnd, context.Canceled
		s.complete(c)
	}
	s.now = max(s.now, drainEnd)
	if s.now < s.stopAt && !s.cancelled {
		s.now = s.stopAt
	}
	s.r.elapsed = s.now
	s.r.tick(s.now, s.calls, s.w)
}

// tick writes the breakers' snapshots at run time at (watched by w) and
// reports progress.
func (r *runner) tick(at time.Duration, calls uint64, w *simWatch) {
	w.enter()
	r.writeSnapshots(func() time.Duration { return at })
	w.leave(at)
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress(at, calls))
	}
}

// pickDep chooses the dependency of the next call by smooth weighted
// round-robin: deterministic, and exact in the long run.
func pickDep(deps []*simDep) *simDep {
	if len(deps) == 1 {
		return deps[0]
	}
	total := 0.0
	var best *simDep
	for _, d := range deps {
		d.credit += d.weight
		total += d.weight
		if best == nil || d.credit > best.credit {
			best = d
		}
	}
	best.credit -= total
	return best
}

func depIndex(deps []*simDep, d *simDep) int {
	for i, x := range deps {
		if x == d {
			return i
		}
	}
	return -1
}
