package runner

import "errors"

// Sentinel errors.
var (
	// ErrInterrupted matches a run stopped by its context before the end; the
	// records and the verdict of what ran are still written.
	ErrInterrupted = errors.New("runner: run interrupted")
	// ErrRateShort matches a live run whose load generator fell well short of
	// the target rate: the generator, not the breaker, was the bottleneck.
	ErrRateShort = errors.New("runner: achieved rate well short of the target")
)
