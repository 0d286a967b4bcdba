package bench

import (
	"time"

	"github.com/breakerlab/breakerlab/breaker"
)

// Breaker is the one small interface every benchmark drives. An implementation
// adapts a circuit breaker to it; the benchmarks never see anything else.
type Breaker interface {
	// Bind returns a function that calls fn through the breaker and returns
	// fn's error, or a rejection error without calling fn. Each benchmark
	// goroutine binds once and then calls the result in its loop, so an adapter
	// can wrap fn in its breaker's own function type without allocating per
	// call.
	Bind(fn func() error) func() error
	// State returns the breaker's state, mapped to the reference breaker's
	// states.
	State() breaker.State
}

// Settings are the thresholds a path asks for; NFR-6 unless the path says
// otherwise. An adapter maps them to its breaker as closely as it allows.
type Settings struct {
	FailureThreshold int           // consecutive failures, while closed, that open the circuit
	SuccessThreshold int           // consecutive probe successes, while half-open, that close it
	RecoveryTimeout  time.Duration // from opening until probes are admitted
	HalfOpenMaxCalls int           // probes in flight at once while half-open
}

// NFR6 returns the NFR-6 thresholds: 5 failures, 2 successes, 60 s, 2 probes.
func NFR6() Settings {
	return Settings{FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeout: 60 * time.Second, HalfOpenMaxCalls: 2}
}

// Impl is one implementation under test.
type Impl struct {
	// Name identifies the implementation in benchmark names (impl=NAME).
	Name string
	// New returns a fresh closed breaker with the given settings.
	New func(Settings) (Breaker, error)
	// Skip maps a path name to the reason the implementation cannot run it
	// faithfully; those cases are left out of [Cases].
	Skip map[string]string
}

// Builtin returns the implementations of the main module: the bare function
// call, the reference breaker, the seed-style port and its RWMutex variant.
// The peers live in the nested module bench/peers.
func Builtin() []Impl {
	return []Impl{Bare(), Reference(), SeedPort(), RWMutex()}
}
