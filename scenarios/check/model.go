package check

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Reasons the reference breaker gives for transitions that the rules exempt
// from the counting invariants.
const (
	reasonReset  = "reset"
	reasonForced = "forced open"
)

// generation is one stretch of a dependency's breaker in one state, from the
// transition that started it to the one that ended it.
type generation struct {
	num    uint64
	state  record.State
	start  int64 // when it began: its transition's at_ns (0 for the initial one)
	end    int64 // when it ended: the next transition's at_ns, or the run's end
	begin  int   // index in dep.trans of the transition that started it; -1 for the initial one
	finish int   // index in dep.trans of the transition that ended it; -1 while current
	// results are the calls it admitted that ran (success, failure, ignored),
	// in the order their results were recorded: (end_ns, file order).
	results []int32
	// admitted are the calls it admitted, in file order (for I5).
	admitted []int32
}

func (g *generation) forced(d *dep) bool {
	return g.begin >= 0 && d.run.Transitions[d.trans[g.begin]].Reason == reasonForced
}

// endingTransition returns the transition that ended g, or nil.
func (g *generation) endingTransition(d *dep) *record.Transition {
	if g.finish < 0 {
		return nil
	}
	return &d.run.Transitions[d.trans[g.finish]]
}

// dep holds one dependency's records, indexed for the checks. Calls and
// requests are referenced by index into the Run's slices, so a 600 000-call
// run is not copied.
type dep struct {
	name string
	cfg  record.BreakerConfig
	meta record.Dependency
	run  *record.Run

	calls    []int32 // every call, file order
	byEnd    []int32 // every call, by (end_ns, file order)
	trans    []int32 // transitions, file order
	requests []int32 // dependency requests, file order
	snaps    []int32 // snapshots, file order

	gens   []generation
	genIdx map[uint64]int
	// unknownGen are calls whose gen no transition started.
	unknownGen []int32
	// bySeq maps a call's seq to its index, for matching requests.
	bySeq seqIndex
	// dupSeq are calls whose seq an earlier call already had.
	dupSeq []int32

	byStart []int32 // every call, by (start_ns, file order); built on first use
	longest int64   // the longest admitted call; -1 until computed
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
		for _, ci := range d.calls {
			if r := &d.run.Calls[ci]; r.Outcome != record.OutcomeRejected {
				d.longest = max(d.longest, r.EndNs-r.StartNs)
			}
		}
	}
	return d.longest
}

// buildDeps splits the run by dependency and reconstructs each breaker's
// generations from transitions.jsonl. Dependencies are in meta.json order,
// then any only seen in the records, by name.
func buildDeps(run *record.Run, runEnd int64) (deps []*dep, warnings []string) {
	byName := make(map[string]*dep)
	get := func(name string) *dep {
		if d, ok := byName[name]; ok {
			return d
		}
		d := &dep{name: name, run: run, genIdx: make(map[uint64]int), longest: -1}
		if md, ok := run.Meta.Dependency(name); ok {
			d.meta, d.cfg = md, md.Breaker
		}
		d.cfg = withDefaults(d.cfg)
		byName[name] = d
		deps = append(deps, d)
		return d
	}
	for _, md := range run.Meta.Dependencies {
		get(md.Name)
	}
	known := len(deps)
	if len(deps) == 1 {
		// The common case: size the one dependency's indexes up front.
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
	extra := deps[known:]
	sort.Slice(extra, func(i, j int) bool { return extra[i].name < extra[j].name })
	for _, d := range extra {
		warnings = append(warnings, fmt.Sprintf("dependency %q is recorded but not in meta.json; NFR-6 breaker defaults assumed", d.name))
	}
	for _, d := range deps {
		d.index(runEnd)
	}
	return deps, warnings
}

// withDefaults fills NFR-6 defaults into zero fields, as breaker.New does.
func withDefaults(c record.BreakerConfig) record.BreakerConfig {
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 5
	}
	if c.SuccessThreshold == 0 {
		c.SuccessThreshold = 2
	}
	if c.RecoveryTimeoutNs == 0 {
		c.RecoveryTimeoutNs = 60e9
	}
	if c.HalfOpenMaxCalls == 0 {
		c.HalfOpenMaxCalls = c.SuccessThreshold
	}
	return c
}

