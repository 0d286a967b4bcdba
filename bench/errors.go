package bench

import "errors"

var (
	// ErrNoSource reports that a directory is not inside a breakerlab
	// checkout, so there is no suite for go test to run.
	ErrNoSource = errors.New("bench: not inside a breakerlab checkout")
	// ErrNoResults reports input without a single BenchmarkBreaker result.
	ErrNoResults = errors.New("bench: no " + BenchmarkName + " results")
)
