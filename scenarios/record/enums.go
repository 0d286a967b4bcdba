package record

import "fmt"

// Outcome is how a recorded call ended, as the breaker classified it. The
// zero value is invalid, so a record that forgot its outcome is caught.
type Outcome uint8

// The outcomes of a Call.
const (
	OutcomeSuccess  Outcome = iota + 1 // the call ran and succeeded
	OutcomeFailure                     // the call ran and counted as a failure
	OutcomeIgnored                     // the call ran; its result counted as neither (e.g. context.Canceled)
	OutcomeRejected                    // the breaker refused the call; it never ran
)

var outcomeNames = [...]string{"", "success", "failure", "ignored", "rejected"}

// String returns the outcome's name in the files: success, failure, ignored or
// rejected ("" for the invalid zero value).
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Index numbers the valid outcomes from 0 (success, failure, ignored,
// rejected), for arrays indexed by outcome; ok is false for an invalid one.
func (o Outcome) Index() (i int, ok bool) {
	if o == 0 || int(o) >= len(outcomeNames) {
		return 0, false
	}
	return int(o) - 1, true
}

// MarshalText encodes the outcome as its name.
func (o Outcome) MarshalText() ([]byte, error) {
	if o == 0 || int(o) >= len(outcomeNames) {
		return nil, fmt.Errorf("record: invalid outcome %d", uint8(o))
	}
	return []byte(outcomeNames[o]), nil
}

// UnmarshalText decodes an outcome name.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, ok := parseOutcome(b)
	if !ok {
		return fmt.Errorf("record: unknown outcome %q, want success, failure, ignored or rejected", b)
	}
	*o = v
	return nil
}

func parseOutcome(b []byte) (Outcome, bool) {
	switch string(b) {
	case "success":
		return OutcomeSuccess, true
	case "failure":
		return OutcomeFailure, true
	case "ignored":
		return OutcomeIgnored, true
	case "rejected":
		return OutcomeRejected, true
	}
	return 0, false
}

// State is a breaker state in transitions.jsonl and snapshots.jsonl. The zero
// value is invalid.
type State uint8

// The breaker states, named as breaker.State.String names them.
const (
	StateClosed   State = iota + 1 // calls run; failures are counted
	StateOpen                      // every call is rejected
	StateHalfOpen                  // a limited number of probes run
)

var stateNames = [...]string{"", "closed", "open", "half-open"}

// String returns the state's name in the files: closed, open or half-open.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// MarshalText encodes the state as its name.
func (s State) MarshalText() ([]byte, error) {
	if s == 0 || int(s) >= len(stateNames) {
		return nil, fmt.Errorf("record: invalid state %d", uint8(s))
	}
	return []byte(stateNames[s]), nil
}

// UnmarshalText decodes a state name.
func (s *State) UnmarshalText(b []byte) error {
	v, ok := parseState(b)
	if !ok {
		return fmt.Errorf("record: unknown state %q, want closed, open or half-open", b)
	}
	*s = v
	return nil
}

func parseState(b []byte) (State, bool) {
	switch string(b) {
	case "closed":
		return StateClosed, true
	case "open":
		return StateOpen, true
	case "half-open":
		return StateHalfOpen, true
	}
	return 0, false
}

// The reasons a call was rejected, in Call.Reject.
const (
	RejectOpen       = "open"        // the circuit was open
	RejectProbeLimit = "probe_limit" // half-open, and HalfOpenMaxCalls probes were already in flight
)

func (o Outcome) valid() error {
	_, err := o.MarshalText()
	return err
}

func (s State) valid() error {
	_, err := s.MarshalText()
	return err
}
