package fakes

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

// Record is one request that reached a fake, as logged. Its JSON form (one
// object per line in a log file) is
//
//	{"fake":"iam","seq":17,"at":"2026-11-26T19:00:00.000000124Z","elapsed_ns":124,
//	 "fault":"error","latency_ns":15000000,"status":500,"err":"injected error"}
type Record struct {
	Fake    string        `json:"fake"`       // the fake's name
	Seq     int64         `json:"seq"`        // the request's sequence number (sent, or the fake's arrival count)
	At      time.Time     `json:"at"`         // arrival, by the fake's clock
	Elapsed time.Duration `json:"elapsed_ns"` // At minus the schedule's start
	Fault   string        `json:"fault"`      // a [Kind] name
	Latency time.Duration `json:"latency_ns"` // latency applied; 0 for a hang (the client decides)
	Status  int           `json:"status"`     // HTTP status answered; 0 without an answer
	Err     string        `json:"err"`        // "" when none, else e.g. "injected error"
	// HungUp is set when the client went away before the answer was
	// complete (over HTTP: a request is logged once served, with Latency
	// the time it really took). Omitted from JSON when false.
	HungUp bool `json:"hung_up,omitempty"`
	// SeqSent is set when the client sent Seq in a header; otherwise Seq
	// is the fake's own count. Omitted from JSON when false.
	SeqSent bool `json:"seq_sent,omitempty"`
	// Attack is the load generator the client named along with Seq (the
	// X-Breakerlab-Attack or X-Vegeta-Attack header): Seq is its count.
	// Omitted from JSON when empty.
	Attack string `json:"attack,omitempty"`
}

// AppendJSON appends r's JSON form, without a newline, to b. It does not
// allocate when b has room.
func (r Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"fake":`...)
	b = jsonl.AppendString(b, r.Fake)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, `,"at":"`...)
	b = r.At.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","elapsed_ns":`...)
	b = strconv.AppendInt(b, int64(r.Elapsed), 10)
	b = append(b, `,"fault":`...)
	b = jsonl.AppendString(b, r.Fault)
	b = append(b, `,"latency_ns":`...)
	b = strconv.AppendInt(b, int64(r.Latency), 10)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, `,"err":`...)
	b = jsonl.AppendString(b, r.Err)
	if r.HungUp {
		b = append(b, `,"hung_up":true`...)
	}
	if r.SeqSent {
		b = append(b, `,"seq_sent":true`...)
	}
	if r.Attack != "" {
		b = append(b, `,"attack":`...)
		b = jsonl.AppendString(b, r.Attack)
	}
	return append(b, '}')
}

// MarshalJSON is [Record.AppendJSON].
func (r Record) MarshalJSON() ([]byte, error) { return r.AppendJSON(make([]byte, 0, 192)), nil }

// Counters are a fake's request counts since it started or was reset.
// Their JSON form is flat: {"requests":10,"in_flight":0,"last_seq":9,
// "none":7,"error":3,"latency":0,…} with one key per [Kind].
type Counters struct {
	Requests uint64 // requests decided
	InFlight int64  // requests being served now
	LastSeq  int64  // highest sequence number seen; -1 before any
	byKind   [numKinds]uint64
}

// Of returns the count of requests that got fault k.
func (c Counters) Of(k Kind) uint64 {
	if k >= numKinds {
		return 0
	}
	return c.byKind[k]
}

// MarshalJSON encodes the flat form.
func (c Counters) MarshalJSON() ([]byte, error) {
	b := []byte(`{"requests":`)
	b = strconv.AppendUint(b, c.Requests, 10)
	b = append(b, `,"in_flight":`...)
	b = strconv.AppendInt(b, c.InFlight, 10)
	b = append(b, `,"last_seq":`...)
	b = strconv.AppendInt(b, c.LastSeq, 10)
	for k, n := range c.byKind {
		b = append(b, `,"`...)
		b = append(b, kindNames[k]...)
		b = append(b, `":`...)
		b = strconv.AppendUint(b, n, 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON decodes the flat form.
func (c *Counters) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("fakes: counters: %w", err)
	}
	*c = Counters{Requests: uint64(m["requests"]), InFlight: m["in_flight"], LastSeq: m["last_seq"]}
	for k, name := range kindNames {
		c.byKind[k] = uint64(m[name])
	}
	return nil
}

// Counters returns the fake's counts.
func (f *Fake) Counters() Counters {
	c := Counters{InFlight: f.inFlight.Load(), LastSeq: f.lastSeq.Load()}
	for k := range c.byKind {
		c.byKind[k] = f.counts[k].Load()
		c.Requests += c.byKind[k]
	}
	return c
}

// LogPage is a slice of a fake's in-memory log.
type LogPage struct {
	Records []Record `json:"records"`
	Next    uint64   `json:"next"`    // pass as since to read on
	Dropped uint64   `json:"dropped"` // records after since that the ring had already overwritten
}

// Log returns up to limit records numbered since and later (records are
// numbered from 0 since the fake started or was reset). The ring keeps the
// last Config.LogSize records; older ones are counted in Dropped. A
// limit ≤ 0 means all.
func (f *Fake) Log(since uint64, limit int) LogPage {
	f.mu.Lock()
	defer f.mu.Unlock()
	size := uint64(len(f.ring))
	oldest := uint64(0)
	if f.total > size {
		oldest = f.total - size
	}
	var page LogPage
	if since < oldest {
		page.Dropped = oldest - since
		since = oldest
	}
	if since > f.total {
		since = f.total
	}
	n := f.total - since
	if limit > 0 && n > uint64(limit) {
		n = uint64(limit)
	}
	page.Records = make([]Record, n)
	for i := range page.Records {
		page.Records[i] = f.ring[(since+uint64(i))%size]
	}
	page.Next = since + n
	return page
}
