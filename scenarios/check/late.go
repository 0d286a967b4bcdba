package check

import "github.com/breakerlab/breakerlab/scenarios/record"

// checkI7: late results never change state or counts. A transition that
// I2 or I6 cannot explain from its own generation, but that a late result
// from an earlier generation would, is the mark of a missing generation
// check; so is a final snapshot whose counters include late results.
func (c *checker) checkI7(col *collector) string {
	c.analyse()
	for _, f := range c.findings {
		if f.stale == 0 {
			continue
		}
		stale := f.d.staleResults(f.g, f.stale, f.g.start, f.to)
		if len(stale) == 0 {
			continue
		}
		r := &c.run.Calls[stale[len(stale)-1]]
		col.add(f.d, f.at, f.gen, f.event, "late %s of call seq=%d (admitted by generation %d) at %s counted in generation %d: %s",
			r.Outcome, r.Seq, r.Gen, fmtNs(r.EndNs), f.g.num, f.msg)
	}
	for _, d := range c.deps {
		if c.noTransitions(d) {
			continue
		}
		m := c.snapshotCounts(d)
		if m == nil || len(m.stale) == 0 {
			continue
		}
		r := &c.run.Calls[m.stale[len(m.stale)-1]]
		col.add(d, m.s.AtNs, m.s.Gen, "final snapshot", "the breaker counts %d %s, generation %d's own results give %d; late %s of call seq=%d (generation %d) at %s was counted",
			m.got, m.field, m.g.num, m.want, r.Outcome, r.Seq, r.Gen, fmtNs(r.EndNs))
	}
	return plural(c.lateResults(), "late result", "late results") + " from earlier generations changed nothing"
}

// counterMismatch is a final snapshot whose consecutive count disagrees with
// the recount of its generation's results.
type counterMismatch struct {
	s         *record.Snapshot
	g         *generation
	field     string
	got, want int
	stale     []int32 // late results of the counted kind during g
}

// snapshotCounts recounts the final snapshot's consecutive counter from its
// generation's results; nil when they agree or cannot be compared.
func (c *checker) snapshotCounts(d *dep) *counterMismatch {
	s := d.lastSnapshot()
	if s == nil {
		return nil
	}
	gi, ok := d.genIdx[s.Gen]
	if !ok {
		return nil
	}
	g := &d.gens[gi]
	m := &counterMismatch{s: s, g: g}
	var kind record.Outcome
	switch g.state {
	case record.StateClosed:
		m.field, m.got, kind = "consecutive failures", s.ConsecutiveFailures, record.OutcomeFailure
		for _, ci := range g.results {
			r := &c.run.Calls[ci]
			if r.EndNs > s.AtNs {
				break
			}
			switch r.Outcome {
			case record.OutcomeFailure:
				m.want++
			case record.OutcomeSuccess:
				m.want = 0
			}
		}
	case record.StateHalfOpen:
		m.field, m.got, kind = "consecutive probe successes", s.ConsecutiveSuccesses, record.OutcomeSuccess
		for _, ci := range g.results {
			r := &c.run.Calls[ci]
			if r.EndNs > s.AtNs {
				break
			}
			switch r.Outcome {
			case record.OutcomeSuccess:
				m.want++
			case record.OutcomeFailure:
				m.want = 0
			}
		}
	default:
		return nil
	}
	if m.got == m.want {
		return nil
	}
	m.stale = d.staleResults(g, kind, g.start, s.AtNs)
	return m
}

// lateResults counts results recorded after their generation had ended.
func (c *checker) lateResults() int {
	n := 0
	for _, d := range c.deps {
		for gi := range d.gens {
			g := &d.gens[gi]
			if g.finish < 0 {
				continue
			}
			for _, ci := range g.results {
				if c.run.Calls[ci].EndNs > g.end {
					n++
				}
			}
		}
	}
	return n
}

// successNear reports whether g recorded a success in [from, to].
func (c *checker) successNear(g *generation, from, to int64) bool {
	for _, ci := range g.results {
		r := &c.run.Calls[ci]
		if r.EndNs >= from && r.EndNs <= to && r.Outcome == record.OutcomeSuccess {
			return true
		}
	}
	return false
}
