package check

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"sort"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// missedTrips finds failure streaks that certainly should have opened the
// circuit, from the records alone, whatever order overlapping events took:
// it judges what the engine's window search cannot (too many calls at once).
//
// Say FailureThreshold calls failed, each result certainly taken in before
// call X was decided, and X was admitted. Let A be the earliest any of them
// can have been admitted. If no success can have been taken in between A
// and X's decision, and X was decided within the recovery timeout of A, X's
// admission breaks the rules whatever the order. Closed all along, the
// breaker counted those failures (its calls, nothing to reset the count)
// and had to open. Not closed at some moment, it cannot have closed again
// before X without a probe success, so it was half-open at X. Closed at A,
// it opened after A and stayed open past X. Open or half-open at A, those
// calls were probes of the one half-open period that fits before X, and the
// first of their failures reopened it, again past X.
func (c *checker) missedTrips(d *dep) {
	ft, rt, tol := d.cfg.FailureThreshold, d.cfg.RecoveryTimeoutNs, c.tol
	if ft <= 0 || c.run.Meta.Mode == record.ModeSim {
		return // sim: the engine's order is exact
	}
	var fails, succs, admits []int32
	for i := range d.tries {
		t := &d.tries[i]
		switch {
		case !t.admitted:
		case t.outcome == record.OutcomeFailure:
			fails = append(fails, int32(i))
			admits = append(admits, int32(i))
		case t.outcome == record.OutcomeSuccess:
			succs = append(succs, int32(i))
			admits = append(admits, int32(i))
		default:
			admits = append(admits, int32(i))
		}
	}
	if len(fails) < ft {
		return
	}
	tr := d.tries
	slices.SortFunc(fails, func(a, b int32) int { return cmp.Compare(tr[a].rHi, tr[b].rHi) })
	slices.SortFunc(admits, func(a, b int32) int { return cmp.Compare(tr[a].aLo, tr[b].aLo) })
	// Successes by rLo, and the latest any of the first k can have been
	// taken in: the latest success that can fall before a moment.
	slices.SortFunc(succs, func(a, b int32) int { return cmp.Compare(tr[a].rLo, tr[b].rLo) })
	latest := make([]int64, len(succs)+1)
	latest[0] = -1 << 62
	for k, s := range succs {
		latest[k+1] = max(latest[k], tr[s].rHi)
	}
	streak := &lateAdmitted{tries: tr}
	next, lastA := 0, int64(-1<<62)
	for _, x := range admits {
		X := &tr[x]
		for ; next < len(fails) && tr[fails[next]].rHi+tol <= X.aLo; next++ {
			heap.Push(streak, fails[next])
			if streak.Len() > ft {
				heap.Pop(streak)
			}
		}
		if streak.Len() < ft {
			continue
		}
		A := tr[streak.ids[0]].aLo
		if A == lastA || X.aHi-A >= rt-2*tol {
			continue
		}
		k := sort.Search(len(succs), func(k int) bool { return tr[succs[k]].rLo > X.aHi+tol })
		if latest[k]+tol >= A || c.foundIn(d, "I2", A, X.aHi+rt) {
			continue
		}
		lastA = A
		c.findings = append(c.findings, finding{id: "I2", rule: 1, d: d, at: X.aLo, gen: int32(d.genAt(X.aLo)), event: d.what(x),
			msg: fmt.Sprintf("%d failures (%s) were all taken in before %s was admitted at %s, with no success that can have come between and no time for the circuit to open and half-open (%s since the first of them began, the recovery timeout is %s): it should have opened",
				ft, d.tryList(streak.ids), d.what(x), fmtNs(X.aLo), fmtDur(X.aHi-A), fmtDur(rt))})
	}
}

// lateAdmitted is a min-heap of tries by when they began: it keeps the
// failures admitted latest.
type lateAdmitted struct {
	tries []try
	ids   []int32
}

func (h *lateAdmitted) Len() int           { return len(h.ids) }
func (h *lateAdmitted) Less(i, j int) bool { return h.tries[h.ids[i]].aLo < h.tries[h.ids[j]].aLo }
func (h *lateAdmitted) Swap(i, j int)      { h.ids[i], h.ids[j] = h.ids[j], h.ids[i] }
func (h *lateAdmitted) Push(x any)         { h.ids = append(h.ids, x.(int32)) }
func (h *lateAdmitted) Pop() any {
	x := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return x
}

// tryList names tries for a message: "call seq=3, call seq=4".
func (d *dep) tryList(ids []int32) string {
	sorted := slices.Clone(ids)
	slices.SortFunc(sorted, func(a, b int32) int { return cmp.Compare(d.tries[a].seq, d.tries[b].seq) })
	s := ""
	for k, ti := range sorted {
		if k > 0 {
			s += ", "
		}
		s += d.what(ti)
	}
	return s
}
