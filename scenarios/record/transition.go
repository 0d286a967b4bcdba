package record

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

// AppendJSON appends the transition as one JSON object (no newline).
func (t *Transition) AppendJSON(b []byte) []byte {
	b = appendKeyString(b, `{"dep":`, t.Dep)
	b = append(b, `,"from":"`...)
	b = append(b, t.From.String()...)
	b = append(b, `","to":"`...)
	b = append(b, t.To.String()...)
	b = appendKeyInt(b, `","at_ns":`, t.AtNs)
	b = appendKeyUint(b, `,"gen":`, t.Gen)
	b = appendKeyString(b, `,"reason":`, t.Reason)
	if t.Inferred {
		b = append(b, `,"inferred":true`...)
	}
	if t.LoNs != 0 || t.HiNs != 0 {
		b = appendKeyInt(b, `,"lo_ns":`, t.LoNs)
		b = appendKeyInt(b, `,"hi_ns":`, t.HiNs)
	}
	return append(b, '}')
}

// MarshalJSON encodes the transition as AppendJSON does.
func (t Transition) MarshalJSON() ([]byte, error) {
	if err := t.From.valid(); err != nil {
		return nil, err
	}
	if err := t.To.valid(); err != nil {
		return nil, err
	}
	return t.AppendJSON(nil), nil
}

// UnmarshalJSON decodes one transitions.jsonl object. Unknown keys are ignored.
func (t *Transition) UnmarshalJSON(b []byte) error {
	d := decoder{b: b}
	if err := t.decode(&d); err != nil {
		return err
	}
	return d.end()
}

var transitionRequired = []string{"dep", "from", "to", "at_ns", "gen"}

func (d *decoder) state() (State, error) {
	s, err := d.str()
	if err != nil {
		return 0, err
	}
	v, ok := parseState(s)
	if !ok {
		return 0, d.errorf("unknown state %q, want closed, open or half-open", s)
	}
	return v, nil
}

func (t *Transition) decode(d *decoder) error {
	*t = Transition{}
	if err := d.openObject(); err != nil {
		return err
	}
	var seen fieldSet
	for first := true; ; first = false {
		ok, err := d.more(first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		k, err := d.key()
		if err != nil {
			return err
		}
		switch string(k) {
		case "dep":
			seen |= 1 << 0
			t.Dep, err = d.string()
		case "from":
			seen |= 1 << 1
			t.From, err = d.state()
		case "to":
			seen |= 1 << 2
			t.To, err = d.state()
		case "at_ns":
			seen |= 1 << 3
			t.AtNs, err = d.int()
		case "gen":
			seen |= 1 << 4
			t.Gen, err = d.uint()
		case "reason":
			t.Reason, err = d.string()
		case "inferred":
			t.Inferred, err = d.boolean()
		case "lo_ns":
			t.LoNs, err = d.int()
		case "hi_ns":
			t.HiNs, err = d.int()
		default:
			err = d.skip(0)
		}
		if err != nil {
			return keyError(k, err)
		}
	}
	return seen.missing(transitionRequired)
}
