package check

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// collector gathers one check's violations: all are counted, the first
// max are kept with their context.
type collector struct {
	id      string
	max     int
	context int
	total   int
	list    []record.Violation
	skipped bool // the check could not be judged; see record.Check.Skipped
}

// add records a violation at time at in d, for generation gen. event names
// the offending record; the context is the few events of d up to at.
func (c *collector) add(d *dep, at int64, gen uint64, event, format string, args ...any) {
	c.total++
	if len(c.list) >= c.max {
		return
	}
	v := record.Violation{ID: c.id, AtNs: at, Gen: gen, Event: event, Message: fmt.Sprintf(format, args...)}
	if d != nil {
		v.Dep = d.name
		v.Context = d.contextBefore(at, c.context)
	}
	c.list = append(c.list, v)
}

// fmtNs formats a time since t0 or a duration in seconds, exactly: "30.99s".
func fmtNs(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', -1, 64) + "s"
}

// fmtDur formats a duration for people: "1.5ms".
func fmtDur(ns int64) string { return time.Duration(ns).String() }

func callEvent(c *record.Call) string { return "call seq=" + strconv.FormatUint(c.Seq, 10) }

func reqEvent(q *record.DepRequest) string {
	return "dependency request seq=" + strconv.FormatUint(q.Seq, 10)
}

func transitionEvent(k int, t *record.Transition) string {
	return fmt.Sprintf("transition #%d %s→%s", k+1, t.From, t.To)
}

func describeCall(c *record.Call) string {
	s := fmt.Sprintf("t=%s call seq=%d %s gen=%d (started %s)", fmtNs(c.EndNs), c.Seq, c.Outcome, c.Gen, fmtNs(c.StartNs))
	if c.Reject != "" {
		s += " reject=" + c.Reject
	}
	return s
}

func describeTransition(t *record.Transition) string {
	s := fmt.Sprintf("t=%s transition %s→%s gen=%d", fmtNs(t.AtNs), t.From, t.To, t.Gen)
	if t.Reason != "" {
		s += " (" + t.Reason + ")"
	}
	return s
}

// contextBefore returns up to n of d's events (calls at their end,
// transitions) at or before at, oldest first.
func (d *dep) contextBefore(at int64, n int) []string {
	if n <= 0 {
		return []string{}
	}
	calls, trans := d.run.Calls, d.run.Transitions
	ci := sort.Search(len(d.byEnd), func(i int) bool { return calls[d.byEnd[i]].EndNs > at }) - 1
	ti := len(d.trans) - 1
	for ti >= 0 && trans[d.trans[ti]].AtNs > at {
		ti--
	}
	out := make([]string, 0, n)
	for len(out) < n && (ci >= 0 || ti >= 0) {
		// Transitions sort after calls at the same instant: a call's result
		// is what triggers a transition.
		if ti >= 0 && (ci < 0 || trans[d.trans[ti]].AtNs >= calls[d.byEnd[ci]].EndNs) {
			out = append(out, describeTransition(&trans[d.trans[ti]]))
			ti--
		} else {
			out = append(out, describeCall(&calls[d.byEnd[ci]]))
			ci--
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// plural formats a count with its noun: "1 transition", "3 transitions".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
