package reports

import (
	"fmt"
	"math"
	"time"

	"github.com/breakerlab/breakerlab/internal/hist"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Run is a recorded run reduced to the aggregates its reports need: counts,
// latency histograms and a bucketed time series per dependency, the
// breaker's states as the checker inferred them and as the breaker
// reported them, and the verdict. Its size does not grow with the number of
// calls. [Load] makes one; [Write] and [WriteIndex] report it.
type Run struct {
	// Dir is the run directory the run was loaded from.
	Dir string
	// Warnings lists what was odd but not fatal in reading the run: a
	// cut-short last line, a missing log file, a run without an end. (The
	// reports also show the checker's warnings, from verdict.json.)
	Warnings []string

	meta    record.Meta
	verdict *record.Verdict // nil when the run was not checked
	// deps holds one entry per dependency: those of meta.json in order, then
	// any that appear only in the logs.
	deps []*depStats
	// endNs is where the run's plots end: meta.json's ended_ns, or, for a
	// run cut short, the last event recorded.
	endNs int64
	// inferred is true when the run has inferred.jsonl: the state track is
	// then the checker's inference, else the breaker's own report.
	inferred bool
}

// depStats aggregates the calls, dependency requests, transitions and
// snapshots of one dependency.
type depStats struct {
	// Name is the dependency's name.
	Name string
	// Meta is its entry in meta.json; zero when it appears only in the logs.
	Meta record.Dependency
	// Totals counts the client's calls by outcome (calls.bin), not the
	// breaker's own counters (those are in Final).
	Totals record.Totals
	// Fallback counts calls served by a fallback (after failure or rejection).
	Fallback int64
	// RejectedOpen and RejectedProbeLimit split the rejections by cause.
	RejectedOpen, RejectedProbeLimit int64
	// Requests counts requests that reached the dependency.
	Requests int64
	// Faults counts dependency requests by injected fault ("none" included).
	Faults map[string]int64
	// Inferred lists the transitions the checker inferred from what the
	// breaker did (inferred.jsonl), in time order.
	Inferred []record.Transition
	// Reported lists the transitions the breaker reported itself
	// (transitions.jsonl), in time order; empty for a breaker that reports
	// none.
	Reported []record.Transition
	// Sampled lists the changes of the state the breaker reported in its
	// snapshots (snapshots.jsonl; in external mode, the service's state
	// endpoint), each at the snapshot that first showed it.
	Sampled []record.Transition
	// Snapshots counts the snapshot records; Final is the last one, or nil.
	Snapshots int64
	Final     *record.Snapshot

	latency      [4]*hist.Histogram // by outcome: success, failure, ignored, rejected
	series       *series
	lastSampleNs int64 // the last snapshot's time that showed a state
}

// Calls returns the number of calls attempted.
func (d *depStats) Calls() int64 {
	t := d.Totals
	return int64(t.Success + t.Failure + t.Ignored + t.Rejected)
}

var outcomeNames = [4]string{"success", "failure", "ignored", "rejected"}

func (d *depStats) addCall(c *record.Call) error {
	oi, ok := c.Outcome.Index()
	if !ok {
		return fmt.Errorf("outcome %q, want success, failure, ignored or rejected", c.Outcome)
	}
	if c.EndNs < c.StartNs {
		return fmt.Errorf("end_ns %d before start_ns %d", c.EndNs, c.StartNs)
	}
	lat := c.EndNs - c.StartNs
	h := d.latency[oi]
	if h == nil {
		h = hist.New(hist.Fine)
		d.latency[oi] = h
	}
	h.Add(lat)

	b := d.series.at(c.StartNs)
	cls := oi // success, failure, ignored and rejected share their indices
	switch oi {
	case 0:
		d.Totals.Success++
	case 1:
		d.Totals.Failure++
	case 2:
		d.Totals.Ignored++
	case 3:
		d.Totals.Rejected++
		switch c.Reject {
		case record.RejectOpen:
			d.RejectedOpen++
		case record.RejectProbeLimit:
			d.RejectedProbeLimit++
		}
	}
	if c.Fallback {
		d.Fallback++
		if oi == 1 || oi == 3 {
			cls = clsFallback
		}
	}
	b.classes[cls]++
	if oi == 3 {
		if b.rejected == nil {
			b.rejected = hist.New(hist.Coarse)
		}
		b.rejected.Add(lat)
	} else {
		if b.admitted == nil {
			b.admitted = hist.New(hist.Coarse)
		}
		b.admitted.Add(lat)
	}
	// Last: it may grow the buckets, which moves b.
	d.series.addBusy(c.StartNs, c.EndNs)
	return nil
}

// addOmitted adds the calls and requests a run recorded at the windows
// level left out (omitted.jsonl): to the totals and distributions exactly,
// to the time series in the bucket of their earliest start (they all
// started within one second), with their time in flight there.
func (d *depStats) addOmitted(o *record.Omitted) {
	d.Requests += o.Requests
	for fault, n := range o.Faults {
		d.Faults[fault] += n
	}
	d.series.at(o.StartNs).received += o.Requests
	oi, ok := o.Outcome.Index()
	if !ok || o.Calls == 0 {
		return
	}
	n := o.Calls
	switch oi {
	case 0:
		d.Totals.Success += uint64(n)
	case 1:
		d.Totals.Failure += uint64(n)
	case 2:
		d.Totals.Ignored += uint64(n)
	case 3:
		d.Totals.Rejected += uint64(n)
		switch o.Reject {
		case record.RejectOpen:
			d.RejectedOpen += n
		case record.RejectProbeLimit:
			d.RejectedProbeLimit += n
		}
	}
	if d.latency[oi] == nil {
		d.latency[oi] = hist.New(hist.Fine)
	}
	d.latency[oi].Merge(o.Latency)
	cls := oi
	if o.Fallback {
		d.Fallback += n
		if oi == 1 || oi == 3 {
			cls = clsFallback
		}
	}
	b := d.series.at(o.StartNs)
	b.classes[cls] += n
	h := &b.admitted
	if oi == 3 {
		h = &b.rejected
	}
	if *h == nil {
		*h = hist.New(hist.Coarse)
	}
	(*h).Merge(o.Latency)
	if o.StartNs < d.series.busyEnd {
		b.busy += int64(math.Round(o.Latency.Mean() * float64(n)))
	}
}

func (d *depStats) addRequest(r *record.DepRequest) {
	d.Requests++
	fault := r.Fault
	if fault == "" {
		fault = "none"
	}
	d.Faults[fault]++
	d.series.at(r.AtNs).received++
}

// State tracks.

// The sources of a [track]: where an account of a breaker's states comes
// from.
const (
	sourceInferred = "inferred" // the checker's inference from what the breaker did (inferred.jsonl)
	sourceReported = "reported" // the transitions the breaker reported (transitions.jsonl)
	sourceSampled  = "sampled"  // the state the breaker's snapshots showed, sampled (snapshots.jsonl)
	sourceNone     = "none"     // nothing: not checked, and the breaker reports nothing
)

// stateUnknown is the state of a track with no source.
const stateUnknown = "unknown"

// track is one account of a breaker's states over a run: its transitions
// in time order and where they come from.
type track struct {
	source      string
	transitions []record.Transition
}

// states returns the track the reports draw and count: the checker's
// inference when the run has inferred.jsonl, else (a run not checked, or
// checked before the checker inferred states) what the breaker reported.
func (r *Run) states(d *depStats) track {
	if r.inferred {
		return track{sourceInferred, d.Inferred}
	}
	if t, ok := r.reportedTrack(d); ok {
		return t
	}
	return track{source: sourceNone}
}

// crossCheck returns what the breaker reported of its states, to set
// beside the inferred track, or false when the breaker reports nothing or
// the reported track is the one [Run.states] draws.
func (r *Run) crossCheck(d *depStats) (track, bool) {
	if !r.inferred {
		return track{}, false
	}
	return r.reportedTrack(d)
}

// reportedTrack returns the breaker's own account: its transitions when it
// reports them, else the state changes its snapshots showed, else false.
func (r *Run) reportedTrack(d *depStats) (track, bool) {
	rep := r.meta.Reported()
	switch {
	case rep.Transitions:
		return track{sourceReported, d.Reported}, true
	case (rep.State || rep.Snapshots) && d.Snapshots > 0:
		return track{sourceSampled, d.Sampled}, true
	}
	return track{}, false
}

// stateSpan is a stretch of time a breaker spent in one state.
type stateSpan struct {
	State          string // closed | open | half-open | unknown
	FromNs, ToNs   int64  // [FromNs, ToNs) in ns since the run's start
	Generation     uint64 // the generation the state started (0 before the first transition)
	EnteredBecause string // the transition's reason, "start" for the first span
	// LoNs and HiNs bound when the state began, for an inferred transition
	// whose moment the records leave open (0 when FromNs is exact).
	LoNs, HiNs int64
}

// spans returns the states from 0 to end, one span per state entered.
// Before the first transition the breaker is in that transition's From
// state (closed when there is none); a track with no source is one
// unknown span.
func (t track) spans(end int64) []stateSpan {
	state := record.StateClosed.String()
	switch {
	case t.source == sourceNone:
		state = stateUnknown
	case len(t.transitions) > 0 && t.transitions[0].From != 0:
		state = t.transitions[0].From.String()
	}
	spans := make([]stateSpan, 0, len(t.transitions)+1)
	cur := stateSpan{State: state, EnteredBecause: "start"}
	for _, tr := range t.transitions {
		cur.ToNs = tr.AtNs
		spans = append(spans, cur)
		cur = stateSpan{State: tr.To.String(), FromNs: tr.AtNs, Generation: tr.Gen, EnteredBecause: tr.Reason, LoNs: tr.LoNs, HiNs: tr.HiNs}
	}
	cur.ToNs = max(end, cur.FromNs)
	return append(spans, cur)
}

// timeIn returns the total time spent in each state up to end.
func (t track) timeIn(end int64) map[string]time.Duration {
	out := map[string]time.Duration{"closed": 0, "open": 0, "half-open": 0}
	for _, s := range t.spans(end) {
		if s.State != stateUnknown {
			out[s.State] += time.Duration(s.ToNs - s.FromNs)
		}
	}
	return out
}

// opens counts the transitions into the open state.
func (t track) opens() int {
	n := 0
	for _, tr := range t.transitions {
		if tr.To == record.StateOpen {
			n++
		}
	}
	return n
}

// finalState is the state the track ends in.
func (t track) finalState() string {
	s := t.spans(0)
	return s[len(s)-1].State
}

// addSnapshot notes the state s shows, as a transition of d.Sampled when it
// differs from the last one seen (the breaker starts closed): bounded by
// the snapshot before, which still showed the old state.
func (d *depStats) addSnapshot(s *record.Snapshot) {
	d.Snapshots++
	if d.Final == nil || s.AtNs >= d.Final.AtNs {
		snap := *s
		d.Final = &snap
	}
	if s.State == 0 {
		return
	}
	prev := record.StateClosed
	if n := len(d.Sampled); n > 0 {
		prev = d.Sampled[n-1].To
	}
	lo := d.lastSampleNs // 0 before the first snapshot: closed since the start
	d.lastSampleNs = s.AtNs
	if s.State == prev {
		return
	}
	d.Sampled = append(d.Sampled, record.Transition{Dep: d.Name, From: prev, To: s.State, AtNs: s.AtNs, Gen: s.Gen,
		Reason: "seen in a snapshot", LoNs: lo, HiNs: s.AtNs})
}

// latencyStats summarises one latency distribution in nanoseconds.
type latencyStats struct {
	Count int64 `json:"count"`
	Min   int64 `json:"min_ns"`
	P50   int64 `json:"p50_ns"`
	P90   int64 `json:"p90_ns"`
	P99   int64 `json:"p99_ns"`
	Max   int64 `json:"max_ns"`
	Mean  int64 `json:"mean_ns"`
}

// Latency returns the latency statistics of the calls with the given
// outcome (success, failure, ignored or rejected), or of every call that ran
// (admitted) when outcome is "admitted". Quantiles are exact to within 1 %.
func (d *depStats) Latency(outcome string) latencyStats {
	h := d.histogramOf(outcome)
	if h == nil || h.Count() == 0 {
		return latencyStats{}
	}
	return latencyStats{
		Count: h.Count(), Min: h.Min(), Max: h.Max(), Mean: int64(math.Round(h.Mean())),
		P50: h.Quantile(0.50), P90: h.Quantile(0.90), P99: h.Quantile(0.99),
	}
}

func (d *depStats) histogramOf(outcome string) *hist.Histogram {
	if outcome == "admitted" {
		h := hist.New(hist.Fine)
		for i := range 3 {
			h.Merge(d.latency[i])
		}
		return h
	}
	var o record.Outcome
	if o.UnmarshalText([]byte(outcome)) != nil {
		return nil
	}
	i, _ := o.Index()
	return d.latency[i]
}
