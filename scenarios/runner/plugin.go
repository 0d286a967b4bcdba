package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Breaker is a circuit breaker the runner can drive. Execute is all it must
// have: a call whose fn never ran was rejected. The runner judges the
// breaker by what it does — which calls it lets through, and when — so it
// needs nothing else; what a breaker reports about itself (optional: see
// [Allower], [Snapshotter], [StateReader] and [Implementation]) is only
// cross-checked. Implementations must be safe for concurrent use by
// multiple goroutines (live and stress mode call them from many).
type Breaker interface {
	// Execute runs fn through the breaker, or refuses to run it, and returns
	// fn's error or the breaker's own. A rejection's error may match
	// [breaker.ErrOpen] or [breaker.ErrTooManyProbes] (errors.Is) to say
	// why; the records then name the reason.
	Execute(ctx context.Context, fn func(context.Context) error) error
}

// Allower is the optional two-step form of a [Breaker]: Allow admits a call
// or rejects it, and the admitted call's [Ticket] takes its result. Sim mode
// drives an Allower directly; a breaker that only has Execute runs there
// with one goroutine per call in flight, one at a time.
type Allower interface {
	Allow() (Ticket, error)
}

// Ticket is one call admitted by an [Allower]. A ticket that also has a
// Generation() uint64 method reports the generation that admitted it (see
// [Implementation.Generations]).
type Ticket interface {
	// Done reports the call's result: fn's error, nil for a success.
	Done(err error)
}

// Snapshotter is a [Breaker] that reports its state and counters. The
// runner records snapshots while it runs and the checker compares them with
// what the breaker did.
type Snapshotter interface {
	Snapshot() breaker.Snapshot
}

// StateReader is a [Breaker] that reports its state only.
type StateReader interface {
	State() breaker.State
}

// Implementation is a breaker the runner can drive, and what it declares
// about itself. Only Name and New are required.
type Implementation struct {
	// Name identifies it in run directories (<scenario>@<name>), reports
	// and 'breakerlab run --breaker': lowercase letters, digits, '-' and '.'.
	Name string
	// New builds one breaker per dependency. cfg carries the scenario's
	// thresholds with the NFR-6 defaults filled in, the dependency's name,
	// and the runner's clock (cfg.Now) and transition listener
	// (cfg.OnStateChange), which New uses if it declares Clock and
	// Transitions. The other fields of cfg are zero.
	New func(cfg breaker.Config) (Breaker, error)
	// Clock declares that New's breakers read the time only through
	// cfg.Now. Sim mode needs it: its clock is virtual, and a breaker on the
	// wall clock would see a ten-minute scenario pass in milliseconds. The
	// runner refuses to run one that does not declare it in sim mode.
	Clock bool
	// Transitions declares that New's breakers report every transition, in
	// order, to cfg.OnStateChange. The checker compares them with the
	// transitions it infers.
	Transitions bool
	// Generations declares that the reported transitions, the tickets
	// (a Generation() uint64 method) and the rejections
	// (*breaker.RejectedError) carry the breaker's generation numbers.
	Generations bool
}

// Reports returns what i's breakers report about themselves, for meta.json,
// given one of them.
func (i Implementation) Reports(b Breaker) record.Reports {
	_, snaps := b.(Snapshotter)
	_, state := b.(StateReader)
	return record.Reports{Transitions: i.Transitions, Generations: i.Generations && i.Transitions,
		Snapshots: snaps, State: snaps || state}
}

// Reference is the reference breaker of package breaker: it declares
// everything.
var Reference = Implementation{
	Name: "reference",
	New: func(cfg breaker.Config) (Breaker, error) {
		b, err := breaker.New(cfg)
		if err != nil {
			return nil, err
		}
		return reference{b}, nil
	},
	Clock:       true,
	Transitions: true,
	Generations: true,
}

// reference adapts *breaker.Breaker, whose Allow returns a concrete ticket.
type reference struct{ *breaker.Breaker }

func (r reference) Allow() (Ticket, error) {
	t, err := r.Breaker.Allow()
	if err != nil {
		return nil, err
	}
	return referenceTicket{t}, nil
}

// referenceTicket drops the Outcome that breaker.Ticket.Done returns: the
// runner classifies results by the rules itself.
type referenceTicket struct{ breaker.Ticket }

func (t referenceTicket) Done(err error) { t.Ticket.Done(err) }

// Registry is a set of named implementations, for picking one by name
// (`breakerlab run --breaker NAME`). Build it with [NewRegistry]; it does
// not change afterwards, so it is safe for concurrent use.
type Registry struct {
	m map[string]Implementation
}

// NewRegistry returns a registry of impls. A missing Name or New, a name
// that is not lowercase letters, digits, '-' and '.', or a name given twice
// is an error.
func NewRegistry(impls ...Implementation) (*Registry, error) {
	r := &Registry{m: make(map[string]Implementation, len(impls))}
	for _, impl := range impls {
		switch {
		case impl.New == nil:
			return nil, fmt.Errorf("runner: implementation %q: New is nil", impl.Name)
		case !validImplName(impl.Name):
			return nil, fmt.Errorf("runner: implementation name %q: want lowercase letters, digits, '-' and '.'", impl.Name)
		}
		if _, dup := r.m[impl.Name]; dup {
			return nil, fmt.Errorf("runner: implementation %q given twice", impl.Name)
		}
		r.m[impl.Name] = impl
	}
	return r, nil
}

// Get returns the implementation called name.
func (r *Registry) Get(name string) (Implementation, bool) {
	impl, ok := r.m[name]
	return impl, ok
}

// Lookup returns the implementations named in a comma-separated list, or an
// error naming the first unknown one and the known ones.
func (r *Registry) Lookup(list string) ([]Implementation, error) {
	var out []Implementation
	for name := range strings.SplitSeq(list, ",") {
		impl, ok := r.Get(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("unknown breaker %q, want one or more of %s, comma-separated", name, strings.Join(r.Names(), ", "))
		}
		out = append(out, impl)
	}
	return out, nil
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func validImplName(s string) bool {
	if s == "" {
		return false
	}
	return !slices.ContainsFunc([]byte(s), func(c byte) bool {
		return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.')
	})
}

// rejection classifies a rejection error: its reason for calls.bin
// (open, probe_limit, or "" when the error does not say) and the
// generation a *breaker.RejectedError names.
func rejection(err error) (reason string, gen uint64) {
	var re *breaker.RejectedError
	if errors.As(err, &re) {
		gen = re.Generation
	}
	switch {
	case errors.Is(err, breaker.ErrOpen):
		return record.RejectOpen, gen
	case errors.Is(err, breaker.ErrTooManyProbes):
		return record.RejectProbeLimit, gen
	}
	return "", gen
}

// classify is an admitted call's outcome by the rules (7–8 of the NFR-6
// contract): nil a success, context.Canceled ignored, any other error —
// context.DeadlineExceeded included — a failure.
func classify(err error) record.Outcome {
	switch {
	case err == nil:
		return record.OutcomeSuccess
	case errors.Is(err, context.Canceled):
		return record.OutcomeIgnored
	}
	return record.OutcomeFailure
}
