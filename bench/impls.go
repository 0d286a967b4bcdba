package bench

import (
	"context"
	"log/slog"

	"github.com/breakerlab/breakerlab/bench/seedport"
	"github.com/breakerlab/breakerlab/breaker"
)

// Compile-time checks that each adapter satisfies [Breaker].
var (
	_ Breaker = bare{}
	_ Breaker = reference{}
	_ Breaker = seedPortAdapter{}
	_ Breaker = rwAdapter{}
)

// bare calls the function directly: the floor every breaker is measured against.
type bare struct{}

// Bind calls fn the way the reference adapter hands it to the breaker — as a
// func(context.Context) error called with a context — so that the ratio of
// the two measures the breaker and not the adapter.
func (bare) Bind(fn func() error) func() error {
	ctx := context.Background()
	wrapped := func(context.Context) error { return fn() }
	return func() error { return wrapped(ctx) }
}

func (bare) State() breaker.State { return breaker.Closed }

// Bare returns the "no breaker" implementation: the function called directly,
// through the same layers as the reference adapter. It runs only the closed
// paths, where calling the dependency directly is the right outcome.
func Bare() Impl {
	const why = "no breaker: a bare call cannot be open or half-open"
	return Impl{
		Name: "bare",
		New:  func(Settings) (Breaker, error) { return bare{}, nil },
		Skip: map[string]string{PathOpenReject: why, PathHalfOpen: why, PathStorm: why},
	}
}

// reference adapts the reference breaker.
type reference struct{ b *breaker.Breaker }

// Reference returns the reference breaker of package breaker, with its
// transition log discarded.
func Reference() Impl {
	return Impl{Name: "reference", New: func(s Settings) (Breaker, error) {
		b, err := breaker.New(breaker.Config{
			Name:             "bench",
			FailureThreshold: s.FailureThreshold,
			SuccessThreshold: s.SuccessThreshold,
			RecoveryTimeout:  s.RecoveryTimeout,
			HalfOpenMaxCalls: s.HalfOpenMaxCalls,
			Logger:           slog.New(slog.DiscardHandler),
		})
		if err != nil {
			return nil, err
		}
		return reference{b}, nil
	}}
}

func (r reference) Bind(fn func() error) func() error {
	ctx := context.Background()
	wrapped := func(context.Context) error { return fn() }
	return func() error { return r.b.Execute(ctx, wrapped) }
}

func (r reference) State() breaker.State { return r.b.State() }

// seedPortAdapter adapts [seedport.Breaker].
type seedPortAdapter struct{ b *seedport.Breaker }

// SeedPort returns the seed-style port: one sync.Mutex taken before and after
// each call, a clock read per decision.
func SeedPort() Impl {
	return Impl{Name: "seedport", New: func(s Settings) (Breaker, error) {
		b, err := seedport.New(seedConfig(s))
		if err != nil {
			return nil, err
		}
		return seedPortAdapter{b}, nil
	}}
}

func (a seedPortAdapter) Bind(fn func() error) func() error {
	return func() error { return a.b.Execute(fn) }
}

func (a seedPortAdapter) State() breaker.State { return a.b.State() }

// rwAdapter adapts [seedport.RWBreaker].
type rwAdapter struct{ b *seedport.RWBreaker }

// RWMutex returns the seed-style port behind a sync.RWMutex.
func RWMutex() Impl {
	return Impl{Name: "rwmutex", New: func(s Settings) (Breaker, error) {
		b, err := seedport.NewRW(seedConfig(s))
		if err != nil {
			return nil, err
		}
		return rwAdapter{b}, nil
	}}
}

func (a rwAdapter) Bind(fn func() error) func() error {
	return func() error { return a.b.Execute(fn) }
}

func (a rwAdapter) State() breaker.State { return a.b.State() }

func seedConfig(s Settings) seedport.Config {
	return seedport.Config{
		FailureThreshold: s.FailureThreshold,
		SuccessThreshold: s.SuccessThreshold,
		RecoveryTimeout:  s.RecoveryTimeout,
		HalfOpenMaxCalls: s.HalfOpenMaxCalls,
	}
}
