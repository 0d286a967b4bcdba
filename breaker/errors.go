package breaker

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrOpen matches a call rejected because the circuit is open.
	ErrOpen = errors.New("breaker: circuit open")
	// ErrTooManyProbes matches a call rejected because the circuit is half-open
	// and HalfOpenMaxCalls probes are already in flight.
	ErrTooManyProbes = errors.New("breaker: too many probes in flight")
)

// RejectedError is returned for every rejected call. It matches [ErrOpen] or
// [ErrTooManyProbes] with errors.Is. One value is shared by all rejections of a
// generation: the first rejection makes it, and the others allocate nothing.
// Treat it as read-only.
type RejectedError struct {
	// Name is the breaker's name.
	Name string
	// State is Open or HalfOpen.
	State State
	// Generation is the generation that rejected the call.
	Generation uint64
	// ProbeAt is when a probe is next possible: the end of the recovery timeout.
	// It is zero when unknown (half-open and full, or forced open until Reset).
	ProbeAt time.Time
	forced  bool
}

// RetryAfter returns how long after now a probe is possible, or 0 when ProbeAt
// is zero or already past.
func (e *RejectedError) RetryAfter(now time.Time) time.Duration {
	if e.ProbeAt.IsZero() || !now.Before(e.ProbeAt) {
		return 0
	}
	return e.ProbeAt.Sub(now)
}

// Error names the breaker, the reason and when a probe is next possible.
func (e *RejectedError) Error() string {
	switch {
	case e.State == HalfOpen:
		return fmt.Sprintf("%v (breaker %q, generation %d): retry when a probe finishes", ErrTooManyProbes, e.Name, e.Generation)
	case e.forced:
		return fmt.Sprintf("%v (breaker %q, generation %d): forced open until Reset", ErrOpen, e.Name, e.Generation)
	default:
		return fmt.Sprintf("%v (breaker %q, generation %d): next probe at %s", ErrOpen, e.Name, e.Generation, e.ProbeAt.Format(time.RFC3339Nano))
	}
}

// Is reports whether target is the sentinel for this rejection.
func (e *RejectedError) Is(target error) bool {
	if e.State == HalfOpen {
		return target == ErrTooManyProbes
	}
	return target == ErrOpen
}
