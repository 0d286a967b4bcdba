package runner

import (
	"cmp"
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// stressCaller is one caller goroutine's state. Nothing in it is shared
// while the callers run.
type stressCaller struct {
	r      *runner
	deps   []*stressDep
	credit []float64     // smooth weighted round-robin over deps
	seq0   uint64        // this caller's calls are seq0, seq0+1, …
	chunk  int           // records kept before writing them out
	made   atomic.Uint64 // read by the observer for the progress line
	calls  []record.Call
	reqs   []record.DepRequest
	texts  map[error]string // error texts, by error value
	faults map[*fakes.Error]string
}

// run makes n calls, or fewer if stopped is set first, waiting backoff
// after each rejection, and writes out its records.
func (c *stressCaller) run(base context.Context, n int, backoff time.Duration, stopped *atomic.Bool) {
	c.calls = make([]record.Call, 0, c.chunk)
	c.reqs = make([]record.DepRequest, 0, c.chunk)
	c.texts = make(map[error]string)
	c.faults = make(map[*fakes.Error]string)
	for i := 0; i < n && !stopped.Load(); i++ {
		rejected := c.call(base, c.pick(), c.seq0+uint64(i))
		c.made.Add(1)
		if len(c.calls) >= c.chunk {
			c.flush()
		}
		if rejected && backoff > 0 {
			select {
			case <-time.After(backoff):
			case <-base.Done():
			}
		}
	}
	c.flush()
}

// pick chooses the dependency of the next call by smooth weighted round-robin.
func (c *stressCaller) pick() *stressDep {
	if len(c.deps) == 1 {
		return c.deps[0]
	}
	total, best := 0.0, 0
	for i, d := range c.deps {
		c.credit[i] += d.weight
		total += d.weight
		if c.credit[i] > c.credit[best] {
			best = i
		}
	}
	c.credit[best] -= total
	return c.deps[best]
}

// call makes one call to d through its breaker and keeps its record.
func (c *stressCaller) call(base context.Context, d *stressDep, seq uint64) (rejected bool) {
	t0 := c.r.t0
	since := func() time.Duration { return time.Since(t0) }
	a := d.b.call(base, func(context.Context) error { return c.invoke(base, d, seq) }, since)
	rec := a.record(seq, d.name, d.client.Fallback)
	rec.Err = c.text(a.err)
	c.calls = append(c.calls, rec)
	return !a.admitted
}

// invoke is one request to d's fake, as [fakes.Fake.CallSeq] makes it but
// touching nothing shared: the fake decides, the caller records the request
// and waits out its latency, honouring the client's timeout and
// cancellations and the end of the run.
func (c *stressCaller) invoke(base context.Context, d *stressDep, seq uint64) error {
	ctx := base
	if d.client.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.client.Timeout)
		defer cancel()
	}
	if d.client.CancelRate > 0 && unitFloat(d.key, seq) < d.client.CancelRate {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		t := time.AfterFunc(cmp.Or(d.client.CancelAfter, time.Millisecond), cancel)
		defer t.Stop()
	}
	if err := ctx.Err(); err != nil {
		return err // the caller gave up before sending: it never reached the fake
	}
	dec := d.fake.Decide(int64(seq))
	req := record.DepRequest{
		Dep: d.name, Seq: seq, AtNs: int64(dec.Elapsed), Fault: dec.Kind.String(),
		LatencyNs: int64(dec.Latency), Status: dec.Status, Err: c.faultText(dec.Err),
	}
	if dec.Kind == fakes.KindHang {
		req.LatencyNs = 0 // unknown: the client decides
	}
	c.reqs = append(c.reqs, req)
	return dec.Wait(ctx)
}

// text is err's text, "" for nil; the texts of errors that are shared
// values (the breaker's rejections, the fakes' faults) are formatted once.
func (c *stressCaller) text(err error) string {
	switch err.(type) {
	case nil:
		return ""
	case *breaker.RejectedError, *fakes.Error:
		if s, ok := c.texts[err]; ok {
			return s
		}
		if len(c.texts) >= 64 {
			clear(c.texts)
		}
		s := err.Error()
		c.texts[err] = s
		return s
	}
	return err.Error()
}

// faultText is a fault's text as the fakes log it ("injected error", not
// "fakes: NAME: injected error (status 500)"), formatted once per fault.
func (c *stressCaller) faultText(err error) string {
	fe, ok := err.(*fakes.Error)
	if !ok {
		return c.text(err)
	}
	if s, ok := c.faults[fe]; ok {
		return s
	}
	s := strings.TrimPrefix(fe.Error(), "fakes: "+fe.Fake+": ")
	if i := strings.Index(s, " (status "); i >= 0 {
		s = s[:i]
	}
	if len(c.faults) >= 64 {
		clear(c.faults)
	}
	c.faults[fe] = s
	return s
}

// flush writes the caller's records out.
func (c *stressCaller) flush() {
	w := c.r.w
	for i := range c.reqs {
		w.WriteDepRequest(c.reqs[i])
	}
	for i := range c.calls {
		w.WriteCall(c.calls[i])
		// Counted here, a chunk at a time: no shared counter on the callers' path.
		for _, d := range c.deps {
			if d.name == c.calls[i].Dep {
				d.b.calls.add(&c.calls[i])
				break
			}
		}
	}
	c.calls, c.reqs = c.calls[:0], c.reqs[:0]
}
