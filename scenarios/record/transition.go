package record

import (
	"cmp"
	"encoding/json"
)

// Transition is one breaker state change: a line of transitions.jsonl.
type Transition struct {
	Dep    string `json:"dep"`    // the dependency whose breaker changed
	From   State  `json:"from"`   // the state left
	To     State  `json:"to"`     // the state entered
	AtNs   int64  `json:"at_ns"`  // when, ns since t0
	Gen    uint64 `json:"gen"`    // the generation the transition starts
	Reason string `json:"reason"` // the breaker's reason, e.g. "5 consecutive failures" or "reset"
	// Inferred marks a transition the checker inferred from behaviour (in
	// inferred.jsonl) rather than one the breaker reported. Omitted when false.
	Inferred bool `json:"inferred,omitempty"`
	// LoNs and HiNs bound when an inferred transition happened, when the
	// records leave that open: it took effect in [LoNs, HiNs], and AtNs is
	// the checker's best estimate. Omitted (0) when AtNs is exact.
	LoNs int64 `json:"lo_ns,omitempty"`
	HiNs int64 `json:"hi_ns,omitempty"`
}

// UnmarshalJSON decodes one transitions.jsonl object. Unknown keys are
// ignored; dep, from, to, at_ns and gen are required. (Encoding is
// encoding/json's, in the order of the fields.)
func (t *Transition) UnmarshalJSON(b []byte) error {
	// The fast path: one pass of encoding/json, with pointers that tell a
	// required key missing from a zero (a zero state is invalid, so From
	// and To tell by themselves).
	type plain Transition
	var n Transition
	v := struct {
		*plain
		Dep  *string `json:"dep"`
		AtNs *int64  `json:"at_ns"`
		Gen  *uint64 `json:"gen"`
	}{plain: (*plain)(&n)}
	if err := json.Unmarshal(b, &v); err == nil && v.Dep != nil && n.From != 0 && n.To != 0 && v.AtNs != nil && v.Gen != nil {
		n.Dep, n.AtNs, n.Gen = *v.Dep, *v.AtNs, *v.Gen
		*t = n
		return nil
	}
	return t.unmarshalByKey(b)
}

// unmarshalByKey decodes b one key at a time, so that an error names its
// key: the slow path, for a line the fast path refused.
func (t *Transition) unmarshalByKey(b []byte) error {
	o, err := parseObject(b)
	if err != nil {
		return err
	}
	var n Transition
	if err := cmp.Or(
		o.get("dep", &n.Dep, true),
		o.get("from", &n.From, true),
		o.get("to", &n.To, true),
		o.get("at_ns", &n.AtNs, true),
		o.get("gen", &n.Gen, true),
		o.get("reason", &n.Reason, false),
		o.get("inferred", &n.Inferred, false),
		o.get("lo_ns", &n.LoNs, false),
		o.get("hi_ns", &n.HiNs, false),
	); err != nil {
		return err
	}
	*t = n
	return nil
}
