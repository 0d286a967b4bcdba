package record

import (
	"cmp"
	"encoding/json"
)

// Snapshot is a breaker's state and counters at one moment: a line of
// snapshots.jsonl. The runner writes at least one per dependency at the end.
type Snapshot struct {
	Dep                  string `json:"dep"`                   // the dependency whose breaker this is
	AtNs                 int64  `json:"at_ns"`                 // when taken, ns since t0
	State                State  `json:"state"`                 // the state at that moment
	Gen                  uint64 `json:"gen"`                   // the current generation
	ConsecutiveFailures  int    `json:"consecutive_failures"`  // failures counted while closed
	ConsecutiveSuccesses int    `json:"consecutive_successes"` // probe successes counted while half-open
	ProbesInFlight       int    `json:"probes_in_flight"`      // admitted half-open calls not yet done
	Totals               Totals `json:"totals"`                // the breaker's own outcome counters
	// SpanNs is how long taking it took: the breaker was in this state at
	// some moment of [AtNs, AtNs+SpanNs]. Omitted when 0 (sim: exact).
	SpanNs int64 `json:"span_ns,omitempty"`
}

// Totals are a breaker's outcome counters since it was created.
type Totals struct {
	Success  uint64 `json:"success"`  // admitted calls that succeeded (late ones included)
	Failure  uint64 `json:"failure"`  // admitted calls that failed (late ones included)
	Ignored  uint64 `json:"ignored"`  // admitted calls whose result counted as neither
	Rejected uint64 `json:"rejected"` // calls refused without running
}

// UnmarshalJSON decodes one snapshots.jsonl object. Unknown keys are
// ignored; dep, at_ns, state, gen and totals are required. (Encoding is
// encoding/json's, in the order of the fields.)
func (s *Snapshot) UnmarshalJSON(b []byte) error {
	// The fast path, as Transition's.
	type plain Snapshot
	var n Snapshot
	v := struct {
		*plain
		Dep    *string `json:"dep"`
		AtNs   *int64  `json:"at_ns"`
		Gen    *uint64 `json:"gen"`
		Totals *Totals `json:"totals"`
	}{plain: (*plain)(&n)}
	if err := json.Unmarshal(b, &v); err == nil && v.Dep != nil && n.State != 0 && v.AtNs != nil && v.Gen != nil && v.Totals != nil {
		n.Dep, n.AtNs, n.Gen, n.Totals = *v.Dep, *v.AtNs, *v.Gen, *v.Totals
		*s = n
		return nil
	}
	return s.unmarshalByKey(b)
}

// unmarshalByKey decodes b one key at a time, so that an error names its
// key: the slow path, for a line the fast path refused.
func (s *Snapshot) unmarshalByKey(b []byte) error {
	o, err := parseObject(b)
	if err != nil {
		return err
	}
	var n Snapshot
	if err := cmp.Or(
		o.get("dep", &n.Dep, true),
		o.get("at_ns", &n.AtNs, true),
		o.get("state", &n.State, true),
		o.get("gen", &n.Gen, true),
		o.get("consecutive_failures", &n.ConsecutiveFailures, false),
		o.get("consecutive_successes", &n.ConsecutiveSuccesses, false),
		o.get("probes_in_flight", &n.ProbesInFlight, false),
		o.get("totals", &n.Totals, true),
		o.get("span_ns", &n.SpanNs, false),
	); err != nil {
		return err
	}
	*s = n
	return nil
}
