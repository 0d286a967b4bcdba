package fakes

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Faults is what a fake does to the requests it receives. It is plain data
// that a scenario file decodes into. The zero value is a healthy dependency
// that answers 200 at once.
//
// The rates are probabilities per request, drawn from the fake's seeded
// source; at most one of reset, hang, timeout, error, truncate and slow body
// hits a request, so their rates must add up to at most 1. Latency applies
// to every request that gets an answer (none, error, slow_body, truncate).
type Faults struct {
	// ErrorRate is the share of requests answered with ErrorStatus
	// (in-process: an [*Error] matching [ErrInjected]); 0..1.
	ErrorRate float64 `yaml:"error_rate,omitempty" json:"error_rate,omitempty"`
	// ErrorStatus is the HTTP status of an injected error: 400..599; 0 means 500.
	ErrorStatus int `yaml:"error_status,omitempty" json:"error_status,omitempty"`
	// Latency is added before every answer; zero adds none.
	Latency Latency `yaml:"latency,omitempty" json:"latency,omitzero"`
	// HangRate is the share of requests never answered until the client
	// gives up; 0..1.
	HangRate float64 `yaml:"hang_rate,omitempty" json:"hang_rate,omitempty"`
	// Timeout closes the connection without an answer after a wait.
	Timeout Timeout `yaml:"timeout,omitempty" json:"timeout,omitzero"`
	// ResetRate is the share of requests whose connection is reset (TCP
	// RST) without an answer; 0..1.
	ResetRate float64 `yaml:"reset_rate,omitempty" json:"reset_rate,omitempty"`
	// Down refuses every request: a server stops listening, in-process calls
	// fail with [ErrDown].
	Down bool `yaml:"down,omitempty" json:"down,omitempty"`
	// SlowBody sends some bodies at a limited bandwidth.
	SlowBody SlowBody `yaml:"slow_body,omitempty" json:"slow_body,omitzero"`
	// TruncateRate is the share of requests whose body is cut in half and
	// the connection closed; 0..1.
	TruncateRate float64 `yaml:"truncate_rate,omitempty" json:"truncate_rate,omitempty"`
	// MaxInFlight answers 503 (overload) to requests beyond this many in
	// flight at once; 0 means no limit.
	MaxInFlight int `yaml:"max_in_flight,omitempty" json:"max_in_flight,omitempty"`
	// BodyBytes is the size of a successful response body; 0 means a short
	// JSON object naming the fake and the sequence number.
	BodyBytes int `yaml:"body_bytes,omitempty" json:"body_bytes,omitempty"`
	// Sequence decides the fault of the requests it covers exactly, by
	// sequence number, instead of by rate.
	Sequence Sequence `yaml:"sequence,omitempty" json:"sequence,omitzero"`
}

// Timeout is a fault that waits After and then closes the connection
// without answering (in-process: returns an error matching [ErrTimeout]).
type Timeout struct {
	Rate  float64       `yaml:"rate,omitempty" json:"rate,omitempty"`   // share of requests; 0..1
	After time.Duration `yaml:"after,omitempty" json:"after,omitempty"` // wait before closing; > 0 when Rate > 0
}

// SlowBody is a fault that sends the response body at BytesPerSec.
type SlowBody struct {
	Rate        float64 `yaml:"rate,omitempty" json:"rate,omitempty"`                   // share of requests; 0..1
	BytesPerSec int     `yaml:"bytes_per_sec,omitempty" json:"bytes_per_sec,omitempty"` // bandwidth; > 0 when Rate > 0
}

// Sequence is an exact, deterministic fault pattern keyed on the request
// sequence number (X-Vegeta-Seq, X-Breakerlab-Seq, or the fake's own
// arrival count): request Start gets the first step's fault, and so on.
// After the last step the rates decide again, unless Repeat starts the
// pattern over. "Fail the next 5, then succeed" is
// {steps: [{fault: error, count: 5}], start: N}.
type Sequence struct {
	Steps  []Step `yaml:"steps,omitempty" json:"steps,omitempty"`
	Repeat bool   `yaml:"repeat,omitempty" json:"repeat,omitempty"` // cycle the steps forever
	Start  int64  `yaml:"start,omitempty" json:"start,omitempty"`   // sequence number of the first step; ≥ 0
}

