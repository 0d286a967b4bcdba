package check

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// dep holds one dependency's records, indexed for the checks, and what the
// inference made of them. Records are referenced by index into the Run's
// slices, so a 600 000-call run is not copied.
type dep struct {
	name     string
	cfg      record.BreakerConfig
	meta     record.Dependency
	run      *record.Run
	reported record.Reports

	calls    []int32 // every call, file order
	trans    []int32 // reported transitions, file order
	requests []int32 // dependency requests, file order
	snaps    []int32 // snapshots, file order

	// bySeq maps a call's seq to its index, for matching requests; dupSeq
	// are calls whose seq an earlier call already had.
	bySeq  seqIndex
	dupSeq []int32

	// The inference's input (tries.go) and output (infer.go).
	tries        []try
	events       []event
	attemptEvent []int32 // per try: its attempt's index in events
	resultEv     []int32 // per try: its result's index in events, -1 if none
	taken        []bool  // per event: taken by the engine
	takenAt      []int32 // per taken event: its position in the engine's taken log
	maxHalfWidth int64
	minLo        []int64 // per event: the earliest lo of it and every event after it
	gens         []gen
	late         []lateResult
	// disputes are the stretches where what the breaker did contradicted
	// the model: its report is not judged there.
	disputes [][2]int64
	// unjudged are the stretches of windows the engine could not judge
	// (among the disputes): no evidence either way.
	unjudged [][2]int64
	// fuzzy are the stretches where events span whole generations (see
	// fuzzySpans): the report is not cross-checked there.
	fuzzy [][2]int64
	// undecided counts the windows of overlapping events with too many
	// orders to search (window.go): not judged.
	undecided int

	prevTotals *record.Totals // the latest snapshot's totals, while the engine runs

	// omitted sums the calls a run recorded at the windows level left out.
	omitted omitted

	byStart []int32 // admitted and rejected calls by start; built on first use
	longest int64   // the longest admitted call; -1 until computed
}

// lateResult is a result that reached the breaker after the generation that
// admitted its call had ended.
type lateResult struct {
	try    int32
	landed int32 // the generation in force when it landed
}

// buildDeps splits the run by dependency. Dependencies are in meta.json
// order, then any only seen in the records, by name.
func buildDeps(run *record.Run) (deps []*dep, warnings []string) {
	byName := make(map[string]*dep)
	reported := run.Meta.Reported()
	get := func(name string) *dep {
		if d, ok := byName[name]; ok {
			return d
		}
		d := &dep{name: name, run: run, reported: reported, longest: -1}
		if md, ok := run.Meta.Dependency(name); ok {
			d.meta, d.cfg = md, md.Breaker
		}
		d.cfg = d.cfg.WithDefaults()
		byName[name] = d
		deps = append(deps, d)
		return d
	}
	for _, md := range run.Meta.Dependencies {
		get(md.Name)
	}
	known := len(deps)
	if len(deps) == 1 {
		d := deps[0]
		d.calls = make([]int32, 0, len(run.Calls))
		d.requests = make([]int32, 0, len(run.DepRequests))
	}
	for i := range run.Calls {
		d := get(run.Calls[i].Dep)
		d.calls = append(d.calls, int32(i))
	}
	for i := range run.Transitions {
		d := get(run.Transitions[i].Dep)
		d.trans = append(d.trans, int32(i))
	}
	for i := range run.DepRequests {
		d := get(run.DepRequests[i].Dep)
		d.requests = append(d.requests, int32(i))
	}
	for i := range run.Snapshots {
		d := get(run.Snapshots[i].Dep)
		d.snaps = append(d.snaps, int32(i))
	}
	addOmitted(run, get)
	extra := deps[known:]
	sort.Slice(extra, func(i, j int) bool { return extra[i].name < extra[j].name })
	for _, d := range extra {
		warnings = append(warnings, fmt.Sprintf("dependency %q is recorded but not in meta.json; NFR-6 breaker defaults assumed", d.name))
	}
	for _, d := range deps {
		d.indexSeqs()
		d.omitted.index()
	}
	return deps, warnings
}

func (d *dep) indexSeqs() {
	calls := d.run.Calls
	var maxSeq uint64
	for _, ci := range d.calls {
		maxSeq = max(maxSeq, calls[ci].Seq)
	}
	d.bySeq = newSeqIndex(maxSeq, len(d.calls))
	for _, ci := range d.calls {
		if d.bySeq.add(calls[ci].Seq, ci) {
			d.dupSeq = append(d.dupSeq, ci)
		}
	}
}

// genAt returns the index of the generation in force at t: the last one
// that began at or before t.
func (d *dep) genAt(t int64) int {
	i := sort.Search(len(d.gens), func(i int) bool { return d.gens[i].at > t })
	return max(i-1, 0)
}

// startOrder returns d's calls by start time.
func (d *dep) startOrder() []int32 {
	if d.byStart == nil {
		calls := d.run.Calls
		d.byStart = slices.Clone(d.calls)
		cmpStart := func(a, b int32) int {
			return cmp.Or(cmp.Compare(calls[a].StartNs, calls[b].StartNs), cmp.Compare(a, b))
		}
		if !slices.IsSortedFunc(d.byStart, cmpStart) {
			slices.SortFunc(d.byStart, cmpStart)
		}
	}
	return d.byStart
}

// longestCall returns the longest duration of an admitted call.
func (d *dep) longestCall() int64 {
	if d.longest < 0 {
		d.longest = 0
		for i := range d.tries {
			if t := &d.tries[i]; t.admitted && t.outcome != 0 {
				d.longest = max(d.longest, t.rHi-t.aLo)
			}
		}
	}
	return d.longest
}

// lastSnapshot returns the dependency's last snapshot, or nil.
func (d *dep) lastSnapshot() *record.Snapshot {
	if len(d.snaps) == 0 {
		return nil
	}
	return &d.run.Snapshots[d.snaps[len(d.snaps)-1]]
}

// count returns how many of d's generations are in state s, and how many
// of those ended (the window of the checks that judge an ending).
func (d *dep) count(s record.State) (n, ended int) {
	for i := range d.gens {
		if d.gens[i].state == s {
			n++
			if i+1 < len(d.gens) {
				ended++
			}
		}
	}
	return n, ended
}

// inferred returns the transitions the engine inferred, for inferred.jsonl.
func (c *checker) inferred() []record.Transition {
	var out []record.Transition
	for _, d := range c.deps {
		for i := 1; i < len(d.gens); i++ {
			g := &d.gens[i]
			t := record.Transition{Dep: d.name, From: d.gens[i-1].state, To: g.state, AtNs: g.at,
				Gen: uint64(i), Reason: g.reason, Inferred: true}
			if !g.exact || g.lo != g.at || g.hi != g.at {
				t.LoNs, t.HiNs = g.lo, g.hi
			}
			out = append(out, t)
		}
	}
	return out
}

// disputed reports whether t lies in a stretch where the breaker's
// behaviour contradicted the model.
func (d *dep) disputed(t int64) bool { return inSpans(d.disputes, t) }

// inSpans reports whether t lies in one of spans.
func inSpans(spans [][2]int64, t int64) bool {
	for _, s := range spans {
		if t >= s[0] && t <= s[1] {
			return true
		}
	}
	return false
}
