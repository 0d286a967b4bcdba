package record

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

// AppendJSON appends the snapshot as one JSON object (no newline).
func (s *Snapshot) AppendJSON(b []byte) []byte {
	b = appendKeyString(b, `{"dep":`, s.Dep)
	b = appendKeyInt(b, `,"at_ns":`, s.AtNs)
	b = append(b, `,"state":"`...)
	b = append(b, s.State.String()...)
	b = appendKeyUint(b, `","gen":`, s.Gen)
	b = appendKeyInt(b, `,"consecutive_failures":`, int64(s.ConsecutiveFailures))
	b = appendKeyInt(b, `,"consecutive_successes":`, int64(s.ConsecutiveSuccesses))
	b = appendKeyInt(b, `,"probes_in_flight":`, int64(s.ProbesInFlight))
	b = appendKeyUint(b, `,"totals":{"success":`, s.Totals.Success)
	b = appendKeyUint(b, `,"failure":`, s.Totals.Failure)
	b = appendKeyUint(b, `,"ignored":`, s.Totals.Ignored)
	b = appendKeyUint(b, `,"rejected":`, s.Totals.Rejected)
	b = append(b, '}')
	if s.SpanNs != 0 {
		b = appendKeyInt(b, `,"span_ns":`, s.SpanNs)
	}
	return append(b, '}')
}

// MarshalJSON encodes the snapshot as AppendJSON does.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	if err := s.State.valid(); err != nil {
		return nil, err
	}
	return s.AppendJSON(nil), nil
}

// UnmarshalJSON decodes one snapshots.jsonl object. Unknown keys are ignored.
func (s *Snapshot) UnmarshalJSON(b []byte) error {
	d := decoder{b: b}
	if err := s.decode(&d); err != nil {
		return err
	}
	return d.end()
}

var snapshotRequired = []string{"dep", "at_ns", "state", "gen", "totals"}

func (s *Snapshot) decode(d *decoder) error {
	*s = Snapshot{}
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
			s.Dep, err = d.string()
		case "at_ns":
			seen |= 1 << 1
			s.AtNs, err = d.int()
		case "state":
			seen |= 1 << 2
			s.State, err = d.state()
		case "gen":
			seen |= 1 << 3
			s.Gen, err = d.uint()
		case "consecutive_failures":
			s.ConsecutiveFailures, err = d.smallInt()
		case "consecutive_successes":
			s.ConsecutiveSuccesses, err = d.smallInt()
		case "probes_in_flight":
			s.ProbesInFlight, err = d.smallInt()
		case "totals":
			seen |= 1 << 4
			err = s.Totals.decode(d)
		case "span_ns":
			s.SpanNs, err = d.int()
		default:
			err = d.skip(0)
		}
		if err != nil {
			return keyError(k, err)
		}
	}
	return seen.missing(snapshotRequired)
}

func (t *Totals) decode(d *decoder) error {
	if err := d.openObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		ok, err := d.more(first)
		if err != nil || !ok {
			return err
		}
		k, err := d.key()
		if err != nil {
			return err
		}
		switch string(k) {
		case "success":
			t.Success, err = d.uint()
		case "failure":
			t.Failure, err = d.uint()
		case "ignored":
			t.Ignored, err = d.uint()
		case "rejected":
			t.Rejected, err = d.uint()
		default:
			err = d.skip(0)
		}
		if err != nil {
			return keyError(k, err)
		}
	}
}
