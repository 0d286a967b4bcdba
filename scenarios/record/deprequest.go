package record

// DepRequest is one request that reached a fake dependency: a record of
// dependency.bin (a line of dependency.jsonl in schema 1), written by the
// fake's side, so it proves what got through.
type DepRequest struct {
	Dep       string `json:"dep"`        // the dependency's name
	Seq       uint64 `json:"seq"`        // the Call.Seq the client sent with it
	AtNs      int64  `json:"at_ns"`      // when the request arrived, ns since t0
	Fault     string `json:"fault"`      // the injected fault: none, error, latency, hang, timeout, …
	LatencyNs int64  `json:"latency_ns"` // how long the fake took to answer (or, with HungUp, until the client went away)
	Status    int    `json:"status"`     // HTTP status in HTTP modes, 0 in-process
	Err       string `json:"err"`        // the error the fake returned, "" when none
	// HungUp is set when the client went away before the answer was
	// complete (a timeout or cancellation on its side). Omitted when false.
	HungUp bool `json:"hung_up,omitempty"`
	// SeqSent is set when the client sent Seq with the request (the
	// X-Breakerlab-Seq or X-Vegeta-Seq header); otherwise Seq is the fake's
	// own count. Omitted when false.
	SeqSent bool `json:"seq_sent,omitempty"`
	// Attack is the load generator the client named along with Seq (the
	// X-Breakerlab-Attack or X-Vegeta-Attack header): Seq counts its
	// calls, and several attackers each count from 0. Omitted when empty.
	// An addition to the contract.
	Attack string `json:"attack,omitempty"`
}

// AppendJSON appends the request as one JSON object (no newline).
func (r *DepRequest) AppendJSON(b []byte) []byte {
	b = appendKeyString(b, `{"dep":`, r.Dep)
	b = appendKeyUint(b, `,"seq":`, r.Seq)
	b = appendKeyInt(b, `,"at_ns":`, r.AtNs)
	b = appendKeyString(b, `,"fault":`, r.Fault)
	b = appendKeyInt(b, `,"latency_ns":`, r.LatencyNs)
	b = appendKeyInt(b, `,"status":`, int64(r.Status))
	b = appendKeyString(b, `,"err":`, r.Err)
	if r.HungUp {
		b = append(b, `,"hung_up":true`...)
	}
	if r.SeqSent {
		b = append(b, `,"seq_sent":true`...)
	}
	if r.Attack != "" {
		b = appendKeyString(b, `,"attack":`, r.Attack)
	}
	return append(b, '}')
}

// MarshalJSON encodes the request as AppendJSON does.
func (r DepRequest) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// UnmarshalJSON decodes one request as a JSON line. Unknown keys are ignored.
func (r *DepRequest) UnmarshalJSON(b []byte) error {
	d := decoder{b: b}
	if err := r.decode(&d); err != nil {
		return err
	}
	return d.end()
}

var depRequestRequired = []string{"dep", "seq", "at_ns"}

func (r *DepRequest) decode(d *decoder) error {
	*r = DepRequest{}
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
			r.Dep, err = d.string()
		case "seq":
			seen |= 1 << 1
			r.Seq, err = d.uint()
		case "at_ns":
			seen |= 1 << 2
			r.AtNs, err = d.int()
		case "fault":
			r.Fault, err = d.string()
		case "latency_ns":
			r.LatencyNs, err = d.int()
		case "status":
			r.Status, err = d.smallInt()
		case "err":
			r.Err, err = d.string()
		case "hung_up":
			r.HungUp, err = d.boolean()
		case "seq_sent":
			r.SeqSent, err = d.boolean()
		case "attack":
			r.Attack, err = d.string()
		default:
			err = d.skip(0)
		}
		if err != nil {
			return keyError(k, err)
		}
	}
	return seen.missing(depRequestRequired)
}
