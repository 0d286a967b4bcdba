package runner

import (
	"cmp"
	"context"
	"math/rand/v2"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
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
	order  uint64        // arrival order: ties complete in arrival order
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
	sc := r.sc
	var now time.Duration
	clock := func() time.Time { return r.t0.Add(now) }
	var err error
	deps := make([]*simDep, len(sc.Dependencies))
	for i, dep := range sc.Dependencies {
		d := &simDep{name: dep.Name, client: dep.Client, weight: dep.Share()}
		if d.fake, err = r.newFake(i, clock); err != nil {
			return err
		}
		w.enter()
		d.b, err = r.newBreaker(i, clock)
		w.leave(-1)
		if err != nil {
			return err
		}
		deps[i] = d
	}
	rng := rand.New(rand.NewPCG(r.seed, 0x5eed))
	shape := sc.Load.Shape(sc.Duration)
	var (
		inflight  simHeap
		n         uint64 // arrivals so far
		calls     uint64
		nextTick  = time.Second
		stopAt    = sc.Duration
		cancelled bool
	)
	nextArrival := shape.At(0)
	complete := func(c simCall) {
		now = c.end
		d := deps[c.dep]
		if d.b.two == nil {
			w.bridges--
		}
		w.enter()
		c.ticket.Done(c.err)
		w.leave(now)
		a := attempt{admitted: true, err: c.err, gen: c.gen, start: c.start, admit: c.start, done: c.end, end: c.end}
		rec := a.record(c.seq, d.name, d.client.Fallback)
		rec.Err = errText(c.err)
		r.w.WriteCall(rec)
	}
	for {
		if ctx.Err() != nil && !cancelled {
			// Ctrl-C: stop the load now; calls in flight still finish below.
			cancelled, stopAt = true, now
		}
		arrivalDue := nextArrival < stopAt
		if len(inflight) > 0 && (!arrivalDue || inflight[0].end <= nextArrival) {
			if end := inflight[0].end; end > stopAt+simDrain {
				break
			}
			complete(inflight.pop())
			continue
		}
		if !arrivalDue {
			break
		}
		now = nextArrival
		if now >= nextTick {
			// Snapshots at the moment they are taken: the breaker's state
			// now, whatever second it belongs to.
			r.tick(now, calls, w)
			nextTick = now.Truncate(time.Second) + time.Second
		}
		d := pickDep(deps)
		seq := d.seq
		d.seq++
		calls++
		n++
		nextArrival = shape.At(float64(n))
		w.enter()
		t, gen, admitted, err := d.b.allow()
		if admitted && d.b.two == nil {
			w.bridges++
		}
		w.leave(now)
		if !admitted {
			a := attempt{err: err, gen: gen, start: now, end: now}
			rec := a.record(seq, d.name, d.client.Fallback)
			rec.Err = errText(err)
			r.w.WriteCall(rec)
			continue
		}
		cancelAt := time.Duration(-1)
		if d.client.CancelRate > 0 && rng.Float64() < d.client.CancelRate {
			cancelAt = cmp.Or(d.client.CancelAfter, time.Millisecond)
		}
		lat, callErr := d.fake.Simulate(int64(seq))
		if lat < 0 {
			lat = 0
		}
		switch {
		case cancelAt >= 0 && cancelAt < lat && (d.client.Timeout == 0 || cancelAt < d.client.Timeout):
			lat, callErr = cancelAt, context.Canceled
		case d.client.Timeout > 0 && lat > d.client.Timeout:
			lat, callErr = d.client.Timeout, context.DeadlineExceeded
		}
		end := scenarios.Never
		if lat != fakes.Forever {
			end = now + lat
		}
		inflight.push(simCall{end: end, order: n, dep: int32(depIndex(deps, d)), seq: seq, start: now, ticket: t, gen: gen, err: callErr})
	}
	// Calls still running at the end of the drain (hangs without a timeout)
	// are cancelled by their callers.
	drainEnd := now
	if len(inflight) > 0 {
		drainEnd = stopAt + simDrain
	}
	for len(inflight) > 0 {
		c := inflight.pop()
		c.end, c.err = drainEnd, context.Canceled
		complete(c)
	}
	now = max(now, drainEnd)
	if now < stopAt && !cancelled {
		now = stopAt
	}
	r.elapsed = now
	r.tick(now, calls, w)
	return nil // an interruption is reported by Run, from ctx
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

// simHeap is a min-heap of calls in flight by (end, order).
type simHeap []simCall

func (h simHeap) less(i, j int) bool {
	return h[i].end < h[j].end || h[i].end == h[j].end && h[i].order < h[j].order
}

func (h *simHeap) push(c simCall) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *simHeap) pop() simCall {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = simCall{}
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s.less(l, m) {
			m = l
		}
		if l+1 < len(s) && s.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
