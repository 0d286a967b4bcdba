package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The expectation checks' ids in the verdict. expect.max_rejection_p99 has
// none: it is I9's bound, judged as I9.
const (
	ExpectMinServedRatio = "min_served_ratio"
	ExpectMaxTimeToClose = "max_time_to_close"
	ExpectOpens          = "opens"
)

// expectations checks the thresholds the expect block sets (a zero is unset).
func (c *checker) expectations() []record.Check {
	e := c.run.Meta.Expect
	var out []record.Check
	if e.MinServedRatio > 0 {
		col := c.collector(ExpectMinServedRatio)
		detail := c.checkServedRatio(col, e.MinServedRatio)
		out = append(out, c.result(col, record.KindExpectation, fmt.Sprintf("share of calls served ≥ %g", e.MinServedRatio), detail))
	}
	if e.MaxTimeToCloseNs > 0 {
		col := c.collector(ExpectMaxTimeToClose)
		detail := c.checkTimeToClose(col, e.MaxTimeToCloseNs)
		out = append(out, c.result(col, record.KindExpectation, "circuit closes within "+fmtDur(e.MaxTimeToCloseNs)+" of the dependency healing", detail))
	}
	if e.MinOpens > 0 || e.MaxOpens != nil {
		col := c.collector(ExpectOpens)
		bound := OpensBound(e)
		detail := c.checkOpens(col, e.MinOpens, e.MaxOpens, bound)
		out = append(out, c.result(col, record.KindExpectation, "each circuit opens "+bound+" times", detail))
	}
	return out
}

// OpensBound says how many opens e allows: ">= 1", "2..2", "0..0".
func OpensBound(e record.Expect) string {
	if e.MaxOpens == nil {
		return fmt.Sprintf(">= %d", e.MinOpens)
	}
	return fmt.Sprintf("%d..%d", e.MinOpens, *e.MaxOpens)
}

// checkOpens: how many times each circuit opened, from its inferred
// transitions. In real time an open period counts when the breaker showed
// it by rejecting a call: a breaker that never rejects never opened,
// however many trips its failures called for.
func (c *checker) checkOpens(col *collector, lo int, hi *int, bound string) string {
	var parts []string
	for _, d := range c.deps {
		n, _ := d.count(record.StateOpen)
		if c.run.Meta.Mode != record.ModeSim {
			if shown := c.shownOpens(d); shown < n {
				parts = append(parts, fmt.Sprintf("%s opened %d times (%d more called for by its failures showed no rejection)", d.name, shown, n-shown))
				n = shown
				if n < lo || (hi != nil && n > *hi) {
					col.add(d, c.runEnd, -1, "run", "the circuit opened %d times, want %s", n, bound)
				}
				continue
			}
		}
		parts = append(parts, fmt.Sprintf("%s opened %d times", d.name, n))
		if n < lo || (hi != nil && n > *hi) {
			col.add(d, c.runEnd, -1, "run", "the circuit opened %d times, want %s", n, bound)
		}
	}
	return strings.Join(parts, "; ")
}

// checkServedRatio: the share of each dependency's calls that got an answer,
// the dependency's own (success) or a fallback.
func (c *checker) checkServedRatio(col *collector, want float64) string {
	var parts []string
	for _, d := range c.deps {
		total := len(d.calls) + int(d.omitted.count())
		if total == 0 {
			continue
		}
		served := int(d.omitted.served)
		for _, ci := range d.calls {
			if r := &c.run.Calls[ci]; r.Outcome == record.OutcomeSuccess || r.Fallback {
				served++
			}
		}
		ratio := float64(served) / float64(total)
		parts = append(parts, fmt.Sprintf("%s: %.4f (%d of %d)", d.name, ratio, served, total))
		if ratio < want {
			col.add(d, c.runEnd, -1, "run", "served %d of %d calls (%.4f), want at least %g", served, total, ratio, want)
		}
	}
	return strings.Join(parts, "; ")
}

// checkTimeToClose: from the moment a healthy phase begins with the circuit
// not closed, to the circuit closing.
func (c *checker) checkTimeToClose(col *collector, bound int64) string {
	var parts []string
	for _, d := range c.deps {
		worst := int64(-1)
		for _, ep := range c.episodes(d) {
			if !ep.atStart {
				continue
			}
			switch {
			case ep.closedAt >= 0:
				took := ep.closedAt - ep.phaseStart
				worst = max(worst, took)
				if took > bound {
					col.add(d, ep.closedAt, ep.gen, fmt.Sprintf("generation %d", ep.gen),
						"closed %s after the dependency healed at %s, want within %s", fmtDur(took), fmtNs(ep.phaseStart), fmtDur(bound))
				}
			case ep.phaseEnd-ep.phaseStart > bound:
				col.add(d, ep.phaseStart+bound, ep.gen, fmt.Sprintf("generation %d", ep.gen),
					"not closed %s after the dependency healed at %s (phase ended at %s), want within %s",
					fmtDur(ep.phaseEnd-ep.phaseStart), fmtNs(ep.phaseStart), fmtNs(ep.phaseEnd), fmtDur(bound))
			}
		}
		if worst >= 0 {
			parts = append(parts, fmt.Sprintf("%s: closed %s after healing", d.name, fmtDur(worst)))
		}
	}
	if len(parts) == 0 {
		return "no recovery to time"
	}
	return strings.Join(parts, "; ")
}

// shownOpens counts d's inferred open periods in which some call was
// rejected.
func (c *checker) shownOpens(d *dep) int {
	var rejects []int64 // when each rejected call was decided, at the latest
	for i := range d.tries {
		if t := &d.tries[i]; !t.admitted {
			rejects = append(rejects, t.aHi)
		}
	}
	slices.Sort(rejects)
	n := 0
	for k := range d.gens {
		if d.gens[k].state != record.StateOpen {
			continue
		}
		from := d.gens[k].lo - c.tol
		j := sort.Search(len(rejects), func(j int) bool { return rejects[j] >= from })
		if j < len(rejects) && rejects[j] <= c.genEnd(d, k)+c.tol {
			n++
		}
	}
	return n
}
