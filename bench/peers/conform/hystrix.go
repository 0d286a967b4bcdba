package conform

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/afex/hystrix-go/hystrix"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// hystrixMaxConcurrent is hystrix's bulkhead, which rejects calls beyond it
// in any state: high enough never to bind (NFR-6 has no such limit).
const hystrixMaxConcurrent = 10000

// hystrixTimeout is hystrix's own per-call timeout: longer than any
// scenario, so that only the scenario's client timeout applies.
const hystrixTimeout = time.Hour

// hystrixCircuits numbers the circuits: hystrix keeps circuits and their
// settings in package-level maps keyed by name, so every breaker gets a name
// of its own.
var hystrixCircuits atomic.Uint64

// Hystrix is afex/hystrix-go mapped to NFR-6 as far as it goes, through
// hystrix.DoC with one command (circuit) per breaker:
//
//   - FailureThreshold: RequestVolumeThreshold, with ErrorPercentThreshold
//     100: it opens when at least FailureThreshold calls finished in its
//     rolling 10 s window (not configurable) and all of them failed. Not a
//     count of consecutive failures: one success in the last 10 s keeps it
//     closed. Its metrics are counted by a goroutine of its own, after the
//     call returns, so it opens a little after the failure that tips it.
//   - RecoveryTimeout: SleepWindow (whole milliseconds). There is no
//     half-open state: once the window has passed since the opening (or the
//     last test) one call is let through as a test.
//   - SuccessThreshold: none; any success reported while open closes the
//     circuit — the test's, or that of a call admitted before it opened.
//     A failed test leaves it open until the next window.
//   - HalfOpenMaxCalls: none; one test per sleep window.
//   - IsFailure: every error is a failure, except context.Canceled and
//     context.DeadlineExceeded returned as they are (not wrapped), which
//     count as requests that are not errors.
//   - Rejections: ErrCircuitOpen whether it waits for the window or a test
//     is out, so not translated. MaxConcurrentRequests (a bulkhead) is
//     set out of reach.
//   - It reports neither its state (IsOpen trips the circuit as a side
//     effect) nor its transitions (only log lines). Two goroutines per
//     circuit (its metrics) run forever: hystrix has no way to stop them.
//
// It reads the wall clock and keeps goroutines of its own, so it runs in
// live and stress mode only.
func Hystrix() runner.Implementation {
	return runner.Implementation{Name: "hystrix", New: newHystrix}
}

type hystrixBreaker struct{ name string }

func newHystrix(cfg ref.Config) (runner.Breaker, error) {
	if cfg.RecoveryTimeout < time.Millisecond {
		return nil, fmt.Errorf("conform: hystrix: RecoveryTimeout %s: hystrix's sleep window is in whole milliseconds, want >= 1ms", cfg.RecoveryTimeout)
	}
	name := fmt.Sprintf("breakerlab-%s-%d", cfg.Name, hystrixCircuits.Add(1))
	hystrix.ConfigureCommand(name, hystrix.CommandConfig{
		Timeout:                int(hystrixTimeout / time.Millisecond),
		MaxConcurrentRequests:  hystrixMaxConcurrent,
		RequestVolumeThreshold: cfg.FailureThreshold,
		SleepWindow:            int(cfg.RecoveryTimeout / time.Millisecond),
		ErrorPercentThreshold:  100,
	})
	return &hystrixBreaker{name: name}, nil
}

func (b *hystrixBreaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	return hystrix.DoC(ctx, b.name, fn, nil)
}