func (d *dep) index(runEnd int64) {
	calls := d.run.Calls
	d.byEnd = slices.Clone(d.calls)
	if !slices.IsSortedFunc(d.byEnd, d.cmpEnd) {
		slices.SortStableFunc(d.byEnd, d.cmpEnd)
	}

	// Generations: the initial closed one, then one per transition.
	initial := d.initialGen()
	d.gens = append(d.gens, generation{num: initial, state: record.StateClosed, begin: -1, finish: -1, end: runEnd})
	d.genIdx[initial] = 0
	for k, ti := range d.trans {
		t := &d.run.Transitions[ti]
		prev := &d.gens[len(d.gens)-1]
		prev.end, prev.finish = t.AtNs, k
		d.gens = append(d.gens, generation{num: t.Gen, state: t.To, start: t.AtNs, end: runEnd, begin: k, finish: -1})
		if _, dup := d.genIdx[t.Gen]; !dup {
			d.genIdx[t.Gen] = len(d.gens) - 1
		}
	}

	var maxSeq uint64
	for _, ci := range d.calls {
		maxSeq = max(maxSeq, calls[ci].Seq)
	}
	d.bySeq = newSeqIndex(maxSeq, len(d.calls))
	for _, ci := range d.calls {
		c := &calls[ci]
		if d.bySeq.add(c.Seq, ci) {
			d.dupSeq = append(d.dupSeq, ci)
		}
		gi, ok := d.genIdx[c.Gen]
		if !ok {
			d.unknownGen = append(d.unknownGen, ci)
			continue
		}
		if c.Outcome != record.OutcomeRejected {
			d.gens[gi].admitted = append(d.gens[gi].admitted, ci)
		}
	}
	for _, ci := range d.byEnd {
		c := &calls[ci]
		if c.Outcome == record.OutcomeRejected {
			continue
		}
		if gi, ok := d.genIdx[c.Gen]; ok {
			d.gens[gi].results = append(d.gens[gi].results, ci)
		}
	}
}

// initialGen guesses the generation number before the first transition: one
// less than the first transition's (generations count up by one), or, with no
// transitions, the generation the last snapshot (or else the first call) names.
func (d *dep) initialGen() uint64 {
	if len(d.trans) > 0 {
		if g := d.run.Transitions[d.trans[0]].Gen; g > 0 {
			return g - 1
		}
		return 0
	}
	if len(d.snaps) > 0 {
		return d.run.Snapshots[d.snaps[len(d.snaps)-1]].Gen
	}
	if len(d.calls) > 0 {
		return d.run.Calls[d.calls[0]].Gen
	}
	return 0
}

func (d *dep) cmpEnd(a, b int32) int {
	if c := cmp.Compare(d.run.Calls[a].EndNs, d.run.Calls[b].EndNs); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// genAt returns the index of the generation in force at t: the last one that
// started at or before t.
func (d *dep) genAt(t int64) int {
	i := sort.Search(len(d.gens), func(i int) bool { return d.gens[i].start > t })
	if i == 0 {
		return 0
	}
	return i - 1
}

// lastSnapshot returns the dependency's last snapshot, or nil.
func (d *dep) lastSnapshot() *record.Snapshot {
	if len(d.snaps) == 0 {
		return nil
	}
	return &d.run.Snapshots[d.snaps[len(d.snaps)-1]]
}

// staleResults returns the calls from generations other than g whose results
// of kind o were recorded in (from, to], in record order.
func (d *dep) staleResults(g *generation, o record.Outcome, from, to int64) []int32 {
	calls := d.run.Calls
	i := sort.Search(len(d.byEnd), func(i int) bool { return calls[d.byEnd[i]].EndNs > from })
	var out []int32
	for ; i < len(d.byEnd); i++ {
		c := &calls[d.byEnd[i]]
		if c.EndNs > to {
			break
		}
		if c.Outcome == o && c.Gen != g.num {
			if gi, ok := d.genIdx[c.Gen]; ok && d.gens[gi].start <= g.start {
				out = append(out, d.byEnd[i])
			}
		}
	}
	return out
}
