package breaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// NFR-6 defaults, used for zero Config fields.
const (
	DefaultFailureThreshold = 5
	DefaultSuccessThreshold = 2
	DefaultRecoveryTimeout  = 60 * time.Second
)

// Config configures a [Breaker]. The zero value of each field means its
// NFR-6 default; a negative value is an error from [New] that names the field.
type Config struct {
	// Name identifies the breaker in logs, errors and snapshots.
	Name string
	// FailureThreshold is how many consecutive failures, while closed, open the
	// circuit. Zero means 5.
	FailureThreshold int
	// SuccessThreshold is how many consecutive probe successes, while half-open,
	// close the circuit. Zero means 2.
	SuccessThreshold int
	// RecoveryTimeout is the time from opening until probes are admitted. Zero
	// means 60 s.
	RecoveryTimeout time.Duration
	// HalfOpenMaxCalls is how many probes may be in flight at once while
	// half-open; more are rejected with [ErrTooManyProbes]. Zero means
	// SuccessThreshold.
	HalfOpenMaxCalls int
	// IsFailure classifies a returned non-nil error that is not
	// context.Canceled: true counts it as a failure, false as a success. Nil
	// means every such error is a failure. context.Canceled is always ignored
	// (rule 8), whatever IsFailure says.
	IsFailure func(error) bool
	// OnStateChange, if set, is called with each transition, in transition
	// order, never under the breaker's lock: it may call any method of the
	// breaker. It may run on the goroutine of a different caller than the one
	// whose call caused the transition.
	OnStateChange func(Transition)
	// Logger receives one structured record per transition. Nil means
	// slog.Default(); use a handler that discards to silence it.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now; tests and simulations inject their own.
	Now func() time.Time
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"FailureThreshold", int64(c.FailureThreshold)},
		{"SuccessThreshold", int64(c.SuccessThreshold)},
		{"RecoveryTimeout", int64(c.RecoveryTimeout)},
		{"HalfOpenMaxCalls", int64(c.HalfOpenMaxCalls)},
	} {
		if f.v < 0 {
			return c, fmt.Errorf("breaker: Config.%s is %d, want >= 0 (0 means the default)", f.name, f.v)
		}
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.SuccessThreshold == 0 {
		c.SuccessThreshold = DefaultSuccessThreshold
	}
	if c.RecoveryTimeout == 0 {
		c.RecoveryTimeout = DefaultRecoveryTimeout
	}
	if c.HalfOpenMaxCalls == 0 {
		c.HalfOpenMaxCalls = c.SuccessThreshold
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// classify maps a call's error to its outcome.
func (c *Config) classify(err error) Outcome {
	switch {
	case err == nil:
		return Success
	case errors.Is(err, context.Canceled):
		return Ignored
	case c.IsFailure == nil || c.IsFailure(err):
		return Failure
	}
	return Success
}
