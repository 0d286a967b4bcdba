package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/breakerlab/breakerlab/internal/hist"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// p99 returns the 99th percentile (nearest rank) of xs, sorting xs.
func p99(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	rank := (len(xs)*99 + 99) / 100 // ceil(0.99 n)
	return xs[rank-1]
}

// rejectionLatency returns d's rejection latencies' p99, their count, and
// the slowest rejected call.
func (c *checker) rejectionLatency(d *dep) (p int64, n int, slowest *record.Call) {
	var lat []int64
	for _, ci := range d.calls {
		r := &c.run.Calls[ci]
		if r.Outcome != record.OutcomeRejected {
			continue
		}
		lat = append(lat, r.EndNs-r.StartNs)
		if slowest == nil || r.EndNs-r.StartNs > slowest.EndNs-slowest.StartNs {
			slowest = r
		}
	}
	if om := d.omitted.rejected; om.Count() > 0 {
		// The omitted rejections are in a histogram: the percentile of
		// both is the histogram's, within 0.4 %.
		h := hist.New(hist.Fine)
		for _, v := range lat {
			h.Add(v)
		}
		h.Merge(om)
		return h.Quantile(0.99), len(lat) + int(om.Count()), slowest
	}
	return p99(lat), len(lat), slowest
}

// checkRejectionP99 flags each dependency whose rejection p99 exceeds bound;
// with no rejection anywhere it is not checked.
func (c *checker) checkRejectionP99(col *collector, bound int64) string {
	var parts []string
	rejections := 0
	for _, d := range c.deps {
		p, n, slowest := c.rejectionLatency(d)
		if n == 0 {
			parts = append(parts, d.name+": no rejections")
			continue
		}
		rejections += n
		parts = append(parts, fmt.Sprintf("%s: p99 %s over %d rejections", d.name, fmtDur(p), n))
		if p > bound {
			col.addRule(d, slowest.StartNs, -1, callEvent(slowest), 2, "rejection latency p99 %s over %d rejections, bound %s; the slowest took %s",
				fmtDur(p), n, fmtDur(bound), fmtDur(slowest.EndNs-slowest.StartNs))
		}
	}
	if rejections == 0 {
		col.skipped = true
		return "not checked: no call was rejected"
	}
	return strings.Join(parts, "; ")
}

// checkI9: rejections are fast: p99 under expect.max_rejection_p99_ns, or
// DefaultMaxRejectionP99 when unset.
func (c *checker) checkI9(col *collector) string {
	bound := c.run.Meta.Expect.MaxRejectionP99Ns
	if bound <= 0 {
		bound = int64(DefaultMaxRejectionP99)
	}
	detail := c.checkRejectionP99(col, bound)
	if col.skipped {
		return detail
	}
	return fmt.Sprintf("bound %s; %s", fmtDur(bound), detail)
}

// episode is a stretch of a healthy phase during which the circuit was not
// closed, and when (if) it closed.
type episode struct {
	d          *dep
	phaseStart int64 // when the healthy phase began
	phaseEnd   int64 // when it ended (the next phase, or the run's end)
	anchor     int64 // from when the circuit owed a close: max(phase start, leaving closed)
	gen        int32
	closedAt   int64 // -1 if it never closed within the phase
	atStart    bool  // the circuit was not closed when the phase began
}

// episodes finds, for each healthy phase of d, every stretch in which the
// circuit was not closed.
func (c *checker) episodes(d *dep) []episode {
	var out []episode
	phases := d.meta.Phases
	for pi, ph := range phases {
		if !ph.IsHealthy() {
			continue
		}
		end := c.runEnd
		if pi+1 < len(phases) {
			end = min(end, phases[pi+1].AtNs)
		}
		if end <= ph.AtNs {
			continue
		}
		gi := d.genAt(ph.AtNs)
		for gi < len(d.gens) && d.gens[gi].at < end {
			g := &d.gens[gi]
			if g.state == record.StateClosed {
				gi++
				continue
			}
			ep := episode{d: d, phaseStart: ph.AtNs, phaseEnd: end, anchor: max(ph.AtNs, g.at), gen: int32(gi), closedAt: -1, atStart: g.at <= ph.AtNs}
			for gi < len(d.gens) && d.gens[gi].state != record.StateClosed {
				gi++
			}
			if gi < len(d.gens) && d.gens[gi].at <= end {
				ep.closedAt = d.gens[gi].at
			}
			out = append(out, ep)
		}
	}
	return out
}

