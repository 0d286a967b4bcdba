package scenarios

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/breakerlab/breakerlab/breaker"
)

// Breaker is what the runner drives: the two-step form of a circuit breaker.
// The reference [breaker.Breaker] is one (through [Reference]); the checker's
// tests plug in deliberately broken ones. Implementations must be safe for
// concurrent use by multiple goroutines (live mode calls them from many).
type Breaker interface {
	// Allow admits a call, returning its ticket, or rejects it with an error
	// matching breaker.ErrOpen or breaker.ErrTooManyProbes (a
	// *breaker.RejectedError carries the generation).
	Allow() (Ticket, error)
	// Snapshot returns the breaker's counters and state.
	Snapshot() breaker.Snapshot
}

// Ticket is one admitted call.
type Ticket interface {
	// Done reports the call's result and returns how it was classified.
	Done(err error) breaker.Outcome
	// Generation is the generation that admitted the call.
	Generation() uint64
}

// Factory builds a breaker from a configuration whose Now and OnStateChange
// the runner has set: an implementation must read time only through
// cfg.Now and report every transition, in order, to cfg.OnStateChange.
type Factory func(cfg breaker.Config) (Breaker, error)

// Reference is the [Factory] of the reference breaker.
func Reference(cfg breaker.Config) (Breaker, error) {
	b, err := breaker.New(cfg)
	if err != nil {
		return nil, err
	}
	return reference{b}, nil
}

// reference adapts *breaker.Breaker, whose Allow returns a concrete Ticket.
type reference struct{ b *breaker.Breaker }

func (r reference) Allow() (Ticket, error) {
	t, err := r.b.Allow()
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (r reference) Snapshot() breaker.Snapshot { return r.b.Snapshot() }

var _ Ticket = breaker.Ticket{}

// Implementations is a registry of named breaker factories, so a run can
// pick one by name (`breakerlab run --breaker NAME`). It starts with
// "reference". It is safe for concurrent use by multiple goroutines.
var Implementations = &implRegistry{m: map[string]Factory{"reference": Reference}}

type implRegistry struct {
	mu sync.Mutex
	m  map[string]Factory
}

// Register adds a named factory; a name already taken is an error.
func (r *implRegistry) Register(name string, f Factory) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[name]; ok {
		return fmt.Errorf("scenarios: breaker implementation %q already registered", name)
	}
	r.m[name] = f
	return nil
}

// Get returns the factory registered under name.
func (r *implRegistry) Get(name string) (Factory, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.m[name]
	return f, ok
}

// Names returns the registered names, sorted.
func (r *implRegistry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// rejection classifies a rejection error: its reason for calls.jsonl
// ("open" or "probe_limit") and the generation it names.
func rejection(err error) (reason string, gen uint64, ok bool) {
	var re *breaker.RejectedError
	if errors.As(err, &re) {
		gen = re.Generation
	}
	switch {
	case errors.Is(err, breaker.ErrOpen):
		return "open", gen, true
	case errors.Is(err, breaker.ErrTooManyProbes):
		return "probe_limit", gen, true
	}
	return "", 0, false
}

// quietLogger discards the breaker's transition logs: runs record
// transitions themselves.
var quietLogger = slog.New(slog.DiscardHandler)
