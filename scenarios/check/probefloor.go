package check

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// probeFloor finds probes certainly in flight at once beyond the limit,
// from the records alone, whatever order overlapping events took: it judges
// what the engine's window search cannot (too many calls at once).
//
// A rejection says the circuit was not closed then. Closing takes probe
// results, and so does reopening; so until the breaker takes a result,
// every call it admits after a rejection is a probe of one half-open
// period, and those it admits before any result comes back are all in
// flight together when the last of them is admitted. More of them than
// HalfOpenMaxCalls is an I5 violation (rule 4) that no order explains.
//
// In-process (sim, live, stress) the records' intervals bound when the
// breaker decided and took each result, on the one monotonic clock the
// runner and the breaker share, so they order events without a tolerance
// (the tolerance is for the breaker's reading of its clock); only events
// at one instant are unordered, but in sim mode, which takes a result before
// a new call at one instant. External mode sees the breaker from across the
// network and is not judged here.
func (c *checker) probeFloor(d *dep) {
	lim := d.cfg.HalfOpenMaxCalls
	if lim <= 0 || c.run.Meta.Mode == record.ModeExternal {
		return
	}
	var rejects, admits, results []int32
	for i := range d.tries {
		switch t := &d.tries[i]; {
		case !t.admitted:
			rejects = append(rejects, int32(i))
		default:
			admits = append(admits, int32(i))
			if t.outcome != 0 {
				results = append(results, int32(i))
			}
		}
	}
	if len(rejects) == 0 || len(admits) <= lim {
		return
	}
	byALo := func(a, b int32) int { return cmp.Compare(d.tries[a].aLo, d.tries[b].aLo) }
	slices.SortFunc(admits, byALo)
	slices.SortFunc(rejects, byALo)
	for _, w := range d.floorWindows(rejects, results, c.runEnd, c.run.Meta.Mode == record.ModeSim) {
		k := sort.Search(len(admits), func(k int) bool { return d.tries[admits[k]].aLo > w.from })
		var in []int32
		for ; k < len(admits) && d.tries[admits[k]].aLo < w.end; k++ {
			if d.tries[admits[k]].aHi < w.end {
				in = append(in, admits[k])
			}
		}
		if len(in) <= lim || c.foundIn(d, "I5", w.from, w.end) {
			continue
		}
		slices.SortFunc(in, func(a, b int32) int { return cmp.Compare(d.tries[a].aHi, d.tries[b].aHi) })
		at, r := d.tries[in[len(in)-1]].aHi, &d.tries[w.reject]
		c.findings = append(c.findings, finding{id: "I5", rule: 4, d: d, at: d.tries[in[lim]].aHi, gen: int32(d.genAt(at)), event: d.what(in[lim]),
			msg: fmt.Sprintf("%d calls were in flight at once at %s, at most %d allowed: all were admitted after %s was rejected at %s and before any result can have reached the breaker (%s), so the circuit cannot have closed in between and all were probes of one half-open period",
				len(in), fmtNs(at), lim, d.what(w.reject), fmtNs(r.aLo), fmtNs(w.end))})
	}
}

// floorWindow is a stretch after a rejection (from) and before any result
// can have reached the breaker (end).
type floorWindow struct {
	reject    int32
	from, end int64
}

// floorWindows returns, for each result that ends a stretch of
// rejections, the widest window: from the earliest of those rejections.
// rejects are by aLo; results are any order (sorted here). sim says that a
// result at the instant of a decision came first.
func (d *dep) floorWindows(rejects, results []int32, runEnd int64, sim bool) []floorWindow {
	// Results by when they were taken at the latest; sufMin[k] is the
	// earliest any of results[k:] can have been taken.
	slices.SortFunc(results, func(a, b int32) int { return cmp.Compare(d.tries[a].rHi, d.tries[b].rHi) })
	sufMin := make([]int64, len(results)+1)
	sufMin[len(results)] = runEnd + 1
	for k := len(results) - 1; k >= 0; k-- {
		sufMin[k] = min(sufMin[k+1], d.tries[results[k]].rLo)
	}
	var out []floorWindow
	for _, r := range rejects {
		rt := &d.tries[r]
		// The first result that can have come after the decision on r,
		// which was made no earlier than rt.aLo.
		k := sort.Search(len(results), func(k int) bool {
			hi := d.tries[results[k]].rHi
			return hi > rt.aLo || hi == rt.aLo && !sim
		})
		w := floorWindow{reject: r, from: rt.aHi, end: sufMin[k]}
		if n := len(out); n > 0 && out[n-1].end == w.end {
			if w.from < out[n-1].from {
				out[n-1] = w
			}
			continue
		}
		if w.end > w.from {
			out = append(out, w)
		}
	}
	return out
}

// foundIn reports whether the inference filed a violation of check id in d
// between from and to.
func (c *checker) foundIn(d *dep, id string, from, to int64) bool {
	for _, f := range c.findings {
		if f.id == id && f.d == d && f.at >= from && f.at <= to {
			return true
		}
	}
	return false
}
