package record

// Call is one attempted call as the client saw it: a line of calls.jsonl.
type Call struct {
	Seq      uint64  `json:"seq"`              // the call's number, unique per Dep; matches DepRequest.Seq
	Dep      string  `json:"dep"`              // the dependency's name
	StartNs  int64   `json:"start_ns"`         // when the call was attempted, ns since t0
	EndNs    int64   `json:"end_ns"`           // when its outcome was known, ns since t0
	Outcome  Outcome `json:"outcome"`          // the breaker's classification
	Fallback bool    `json:"fallback"`         // a fallback value was served instead
	Gen      uint64  `json:"gen"`              // the generation that admitted (or rejected) the call
	Reject   string  `json:"reject,omitempty"` // for rejected calls: RejectOpen or RejectProbeLimit; omitted otherwise
	Err      string  `json:"err"`              // the error text, "" on success
}

// AppendJSON appends the call as one JSON object (no newline) in the fixed key
// order of the contract. It allocates nothing when b has room.
func (c *Call) AppendJSON(b []byte) []byte {
	b = appendKeyUint(b, `{"seq":`, c.Seq)
	b = appendKeyString(b, `,"dep":`, c.Dep)
	b = appendKeyInt(b, `,"start_ns":`, c.StartNs)
	b = appendKeyInt(b, `,"end_ns":`, c.EndNs)
	b = append(b, `,"outcome":"`...)
	b = append(b, c.Outcome.String()...)
	b = appendKeyBool(b, `","fallback":`, c.Fallback)
	b = appendKeyUint(b, `,"gen":`, c.Gen)
	if c.Reject != "" {
		b = appendKeyString(b, `,"reject":`, c.Reject)
	}
	b = appendKeyString(b, `,"err":`, c.Err)
	return append(b, '}')
}

// MarshalJSON encodes the call as AppendJSON does.
func (c Call) MarshalJSON() ([]byte, error) {
	if err := c.Outcome.valid(); err != nil {
		return nil, err
	}
	return c.AppendJSON(nil), nil
}

// UnmarshalJSON decodes one calls.jsonl object. Unknown keys are ignored.
func (c *Call) UnmarshalJSON(b []byte) error {
	d := decoder{b: b}
	if err := c.decode(&d); err != nil {
		return err
	}
	return d.end()
}

var callRequired = []string{"seq", "dep", "start_ns", "end_ns", "outcome", "gen"}

func (c *Call) decode(d *decoder) error {
	*c = Call{}
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
		case "seq":
			seen |= 1 << 0
			c.Seq, err = d.uint()
		case "dep":
			seen |= 1 << 1
			c.Dep, err = d.string()
		case "start_ns":
			seen |= 1 << 2
			c.StartNs, err = d.int()
		case "end_ns":
			seen |= 1 << 3
			c.EndNs, err = d.int()
		case "outcome":
			seen |= 1 << 4
			var s []byte
			if s, err = d.str(); err == nil {
				var ok bool
				if c.Outcome, ok = parseOutcome(s); !ok {
					err = d.errorf("unknown outcome %q, want success, failure, ignored or rejected", s)
				}
			}
		case "fallback":
			c.Fallback, err = d.boolean()
		case "gen":
			seen |= 1 << 5
			c.Gen, err = d.uint()
		case "reject":
			c.Reject, err = d.string()
		case "err":
			c.Err, err = d.string()
		default:
			err = d.skip(0)
		}
		if err != nil {
			return keyError(k, err)
		}
	}
	return seen.missing(callRequired)
}
