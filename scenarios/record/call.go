package record

// Call is one attempted call as the client saw it: a record of calls.bin
// (a line of calls.jsonl in schema 1, and of `breakerlab cat calls.bin`).
//
// Its four times bracket what the breaker did: it decided to admit the call
// somewhere in [StartNs, AdmitNs] (or to reject it, in [StartNs, EndNs]),
// and took in its result somewhere in [DoneNs, EndNs]. In sim mode they are
// exact: AdmitNs = StartNs and DoneNs = EndNs.
type Call struct {
	Seq     uint64 `json:"seq"`      // the call's number, unique per Dep; matches DepRequest.Seq
	Dep     string `json:"dep"`      // the dependency's name
	StartNs int64  `json:"start_ns"` // when the client asked the breaker, ns since t0
	// AdmitNs is when the protected function started (admitted calls; the
	// breaker had decided by then). In the file it is omitted when it equals
	// StartNs, and for rejected calls.
	AdmitNs int64 `json:"admit_ns,omitempty"`
	// DoneNs is when the protected function returned (admitted calls; the
	// breaker learns the result after). Omitted when it equals EndNs.
	DoneNs int64 `json:"done_ns,omitempty"`
	EndNs  int64 `json:"end_ns"` // when the client had its answer, ns since t0
	// Outcome is what happened, by the rules rather than by the breaker's
	// word: rejected (the function never ran), or the function's error
	// classified: nil a success, context.Canceled ignored, any other error
	// (context.DeadlineExceeded included) a failure.
	Outcome  Outcome `json:"outcome"`
	Fallback bool    `json:"fallback"` // a fallback value was served instead
	// Gen is the generation the breaker said admitted (or rejected) the
	// call, when it reports generations (Meta.Reports.Generations); else 0.
	Gen uint64 `json:"gen"`
	// Reject is, for a rejected call, the breaker's reason when it gave one:
	// RejectOpen or RejectProbeLimit. Omitted otherwise.
	Reject string `json:"reject,omitempty"`
	Err    string `json:"err"` // the error text, "" on success
}

// AppendJSON appends the call as one JSON object (no newline) in the fixed key
// order of the contract. It allocates nothing when b has room.
func (c *Call) AppendJSON(b []byte) []byte {
	b = appendKeyUint(b, `{"seq":`, c.Seq)
	b = appendKeyString(b, `,"dep":`, c.Dep)
	b = appendKeyInt(b, `,"start_ns":`, c.StartNs)
	if c.AdmitNs != 0 && c.AdmitNs != c.StartNs {
		b = appendKeyInt(b, `,"admit_ns":`, c.AdmitNs)
	}
	if c.DoneNs != 0 && c.DoneNs != c.EndNs {
		b = appendKeyInt(b, `,"done_ns":`, c.DoneNs)
	}
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

// UnmarshalJSON decodes one call as a JSON line. Unknown keys are ignored.
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
		case "admit_ns":
			c.AdmitNs, err = d.int()
		case "done_ns":
			c.DoneNs, err = d.int()
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

// AdmitAt returns when the protected function started: AdmitNs, or StartNs
// when the record leaves it out.
func (c *Call) AdmitAt() int64 {
	if c.AdmitNs == 0 {
		return c.StartNs
	}
	return c.AdmitNs
}

// DoneAt returns when the protected function returned: DoneNs, or EndNs
// when the record leaves it out.
func (c *Call) DoneAt() int64 {
	if c.DoneNs == 0 {
		return c.EndNs
	}
	return c.DoneNs
}
