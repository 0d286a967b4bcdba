package main

import (
	"errors"

	"github.com/breakerlab/breakerlab/bench/seedport"
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios"
)

// The implementations 'breakerlab run --breaker' can drive besides the
// reference one.
func init() {
	if err := scenarios.Implementations.Register("seedport", seedPortFactory); err != nil {
		panic(err) // a name taken twice is a programming error
	}
}

// seedPortFactory builds the seed's single-mutex design (bench/seedport) from
// a scenario's breaker configuration.
func seedPortFactory(cfg breaker.Config) (scenarios.Breaker, error) {
	if cfg.IsFailure != nil {
		return nil, errors.New("seedport: IsFailure is not supported (nil is a success, context.Canceled ignored, any other error a failure)")
	}
	b, err := seedport.New(seedport.Config{
		Name:             cfg.Name,
		FailureThreshold: cfg.FailureThreshold,
		SuccessThreshold: cfg.SuccessThreshold,
		RecoveryTimeout:  cfg.RecoveryTimeout,
		HalfOpenMaxCalls: cfg.HalfOpenMaxCalls,
		Now:              cfg.Now,
		OnStateChange:    cfg.OnStateChange,
	})
	if err != nil {
		return nil, err
	}
	return seedPortDriver{b}, nil
}

// seedPortDriver gives [seedport.Breaker] the runner's interface: its Allow
// returns a concrete ticket.
type seedPortDriver struct{ *seedport.Breaker }

func (d seedPortDriver) Allow() (scenarios.Ticket, error) {
	t, err := d.Breaker.Allow()
	if err != nil {
		return nil, err
	}
	return t, nil
}