// Step is Count consecutive requests with the same fault.
type Step struct {
	Fault string `yaml:"fault" json:"fault"`                     // a [Kind] name other than latency and overload
	Count int    `yaml:"count,omitempty" json:"count,omitempty"` // ≥ 0; 0 means 1
}

// IsZero reports whether t injects nothing.
func (t Timeout) IsZero() bool { return t == Timeout{} }

// IsZero reports whether s injects nothing.
func (s SlowBody) IsZero() bool { return s == SlowBody{} }

// IsZero reports whether s has no steps.
func (s Sequence) IsZero() bool { return len(s.Steps) == 0 && !s.Repeat && s.Start == 0 }

// IsZero reports whether f is a healthy dependency.
func (f Faults) IsZero() bool {
	return f.ErrorRate == 0 && f.ErrorStatus == 0 && f.Latency.IsZero() && f.HangRate == 0 &&
		f.Timeout.IsZero() && f.ResetRate == 0 && !f.Down && f.SlowBody.IsZero() &&
		f.TruncateRate == 0 && f.MaxInFlight == 0 && f.BodyBytes == 0 && f.Sequence.IsZero()
}

// Validate reports the first invalid field, named as a scenario file spells
// it (see [FieldError]).
func (f Faults) Validate() error {
	rates := []struct {
		name string
		v    float64
	}{
		{"error_rate", f.ErrorRate}, {"hang_rate", f.HangRate}, {"timeout.rate", f.Timeout.Rate},
		{"reset_rate", f.ResetRate}, {"slow_body.rate", f.SlowBody.Rate}, {"truncate_rate", f.TruncateRate},
	}
	sum := 0.0
	for _, r := range rates {
		if !(r.v >= 0 && r.v <= 1) {
			return fieldErr(r.name, "must be within 0..1, got %v", r.v)
		}
		sum += r.v
	}
	if sum > 1+1e-9 {
		return fieldErr("error_rate", "the fault rates (error_rate, hang_rate, timeout.rate, reset_rate, slow_body.rate, truncate_rate) add up to %v; at most 1", sum)
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		return fieldErr("error_status", "must be an HTTP error status 400..599 (0 means 500), got %d", f.ErrorStatus)
	}
	if err := f.Latency.Validate(); err != nil {
		return prefixField("latency", err)
	}
	if f.Timeout.After < 0 {
		return fieldErr("timeout.after", "must not be negative, got %s", f.Timeout.After)
	}
	if f.Timeout.Rate > 0 && f.Timeout.After == 0 {
		return fieldErr("timeout.after", "must be > 0 when timeout.rate is set")
	}
	if f.SlowBody.BytesPerSec < 0 {
		return fieldErr("slow_body.bytes_per_sec", "must not be negative, got %d", f.SlowBody.BytesPerSec)
	}
	if f.SlowBody.Rate > 0 && f.SlowBody.BytesPerSec == 0 {
		return fieldErr("slow_body.bytes_per_sec", "must be > 0 when slow_body.rate is set")
	}
	if f.MaxInFlight < 0 {
		return fieldErr("max_in_flight", "must not be negative (0 means no limit), got %d", f.MaxInFlight)
	}
	if f.BodyBytes < 0 || f.BodyBytes > maxBodyBytes {
		return fieldErr("body_bytes", "must be within 0..%d, got %d", maxBodyBytes, f.BodyBytes)
	}
	return prefixField("sequence", f.Sequence.Validate())
}

// maxBodyBytes bounds BodyBytes so a fake cannot be told to allocate without limit.
const maxBodyBytes = 16 << 20

