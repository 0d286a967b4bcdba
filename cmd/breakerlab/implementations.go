package main

import (
	"context"

	"github.com/breakerlab/breakerlab/bench/seedport"
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// implementations are the breakers 'breakerlab run --breaker' can drive.
func implementations() *runner.Registry {
	r, err := runner.NewRegistry(runner.Reference, seedPort)
	if err != nil {
		panic(err) // the list above is fixed: a bad entry is a programming error caught by every test
	}
	return r
}

// seedPort is the seed's single-mutex design (bench/seedport).
var seedPort = runner.Implementation{
	Name: "seedport",
	New: func(cfg breaker.Config) (runner.Breaker, error) {
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
	},
	Clock:       true,
	Transitions: true,
	Generations: true,
}

// seedPortDriver gives [seedport.Breaker] the runner's interfaces.
type seedPortDriver struct{ *seedport.Breaker }

func (d seedPortDriver) Execute(ctx context.Context, fn func(context.Context) error) error {
	return d.Breaker.Execute(func() error { return fn(ctx) })
}

func (d seedPortDriver) Allow() (runner.Ticket, error) {
	t, err := d.Breaker.Allow()
	if err != nil {
		return nil, err
	}
	return seedPortTicket{t}, nil
}

type seedPortTicket struct{ seedport.Ticket }

func (t seedPortTicket) Done(err error) { t.Ticket.Done(err) }
