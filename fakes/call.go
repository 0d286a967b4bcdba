package fakes

import (
	"context"
	"fmt"
	"time"
)

// Call is one in-process request with the fake's next arrival number as its
// sequence number. See [Fake.CallSeq].
func (f *Fake) Call(ctx context.Context) error { return f.CallSeq(ctx, f.nextSeq.Add(1)-1) }

// CallSeq is one in-process request with sequence number seq, in real time
// (or a synctest bubble's): it waits the decided latency, honoring ctx, and
// returns the injected error, nil on success, or ctx's error when ctx ends
// first. A hang blocks until ctx is done and returns an error matching both
// [ErrHang] and ctx's error. A call whose ctx is already done does not reach
// the fake.
func (f *Fake) CallSeq(ctx context.Context, seq int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	d := f.decide(seq, n)
	f.record(&d)
	return d.Wait(ctx)
}

// Wait carries out d in process, in real time (or a synctest bubble's), as
// [Fake.CallSeq] does: it waits d's latency, honoring ctx, and returns d's
// error, nil on success, or ctx's error when ctx ends first. A hang blocks
// until ctx is done and returns an error matching both [ErrHang] and ctx's
// error; reset, down and overload return at once.
func (d Decision) Wait(ctx context.Context) error {
	switch d.Kind {
	case KindHang:
		<-ctx.Done()
		return fmt.Errorf("%w: %w", d.Err, ctx.Err())
	case KindReset, KindDown, KindOverload:
		return d.Err
	}
	if err := sleep(ctx, d.Latency); err != nil {
		return err
	}
	return d.Err
}

// Simulate is one request in virtual time: it decides, records and counts
// request seq like [Fake.CallSeq] but does not wait. It returns the latency
// the request would take, for a virtual clock to advance by, and the error
// it would return. A hang returns [Forever]: the caller's own timeout
// applies. MaxInFlight does not apply (nothing is in flight in virtual
// time).
func (f *Fake) Simulate(seq int64) (time.Duration, error) {
	d := f.decide(seq, 0)
	f.record(&d)
	return d.Latency, d.Err
}

// Returning adapts f to a value-returning dependency, the form
// breaker.Do takes: the function calls f and returns v on success, or the
// zero T and the error.
func Returning[T any](f *Fake, v T) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		if err := f.Call(ctx); err != nil {
			var zero T
			return zero, err
		}
		return v, nil
	}
}

// sleep waits d or until ctx is done, whichever is first, and returns ctx's
// error in the second case.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
