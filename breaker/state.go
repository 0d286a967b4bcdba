package breaker

import "time"

// State is a circuit's state: [Closed], [Open] or [HalfOpen].
type State int32

const (
	// Closed lets every call through and counts consecutive failures.
	Closed State = iota
	// Open rejects every call without running it until the recovery timeout has passed.
	Open
	// HalfOpen admits a limited number of probe calls to test the dependency.
	HalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// Outcome is how the breaker classified one attempted call.
type Outcome int32

const (
	// Success is a call that returned an error the breaker does not count as a failure (usually nil).
	Success Outcome = iota
	// Failure is a call whose error counts as a failure, or that panicked.
	Failure
	// Ignored is a call whose error is or wraps context.Canceled: neither success nor failure.
	Ignored
	// Rejected is a call the breaker did not run.
	Rejected
)

// String returns "success", "failure", "ignored" or "rejected".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignored:
		return "ignored"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// Transition is one change of state. Every transition starts a new generation.
type Transition struct {
	From, To State
	// At is when the transition took effect. For Open→HalfOpen it is the moment the
	// recovery timeout elapsed, even if the breaker noticed it later.
	At time.Time
	// Generation is the generation the transition starts.
	Generation uint64
	// Reason says why, e.g. "5 consecutive failures", "probe failed", "reset".
	Reason string
}

// Totals counts attempted calls by outcome over the breaker's lifetime. Results
// from an earlier generation are counted here too: they change no state, but
// they did happen.
type Totals struct {
	Success, Failure, Ignored, Rejected uint64
}

// Snapshot is a consistent picture of a breaker at one moment.
type Snapshot struct {
	Name       string
	State      State
	Generation uint64
	// ConsecutiveFailures counts failures in a row while closed.
	ConsecutiveFailures int
	// ConsecutiveSuccesses counts probe successes in a row while half-open.
	ConsecutiveSuccesses int
	// ProbesInFlight counts probes admitted in this half-open generation and not yet done.
	ProbesInFlight int
	// OpenedAt is when the circuit last opened (zero if never).
	OpenedAt time.Time
	// LastFailure is when the last failure was recorded (zero if never).
	LastFailure time.Time
	// LastSuccess is when the last success was seen. The closed fast path reads no
	// clock, so a success there is stamped by the next Snapshot that sees the
	// success total grow: it is late by at most the time between snapshots.
	LastSuccess time.Time
	Totals      Totals
	// Transitions counts every transition since New by the state it left and
	// the state it entered, resets and forced opens included.
	Transitions TransitionCounts
	// OpenTime is the time the circuit has spent open since New: for each
	// stretch, from the transition to Open until the transition out of it (by
	// their Transition.At), and for a stretch still going, until this
	// snapshot's clock reading. Forced-open time counts; half-open time does
	// not. It never decreases from one snapshot to the next.
	OpenTime time.Duration
}

// TransitionCounts counts transitions by the state they left and the state
// they entered. The zero value counts none.
type TransitionCounts struct {
	n [3][3]uint64 // n[from][to], indexed by State
}

// Of returns how many transitions went from from to to: Of(Closed, Open) is
// how many times the circuit tripped. A reset is a transition to Closed from
// whatever state it found, Closed included.
func (c TransitionCounts) Of(from, to State) uint64 {
	if !from.valid() || !to.valid() {
		return 0
	}
	return c.n[from][to]
}

// Add counts one transition from from to to; it ignores states other than
// Closed, Open and HalfOpen. It is for implementations other than [Breaker]
// that fill a [Snapshot].
func (c *TransitionCounts) Add(from, to State) {
	if from.valid() && to.valid() {
		c.n[from][to]++
	}
}

// Total returns the number of transitions counted.
func (c TransitionCounts) Total() uint64 {
	var t uint64
	for _, row := range c.n {
		for _, v := range row {
			t += v
		}
	}
	return t
}

func (s State) valid() bool { return s >= Closed && s <= HalfOpen }
