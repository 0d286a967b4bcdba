package conform

import (
	"context"
	"fmt"

	ref "github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// All returns every peer as a [runner.Implementation], for the NFR-6
// scenario library (conformance.Run, runner.Run): each configured as close
// to NFR-6 as its library allows. Each constructor's documentation gives the
// mapping and what cannot be mapped; docs/peers.md has the table and the
// checker's verdicts.
func All() []runner.Implementation {
	return []runner.Implementation{Gobreaker(), Failsafe(), Eapache(), Hystrix(), Rubyist()}
}

// rejected wraps a library's rejection so that it also matches why, one of
// ref.ErrOpen and ref.ErrTooManyProbes (errors.Is), for libraries whose
// rejections say why. The library's own error still matches too.
func rejected(why, libErr error) error {
	return fmt.Errorf("%w: %w", why, libErr)
}

// transition reports one transition to cfg.OnStateChange, if it is set, at
// the breaker's clock's now: the moment the library made it. The libraries
// number no generations, so Generation is 0 (Implementation.Generations is
// false for every peer).
func transition(cfg ref.Config, from, to ref.State) {
	if cfg.OnStateChange != nil {
		cfg.OnStateChange(ref.Transition{From: from, To: to, At: cfg.Now(), Reason: "reported by the library"})
	}
}

// ticketFunc is a [runner.Ticket] made of a library's done callback.
type ticketFunc func(error)

func (f ticketFunc) Done(err error) { f(err) }

// execute is Execute for a breaker with a two-step form.
func execute(ctx context.Context, a runner.Allower, fn func(context.Context) error) error {
	t, err := a.Allow()
	if err != nil {
		return err
	}
	err = fn(ctx)
	t.Done(err)
	return err
}
