package record

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/breakerlab/breakerlab/internal/hist"
)

// The record levels (WriterOptions.Level, Meta.RecordLevel).
const (
	// LevelFull records every call and every dependency request.
	LevelFull = "full"
	// LevelWindows records the calls near each change of result — the
	// first and last WindowCalls calls of every run of calls with like
	// results, per dependency — with their requests, and only aggregates
	// of the calls in the middle of a run (omitted.jsonl).
	LevelWindows = "windows"
)

// DefaultWindowCalls is WriterOptions.WindowCalls when it is 0: twice the
// probes of an NFR-6 half-open period that can succeed before it closes
// (success_threshold + half_open_max_calls = 4, the narrowest window the
// runner allows), with which the library's planted bugs are all caught as
// with every call recorded.
const DefaultWindowCalls = 8

// Omitted stands for calls a run recorded at the windows level left out of
// calls.bin, and their requests left out of dependency.bin: a line of
// omitted.jsonl. Its calls are alike (one dependency, outcome, reject
// reason, error, fallback and generation), each had at least WindowCalls
// like calls before and after it, in the order they ended (failures: a
// streak shorter than the failure threshold with WindowCalls successes of
// one run on either side, and ResetNs), and all started within one second
// of the run (StartNs/1e9 is the same for all).
// A record with Calls 0 counts requests whose calls were omitted by an
// earlier record.
type Omitted struct {
	Dep      string  `json:"dep"`
	Outcome  Outcome `json:"outcome"`
	Reject   string  `json:"reject,omitempty"`
	Err      string  `json:"err,omitempty"`
	Fallback bool    `json:"fallback,omitempty"`
	Gen      uint64  `json:"gen,omitempty"`
	Calls    int64   `json:"calls"`
	StartNs  int64   `json:"start_ns"` // the earliest start
	EndNs    int64   `json:"end_ns"`   // the latest end
	// ResetNs is, for failures and cancellations folded out of a run of
	// successes (a short streak, with fewer failures than the failure
	// threshold), the latest end of the first success after each streak
	// that started once the streak had ended: until then the breaker may
	// have counted them. Omitted when 0.
	ResetNs int64 `json:"reset_ns,omitempty"`
	// Latency is the histogram of the calls' latencies (end − start), at
	// hist.Fine precision.
	Latency *hist.Histogram `json:"latency,omitempty"`
	// Requests counts the dependency requests of these calls, and Faults
	// them by the fault injected ("none" included).
	Requests int64            `json:"requests"`
	Faults   map[string]int64 `json:"faults,omitempty"`
}

// OmittedKey names the omitted calls of one dependency and outcome
// (Run.OmittedLatency).
type OmittedKey struct {
	Dep     string
	Outcome Outcome
}

// EachOmitted decodes omitted.jsonl from r as EachCall does calls.
func EachOmitted(r io.Reader, name string, fn func(*Omitted) error) (warnings []string, err error) {
	return eachRecord(r, name, "omitted", nil, func(l []byte) error {
		var o Omitted
		if err := json.Unmarshal(l, &o); err != nil {
			return err
		}
		if o.Calls < 0 || o.Requests < 0 || o.EndNs < o.StartNs || o.ResetNs != 0 && o.ResetNs < o.EndNs {
			return fmt.Errorf("key \"calls\", \"requests\", \"end_ns\" or \"reset_ns\": got calls %d, requests %d, start_ns %d, end_ns %d, reset_ns %d; want counts ≥ 0 and start ≤ end ≤ reset (if set)", o.Calls, o.Requests, o.StartNs, o.EndNs, o.ResetNs)
		}
		if o.Calls > 0 && o.Latency.Count() != o.Calls {
			return fmt.Errorf("key \"latency\": counts %d latencies for %d calls", o.Latency.Count(), o.Calls)
		}
		return callback(fn(&o))
	})
}
