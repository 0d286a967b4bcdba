package check

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/breakerlab/breakerlab/internal/hist"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// omitted sums what a run recorded at the windows level left out of one
// dependency's calls and requests (omitted.jsonl). Those calls lie in the
// middle of runs of like calls, at least WindowCalls from any change of
// result, so the inference does not need them: a success among successes
// resets no count that is not already 0, a rejection among rejections
// shows an open circuit staying open, and a short streak of failures
// (fewer than the threshold) and cancellations with successes on either
// side (a fold) left a closed circuit closed. They still count in the
// totals, the accounting of I8, I9's percentile and the expectations;
// while a fold's failures counted (to the success after them), the
// breaker's reported count is not judged.
type omitted struct {
	calls     record.Totals
	served    uint64 // successes, and failures or rejections a fallback answered
	fallback  uint64
	deadlines uint64   // failures on the caller's deadline
	requests  [4]int64 // by the outcome of the calls they belong to
	rejected  *hist.Histogram
	spans     []omittedSpan // by start, once indexed
	records   []*record.Omitted
	// folds are the folded streaks' stretches, from their first start to
	// the success after them, by start once indexed; foldReach[i] is the
	// latest end among folds[:i+1].
	folds     [][2]int64
	foldReach []int64
	// foldedFailures counts the failures among the folds' calls.
	foldedFailures uint64
}

// omittedSpan is where one Omitted record's calls started and ended.
type omittedSpan struct{ start, end, calls int64 }

// addOmitted folds run.Omitted into the deps.
func addOmitted(run *record.Run, get func(name string) *dep) {
	for i := range run.Omitted {
		o := &run.Omitted[i]
		get(o.Dep).omitted.add(o)
	}
	for k, h := range run.OmittedLatency {
		if k.Outcome == record.OutcomeRejected {
			get(k.Dep).omitted.rejected = h
		}
	}
}

func (om *omitted) add(o *record.Omitted) {
	om.records = append(om.records, o)
	n := uint64(o.Calls)
	switch o.Outcome {
	case record.OutcomeSuccess:
		om.calls.Success += n
		om.served += n
	case record.OutcomeFailure:
		om.calls.Failure += n
		if isDeadline(&record.Call{Outcome: o.Outcome, Err: o.Err}) {
			om.deadlines += n
		}
	case record.OutcomeIgnored:
		om.calls.Ignored += n
	case record.OutcomeRejected:
		om.calls.Rejected += n
	}
	if o.Fallback {
		om.fallback += n
		if o.Outcome != record.OutcomeSuccess {
			om.served += n
		}
	}
	if oi, ok := o.Outcome.Index(); ok {
		om.requests[oi] += o.Requests
	}
	switch {
	case o.ResetNs > 0:
		om.folds = append(om.folds, [2]int64{o.StartNs, o.ResetNs})
		if o.Outcome == record.OutcomeFailure {
			om.foldedFailures += n
		}
	case n > 0: // the calls of a fold start among those of its run
		om.spans = append(om.spans, omittedSpan{o.StartNs, o.EndNs, o.Calls})
	}
}

// folded reports whether the failures of a fold were still counted at t.
func (om *omitted) folded(t int64) bool {
	i := sort.Search(len(om.folds), func(i int) bool { return om.folds[i][0] > t })
	return i > 0 && om.foldReach[i-1] >= t
}

// count is how many calls were omitted.
func (om *omitted) count() uint64 {
	t := om.calls
	return t.Success + t.Failure + t.Ignored + t.Rejected
}

// checkOmitted is I8 for the omitted calls: every success and failure
// reached the dependency once (a call past its deadline may have given up
// before it sent anything, a cancelled one too), and no rejected call did.
func (c *checker) checkOmitted(col *collector, d *dep) {
	om := &d.omitted
	if len(om.records) == 0 {
		return
	}
	at := om.records[len(om.records)-1].EndNs
	sent, got := om.calls.Success+om.calls.Failure, om.requests[0]+om.requests[1]
	if r := om.requests[3]; r > 0 {
		col.addRule(d, at, -1, "omitted.jsonl", 3, "%d omitted rejected calls reached the dependency", r)
	}
	if got > int64(sent) || got < int64(sent-om.deadlines) {
		col.add(d, at, -1, "omitted.jsonl", "%d omitted calls that succeeded or failed (%d of them on their deadline), but %d requests of theirs reached the dependency",
			sent, om.deadlines, got)
	}
	if r := om.requests[2]; r > int64(om.calls.Ignored) {
		col.add(d, at, -1, "omitted.jsonl", "%d omitted cancelled calls, but %d requests of theirs reached the dependency", om.calls.Ignored, r)
	}
}

// index sorts the spans and the folds by start.
func (om *omitted) index() {
	slices.SortFunc(om.spans, func(a, b omittedSpan) int { return cmp.Compare(a.start, b.start) })
	slices.SortFunc(om.folds, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	om.foldReach = make([]int64, len(om.folds))
	reach := int64(math.MinInt64)
	for i, f := range om.folds {
		reach = max(reach, f[1])
		om.foldReach[i] = reach
	}
}

// longestWait is the longest stretch in [from, to) in which no call
// started: between the starts (sorted) of the recorded calls and the spans
// of the omitted ones, inside which callers came at their mean spacing.
// (A span ends at its calls' latest end, up to one call after the last
// start in it.)
func (om *omitted) longestWait(from, to int64, starts func(yield func(int64) bool)) int64 {
	gap, covered := int64(0), from
	spans := om.spans
	cover := func(lo, hi int64) {
		if lo > covered {
			gap = max(gap, min(lo, to)-covered)
		}
		covered = max(covered, hi)
	}
	for s := range starts {
		for len(spans) > 0 && spans[0].start <= s {
			if spans[0].end >= from {
				cover(spans[0].start, spans[0].end)
			}
			spans = spans[1:]
		}
		cover(s, s)
	}
	for _, sp := range spans {
		if sp.start < to && sp.end >= from {
			cover(sp.start, sp.end)
		}
	}
	return max(gap, om.meanSpacing(from, to))
}

// meanSpacing is the longest mean spacing of starts among the omitted
// records overlapping [from, to].
func (om *omitted) meanSpacing(from, to int64) int64 {
	var gap int64
	for _, s := range om.spans {
		if s.end >= from && s.start <= to {
			gap = max(gap, (s.end-s.start)/max(s.calls, 1))
		}
	}
	return gap
}

// windowsNote says, for a run recorded at the windows level, what the
// checks judged: the recorded calls, and the omitted ones only in sums.
func (c *checker) windowsNote() string {
	if !c.run.Meta.Windows() {
		return ""
	}
	var n uint64
	for _, d := range c.deps {
		n += d.omitted.count()
	}
	how := "recorded at the windows level"
	if c.run.Filtered {
		how = "judged at the windows level, streamed from a full record"
	}
	return fmt.Sprintf("%s (%d calls at each end of every run of successes or of rejections, short streaks of failures and cancellations among successes folded): %d calls omitted, judged in sums (I8, I9, expectations) only",
		how, c.run.Meta.WindowCalls, n)
}
