package check

import (
	"fmt"
	"slices"
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

// add records a violation at time at in d, in inferred generation gen (-1:
// none). event names the offending record; the context is the few events
// of d up to at.
func (c *collector) add(d *dep, at int64, gen int32, event, format string, args ...any) {
	c.addRule(d, at, gen, event, 0, format, args...)
}

// addRule is add for a violation of breaker rule rule (1–10; 0 none).
func (c *collector) addRule(d *dep, at int64, gen int32, event string, rule int, format string, args ...any) {
	c.total++
	if len(c.list) >= c.max {
		return
	}
	v := record.Violation{ID: c.id, AtNs: at, Event: event, Message: fmt.Sprintf(format, args...), Rule: rule}
	if gen >= 0 {
		v.Gen = uint64(gen)
	}
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

// describeEvent renders one of d's events for a violation's context.
func (d *dep) describeEvent(ev *event) string {
	switch ev.kind {
	case evSnapshot:
		sn := &d.run.Snapshots[ev.try]
		return fmt.Sprintf("t=%s the breaker reports %s", fmtNs(sn.AtNs), sn.State)
	case evResult:
		t := &d.tries[ev.try]
		return fmt.Sprintf("t=%s %s returned: %s (started %s)", fmtNs(ev.hi), d.what(ev.try), t.outcome, fmtNs(t.aLo))
	}
	t := &d.tries[ev.try]
	if t.admitted {
		return fmt.Sprintf("t=%s %s admitted", fmtNs(ev.lo), d.what(ev.try))
	}
	s := fmt.Sprintf("t=%s %s rejected", fmtNs(ev.lo), d.what(ev.try))
	if t.reason != "" {
		s += " (" + t.reason + ")"
	}
	return s
}

// describeGen renders the inferred transition that began generation g.
func (d *dep) describeGen(g int) string {
	gg := &d.gens[g]
	return fmt.Sprintf("t=%s inferred %s→%s, generation %d (%s)", fmtNs(gg.at), d.gens[g-1].state, gg.state, g, gg.reason)
}

// contextBefore returns up to n of d's events (calls' attempts and
// results, inferred transitions) at or before at, oldest first.
func (d *dep) contextBefore(at int64, n int) []string {
	if n <= 0 {
		return []string{}
	}
	ei := sort.Search(len(d.events), func(i int) bool { return d.events[i].at > at }) - 1
	gi := len(d.gens) - 1
	for gi > 0 && d.gens[gi].at > at {
		gi--
	}
	out := make([]string, 0, n)
	for len(out) < n && (ei >= 0 || gi > 0) {
		// A transition sorts after the events at its instant: a result
		// triggers it.
		if gi > 0 && (ei < 0 || d.gens[gi].at >= d.events[ei].at) {
			out = append(out, d.describeGen(gi))
			gi--
		} else {
			if d.events[ei].kind != evSnapshot {
				out = append(out, d.describeEvent(&d.events[ei]))
			}
			ei--
		}
	}
	slices.Reverse(out)
	return out
}

// plural formats a count with its noun: "1 transition", "3 transitions".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
