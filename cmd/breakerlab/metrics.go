package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/breakerlab/breakerlab/scenarios/runner"
	"github.com/breakerlab/breakerlab/scenarios/runner/runprom"
)

// serveMetrics serves /metrics on addr for 'run --metrics' and returns the
// runner's observer and the function that stops serving. A bad or taken
// address is a usage error, before anything runs.
func serveMetrics(addr string, allowNonLoopback bool, stderr io.Writer) (observe func(*runner.View) func(), stop func(), err error) {
	e, err := runprom.Listen(addr, allowNonLoopback)
	if err != nil {
		if errors.Is(err, runprom.ErrNotLoopback) {
			err = fmt.Errorf("%w; add --allow-non-loopback to serve metrics beyond this machine", err)
		}
		return nil, nil, usagef("run: --metrics %s: %v", addr, err)
	}
	fmt.Fprintf(stderr, "metrics: %s (live, stress and external runs)\n", e.URL())
	return e.Observe, func() { _ = e.Close() }, nil
}
