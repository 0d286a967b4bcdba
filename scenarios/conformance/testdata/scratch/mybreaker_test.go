package mybreaker_test

import (
	"testing"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/conformance"
	"github.com/breakerlab/breakerlab/scenarios/runner"

	"example.com/mybreaker"
)

func TestNFR6(t *testing.T) {
	conformance.Run(t, runner.Implementation{Name: "mybreaker", Clock: true,
		New: func(c breaker.Config) (runner.Breaker, error) {
			return mybreaker.New(c.FailureThreshold, c.SuccessThreshold, c.HalfOpenMaxCalls, c.RecoveryTimeout, c.Now), nil
		}}, conformance.Options{})
}