// Validate reports the first invalid step or field.
func (s Sequence) Validate() error {
	if s.Start < 0 {
		return fieldErr("start", "must not be negative, got %d", s.Start)
	}
	if s.Repeat && len(s.Steps) == 0 {
		return fieldErr("repeat", "needs at least one step")
	}
	for i, st := range s.Steps {
		k, err := ParseKind(st.Fault)
		if err != nil {
			return fieldErr(fmt.Sprintf("steps[%d].fault", i), "unknown fault %q (want none, error, hang, timeout, reset, down, slow_body or truncate)", st.Fault)
		}
		if k == KindLatency || k == KindOverload {
			return fieldErr(fmt.Sprintf("steps[%d].fault", i), "%q cannot be a step (latency comes from latency, overload from max_in_flight)", st.Fault)
		}
		if st.Count < 0 {
			return fieldErr(fmt.Sprintf("steps[%d].count", i), "must not be negative (0 means 1), got %d", st.Count)
		}
	}
	return nil
}

// Over returns f laid over base: every non-zero field of f replaces base's;
// zero fields keep base's. Sub-structs (latency, timeout, slow_body,
// sequence) are replaced whole. A preset is the base of a fake's faults,
// and a fake's faults are the base of each schedule phase.
func (f Faults) Over(base Faults) Faults {
	out := base
	if f.ErrorRate != 0 {
		out.ErrorRate = f.ErrorRate
	}
	if f.ErrorStatus != 0 {
		out.ErrorStatus = f.ErrorStatus
	}
	if !f.Latency.IsZero() {
		out.Latency = f.Latency
	}
	if f.HangRate != 0 {
		out.HangRate = f.HangRate
	}
	if !f.Timeout.IsZero() {
		out.Timeout = f.Timeout
	}
	if f.ResetRate != 0 {
		out.ResetRate = f.ResetRate
	}
	if f.Down {
		out.Down = true
	}
	if !f.SlowBody.IsZero() {
		out.SlowBody = f.SlowBody
	}
	if f.TruncateRate != 0 {
		out.TruncateRate = f.TruncateRate
	}
	if f.MaxInFlight != 0 {
		out.MaxInFlight = f.MaxInFlight
	}
	if f.BodyBytes != 0 {
		out.BodyBytes = f.BodyBytes
	}
	if !f.Sequence.IsZero() {
		out.Sequence = f.Sequence
	}
	return out
}

// Describe summarises f for a phase label: "healthy", or the faults set,
// e.g. "error_rate 100%, latency lognormal p50 15ms p99 80ms".
func (f Faults) Describe() string {
	var parts []string
	pct := func(name string, v float64) {
		if v > 0 {
			parts = append(parts, name+" "+strconv.FormatFloat(math.Round(v*1e4)/100, 'f', -1, 64)+"%")
		}
	}
	if f.Down {
		parts = append(parts, "down")
	}
	pct("error_rate", f.ErrorRate)
	if f.ErrorStatus != 0 {
		parts = append(parts, "error_status "+strconv.Itoa(f.ErrorStatus))
	}
	pct("hang_rate", f.HangRate)
	if f.Timeout.Rate > 0 {
		pct("timeout", f.Timeout.Rate)
		parts[len(parts)-1] += " after " + f.Timeout.After.String()
	}
	pct("reset_rate", f.ResetRate)
	if f.SlowBody.Rate > 0 {
		pct("slow_body", f.SlowBody.Rate)
		parts[len(parts)-1] += " at " + strconv.Itoa(f.SlowBody.BytesPerSec) + " B/s"
	}
	pct("truncate_rate", f.TruncateRate)
	if f.MaxInFlight > 0 {
		parts = append(parts, "max_in_flight "+strconv.Itoa(f.MaxInFlight))
	}
	if !f.Latency.IsZero() {
		parts = append(parts, "latency "+f.Latency.String())
	}
	if len(f.Sequence.Steps) > 0 {
		steps := make([]string, len(f.Sequence.Steps))
		for i, s := range f.Sequence.Steps {
			steps[i] = strconv.Itoa(max(s.Count, 1)) + "×" + s.Fault
		}
		seq := "sequence " + strings.Join(steps, ",")
		if f.Sequence.Repeat {
			seq += " repeated"
		}
		parts = append(parts, seq)
	}
	if len(parts) == 0 {
		return "healthy"
	}
	return strings.Join(parts, ", ")
}