// probeAllowance is I10's "probes' time" for an episode whose probes may
// start at from: (SuccessThreshold+1) × the longest admitted call, plus the
// longest wait for a caller after from, plus the tolerance. ok is false when
// no call at all started between from and the phase's end: without callers
// no circuit can close, so liveness cannot be judged.
func (c *checker) probeAllowance(d *dep, ep episode, from int64) (allowance int64, ok bool) {
	calls, byStart := c.run.Calls, d.startOrder()
	i := sort.Search(len(byStart), func(i int) bool { return calls[byStart[i]].StartNs >= from })
	if i == len(byStart) || calls[byStart[i]].StartNs >= ep.phaseEnd {
		return 0, false
	}
	if c.opts.ProbeAllowance > 0 {
		return int64(c.opts.ProbeAllowance), true
	}
	gap := d.omitted.longestWait(from, ep.phaseEnd, func(yield func(int64) bool) {
		for ; i < len(byStart) && calls[byStart[i]].StartNs < ep.phaseEnd; i++ {
			if !yield(calls[byStart[i]].StartNs) {
				return
			}
		}
	})
	return int64(d.cfg.SuccessThreshold+1)*d.longestCall() + gap + c.tol, true
}

// checkI10: liveness. Once the dependency is healthy, a circuit that is not
// closed closes within RecoveryTimeout plus the probes' time. A phase or run
// that ends before that deadline cannot tell, and is noted, not failed.
func (c *checker) checkI10(col *collector) string {
	checked, undecided, healthy := 0, 0, 0
	for _, d := range c.deps {
		for _, ph := range d.meta.Phases {
			if ph.IsHealthy() {
				healthy++
			}
		}
		for _, ep := range c.episodes(d) {
			probesFrom := ep.anchor + d.cfg.RecoveryTimeoutNs
			allowance, callers := c.probeAllowance(d, ep, probesFrom)
			deadline := probesFrom + allowance
			switch {
			case ep.closedAt >= 0 && (ep.closedAt <= deadline || !callers):
				// Closed in time, or closed with no caller after the
				// recovery timeout to hold it to a deadline.
				checked++
			case ep.closedAt < 0 && ep.phaseEnd < deadline:
				undecided++
				c.warnings = append(c.warnings, fmt.Sprintf("I10: %s: the healthy phase from %s ended at %s, before the circuit was due to close (by %s); not judged",
					d.name, fmtNs(ep.phaseStart), fmtNs(ep.phaseEnd), fmtNs(deadline)))
			case ep.closedAt < 0 && !callers:
				undecided++
				c.warnings = append(c.warnings, fmt.Sprintf("I10: %s: no call from %s to the end of the healthy phase at %s, so no probe could close the circuit; not judged",
					d.name, fmtNs(probesFrom), fmtNs(ep.phaseEnd)))
			default:
				checked++
				when := "never closed before the phase ended at " + fmtNs(ep.phaseEnd)
				if ep.closedAt >= 0 {
					when = "closed only at " + fmtNs(ep.closedAt)
				}
				col.addRule(d, deadline, ep.gen, fmt.Sprintf("generation %d", ep.gen), 5,
					"dependency healthy since %s, circuit not closed since %s: it %s, want by %s (recovery timeout %s + probes' time %s)",
					fmtNs(ep.phaseStart), fmtNs(ep.anchor), when, fmtNs(deadline), fmtDur(d.cfg.RecoveryTimeoutNs), fmtDur(deadline-ep.anchor-d.cfg.RecoveryTimeoutNs))
			}
		}
	}
	switch {
	case healthy == 0:
		col.skipped = true
		return "not checked: no phase of the dependency is healthy"
	case checked == 0:
		col.skipped = true
		return fmt.Sprintf("not checked: the circuit was closed whenever the dependency was healthy, or the run ended first (%d too late to judge)", undecided)
	}
	return plural(checked, "recovery", "recoveries") + " checked, " + fmt.Sprint(undecided) + " too late in the run to judge"
}

// checkI11: the runner counts goroutines left after the run into meta.json.
func (c *checker) checkI11(col *collector) string {
	n := c.run.Meta.LeakedGoroutines
	switch {
	case n == nil:
		col.skipped = true
		return "not checked: meta.json has no leaked_goroutines"
	case *n > 0:
		col.add(nil, c.runEnd, -1, "end of run", "%d goroutines outlived the run", *n)
		return ""
	}
	return "no goroutine outlived the run"
}
