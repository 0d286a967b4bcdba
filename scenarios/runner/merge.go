package runner

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// DefaultDriftPPM is [MergeOptions.DriftPPM]'s default: how fast, in parts
// per million, a load machine's clock may drift from the fakes' between
// measurements. 100 ppm is an undisciplined quartz clock's worst case; a
// clock kept by NTP drifts far less.
const DefaultDriftPPM = 100

// ErrNotServed matches a directory [Merge] cannot merge into: not a run
// that [Serve] recorded.
var ErrNotServed = errors.New("runner: not a served run")

// MergeOptions tune [Merge]. The zero value is the default.
type MergeOptions struct {
	// Out is the parent directory of the merged run, Out/<scenario>. Empty
	// means "out". It must not be the served run's own directory.
	Out string
	// DriftPPM is the drift allowance: a clock error bound grows by this
	// many parts per million of the time since (or until) its attacker's
	// nearest measurement. 0 means DefaultDriftPPM; negative is an error.
	DriftPPM float64
}

// Merged is what [Merge] did.
type Merged struct {
	// Result is the merged run's, as [Run] returns it.
	Result *Result
	// Attackers are the load generators merged, in the order first seen.
	Attackers []record.Attacker
	// ClockError bounds every call's time on the fakes' clock; the timing
	// checks' tolerance is check.DefaultExternalTolerance plus it.
	ClockError time.Duration
	// Arrival is the merged load against the scenario's plan.
	Arrival Arrival
	// Warnings are the merge's notes, also in meta.json and the verdict.
	Warnings []string
	// Requests counts the requests at the fakes; Matched those matched to
	// the call that made it (the attackers' Matched, summed).
	Requests, Matched int
	// Unmatched, when not empty, says which requests could not be matched
	// for want of an attacker's name: the run is incomplete
	// (meta.json's unmatched).
	Unmatched string
}

// merger holds one merge's state.
type merger struct {
	served   *record.Run
	meta     record.Meta
	sc       *scenarios.Scenario
	r        *runner // for callOf: the scenario's classify rules and t0
	targets  targetIndex
	driftPPM float64
	clocks   map[string][]Measurement // by attacker name, sorted by At
	used     map[string]bool          // the attackers that have results
	sources  []*source
	calls    []mergedCall
	warnings []string
	// unmatched is meta.json's unmatched: the requests left unmatched for
	// want of an attacker's name (matchRequests), "" when none.
	unmatched string
	requests  int // the requests at the fakes
}

// Merge builds a run from the fakes' records that [Serve] left in served
// and the vegeta result files of the load machines (files ending in
// [ClockFileSuffix] are their clock measurements): each attacker's times
// are put on the fakes' clock, the calls sorted and numbered anew, each
// request at a fake matched to the one call that can have made it, the
// merged load checked against the scenario's plan, and the run recorded
// in opts.Out/<scenario> and checked with the clock error added to the
// tolerance. Bad input (a file that cannot be read, a results file of
// another run, an attacker without a clock file, a clock file of no
// attacker or of another run) is an error naming the file, matching
// [ErrAttackFile], [ErrClock] or [ErrNotServed]. A merged load short of
// the plan returns the checked run and an error matching [ErrRateShort];
// its verdict says it is incomplete.
func Merge(served string, files []string, opts MergeOptions) (*Merged, error) {
	wall := time.Now()
	if opts.DriftPPM < 0 {
		return nil, fmt.Errorf("%w: drift allowance %v ppm is negative", ErrClock, opts.DriftPPM)
	}
	m, err := newMerger(served, cmp.Or(opts.DriftPPM, DefaultDriftPPM))
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cmp.Or(opts.Out, "out"), m.meta.Scenario)
	if same(dir, served) {
		return nil, fmt.Errorf("%w: the merged run would overwrite the served records in %s: give another --out", ErrNotServed, served)
	}
	var results []string
	for _, f := range files {
		if strings.HasSuffix(f, ClockFileSuffix) {
			if err := m.addClockFile(f); err != nil {
				return nil, err
			}
		} else {
			results = append(results, f)
		}
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("%w: no vegeta results files given, only clock files", ErrAttackFile)
	}
	for _, f := range results {
		if err := m.readAttackFile(f); err != nil {
			return nil, err
		}
	}
	if err := m.checkClocksUsed(); err != nil {
		return nil, err
	}
	m.sortCalls()
	deps := m.matchRequests()
	errNs := make([]int64, len(m.sources))
	for i, s := range m.sources {
		errNs[i] = s.errNs
	}
	out := &Merged{Attackers: m.attackers(), Arrival: checkArrival(m.calls, errNs, m.sc, m.meta.DurationNs)}
	for _, a := range out.Attackers {
		out.ClockError = max(out.ClockError, time.Duration(a.ErrorNs))
		out.Matched += a.Matched
	}
	out.Requests, out.Unmatched = m.requests, m.unmatched
	var rateErr error
	if out.Arrival.Short != "" {
		rateErr = fmt.Errorf("%w: %s: %s; %s", ErrRateShort, m.meta.Scenario, out.Arrival.Short, arrivalAdvice)
	}
	m.warnOffsets()
	out.Warnings = m.warnings
	res, err := m.write(dir, deps, out)
	if res != nil {
		res.Wall = time.Since(wall)
	}
	out.Result = res
	return out, errors.Join(rateErr, err)
}

// newMerger reads the served run.
func newMerger(served string, driftPPM float64) (*merger, error) {
	run, err := record.Read(served)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotServed, err)
	}
	meta := run.Meta
	switch {
	case meta.Mode != record.ModeExternal || len(meta.Dependencies) == 0 || meta.Dependencies[0].Target == "":
		return nil, fmt.Errorf("%w: %s was not recorded by breakerlab serve (mode %s, no dependency targets): give the directory serve printed", ErrNotServed, served, meta.Mode)
	case len(run.Calls) > 0:
		return nil, fmt.Errorf("%w: %s already holds %d calls (a run or a merged run): give the directory breakerlab serve recorded", ErrNotServed, served, len(run.Calls))
	}
	sc, err := scenarios.Parse(filepath.Join(served, record.MetaFile)+": scenario_yaml", []byte(meta.ScenarioYAML))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotServed, err)
	}
	return &merger{
		served: run, meta: meta, sc: sc, r: &runner{sc: sc, t0: meta.T0},
		targets: newTargetIndex(meta.Dependencies), driftPPM: driftPPM,
		clocks: map[string][]Measurement{}, used: map[string]bool{},
	}, nil
}

// addClockFile reads a clock file and checks it is of the served run.
func (m *merger) addClockFile(path string) error {
	cf, err := ReadClockFile(path)
	if err != nil {
		return err
	}
	if cf.Scenario != m.meta.Scenario || !cf.T0.Equal(m.meta.T0) {
		return fmt.Errorf("%w: %s: measured against run %s started %s, but the served run is %s started %s: a clock file of another run",
			ErrClock, path, cf.Scenario, cf.T0.Format(time.RFC3339Nano), m.meta.Scenario, m.meta.T0.Format(time.RFC3339Nano))
	}
	ms := append(m.clocks[cf.Name], cf.Measurements...)
	slices.SortFunc(ms, func(a, b Measurement) int { return a.At.Compare(b.At) })
	m.clocks[cf.Name] = ms
	return nil
}

// checkClocksUsed refuses a clock file whose attacker has no results: a
// file forgotten, or an attack named differently from its clock.
func (m *merger) checkClocksUsed() error {
	for name := range m.clocks {
		if !m.used[name] {
			var have []string
			for _, s := range m.sources {
				have = append(have, s.name+" ("+s.file+")")
			}
			return fmt.Errorf("%w: the clock file of attacker %s has no results files: the results' attack names are %s; pass its results, or name its clock after its attack (breakerlab clock --name, vegeta attack -name)",
				ErrClock, name, strings.Join(slices.Compact(have), ", "))
		}
	}
	return nil
}

// sortCalls orders the calls by start on the fakes' clock (vegeta's files
// are in the order results came back, and merged files are interleaved)
// and numbers them 0, 1, 2, … in that order.
func (m *merger) sortCalls() {
	slices.SortStableFunc(m.calls, func(a, b mergedCall) int {
		return cmp.Or(cmp.Compare(a.call.StartNs, b.call.StartNs), cmp.Compare(a.src, b.src), cmp.Compare(a.vegSeq, b.vegSeq))
	})
	for i := range m.calls {
		m.calls[i].call.Seq = uint64(i)
	}
}

// reqKey finds the calls a request at a fake can have come from: by its
// dependency, the seq the service forwarded and, when it forwarded that
// too, the attacker's name (each attacker counts from 0); attack "" means
// any attacker's call of that seq.
type reqKey struct {
	dep    string
	attack string
	seq    uint64
}

// matching is the state of matchRequests.
type matching struct {
	m       *merger
	byKey   map[reqKey][]int32
	near    []bool // per call: a request of its key arrived within its span
	claimed []bool // per call: matched to a request
	// ambiguous counts the requests that fit several calls and named no
	// attacker to tell them apart; first and last are their arrivals.
	ambiguous, withSeq int
	first, last        int64
	// orphans counts the requests with a seq that fit no call: a call the
	// service made twice, or whose results are missing.
	orphans int
}

// matchRequests returns the fakes' requests with their seqs made the
// merged calls': a request whose forwarded seq (and attacker name, when
// the service forwards it) fits exactly one call by time, among those no
// earlier request was matched to (the service calls a fake once per call),
// gets that call's seq; any other gets a seq above every call's and loses
// seq_sent, so the checker bounds it by the service's hop instead. A
// request that names its attacker is that attacker's call of its seq even
// off its span (a wrong clock offset, which warnOffsets reports). The
// requests are taken in arrival order. It counts the matches per attacker
// and the calls no request of their seq came near, and marks the run
// incomplete when requests without an attacker's name fit several calls:
// left unmatched, they would weaken the checks unseen.
func (m *merger) matchRequests() []record.DepRequest {
	mt := &matching{m: m, byKey: map[reqKey][]int32{}, near: make([]bool, len(m.calls)), claimed: make([]bool, len(m.calls))}
	reqs := slices.Clone(m.served.DepRequests)
	forwards := map[string]bool{} // deps whose requests carry the caller's seq
	for _, q := range reqs {
		forwards[q.Dep] = forwards[q.Dep] || q.SeqSent
	}
	for i, c := range m.calls {
		if c.call.Outcome != record.OutcomeRejected {
			name := fakes.AttackName(m.sources[c.src].name)
			for _, k := range [...]reqKey{{c.call.Dep, "", c.vegSeq}, {c.call.Dep, name, c.vegSeq}} {
				mt.byKey[k] = append(mt.byKey[k], int32(i))
			}
		}
	}
	next := uint64(len(m.calls))
	order := make([]int, len(reqs)) // dependency.bin is in completion order
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(reqs[a].AtNs, reqs[b].AtNs) })
	for _, qi := range order {
		q := &reqs[qi]
		if ci := mt.match(q); ci >= 0 {
			mt.claimed[ci] = true
			q.Seq = m.calls[ci].call.Seq
			m.sources[m.calls[ci].src].matched++
			continue
		}
		q.Seq, q.SeqSent, q.Attack = next, false, ""
		next++
	}
	for i, c := range m.calls {
		if c.call.Outcome != record.OutcomeRejected && forwards[c.call.Dep] {
			s := m.sources[c.src]
			s.admitted++
			if !mt.near[i] {
				s.unseen++
			}
		}
	}
	m.unmatched = mt.verdict()
	if mt.orphans > 0 {
		m.warnings = append(m.warnings, fmt.Sprintf("%d of the %d requests that carried a seq fit no call of it that had not been matched already (a call the service sent twice, or results missing): the checks bound them by the service's hop", mt.orphans, mt.withSeq))
	}
	m.requests = len(reqs)
	return reqs
}

// match returns the call request q is matched to, or -1.
func (mt *matching) match(q *record.DepRequest) int32 {
	if !q.SeqSent {
		return -1
	}
	mt.withSeq++
	match, fits, free, unclaimed := int32(-1), 0, int32(-1), 0
	for _, ci := range mt.byKey[reqKey{q.Dep, q.Attack, q.Seq}] {
		c := &mt.m.calls[ci]
		if mt.claimed[ci] {
			continue
		}
		unclaimed++
		free = ci
		e := mt.m.sources[c.src].errNs
		if q.AtNs >= c.call.StartNs-e && q.AtNs <= c.call.EndNs+e {
			mt.near[ci] = true
			fits++
			match = ci
		}
	}
	switch {
	case fits == 1:
		return match
	case fits == 0 && unclaimed == 1 && q.Attack != "":
		return free // its attacker's only call of that seq, off its span
	case fits == 0:
		mt.orphans++
	case fits > 1:
		if mt.ambiguous == 0 {
			mt.first = q.AtNs
		}
		mt.ambiguous++
		mt.last = q.AtNs
	}
	return -1
}

// verdict says which requests were left unmatched for want of an
// attacker's name, or "" when none was.
func (mt *matching) verdict() string {
	if mt.ambiguous == 0 {
		return ""
	}
	return fmt.Sprintf("%d of the %d requests that carried a seq (from %s to %s) fit more than one call of that seq: several attackers' calls, and no attacker's name forwarded to tell them apart "+
		"(or two attacks of one -name): give each attack its own -name and have the service forward X-Vegeta-Attack with X-Vegeta-Seq",
		mt.ambiguous, mt.withSeq, time.Duration(mt.first).Round(time.Millisecond), time.Duration(mt.last).Round(time.Millisecond))
}

// warnOffsets warns of an attacker most of whose answered calls have no
// request of their seq at the fake within their span: its clock offset
// looks wrong, and the checks of its calls' times would be too.
func (m *merger) warnOffsets() {
	for _, s := range m.sources {
		if s.admitted >= 20 && s.unseen*2 > s.admitted {
			m.warnings = append(m.warnings, fmt.Sprintf("%s (%s): %d of its %d calls the service admitted have no request of their seq at the fake within their span ±%s: its clock offset (%s) looks wrong; measure its clock again",
				s.name, s.file, s.unseen, s.admitted, time.Duration(s.errNs), time.Duration(s.offset)))
		}
	}
}

// attackers sums the sources up per attacker name, in the order first seen.
func (m *merger) attackers() []record.Attacker {
	var out []record.Attacker
	at := map[string]int{}
	for _, s := range m.sources {
		i, ok := at[s.name]
		if !ok {
			i = len(out)
			at[s.name] = i
			out = append(out, record.Attacker{Name: s.name, OffsetNs: s.offset})
		}
		a := &out[i]
		if !slices.Contains(a.Files, s.file) {
			a.Files = append(a.Files, s.file)
		}
		a.Calls += s.calls
		a.Matched += s.matched
		a.ErrorNs = max(a.ErrorNs, s.errNs)
	}
	return out
}

// write records the merged run in dir and checks it, with the clock error
// added to the tolerance.
func (m *merger) write(dir string, reqs []record.DepRequest, out *Merged) (*Result, error) {
	if err := clearRunDir(dir); err != nil {
		return nil, err
	}
	meta := m.meta
	meta.Attackers = out.Attackers
	meta.ClockErrorNs = int64(out.ClockError)
	meta.Shortfall = out.Arrival.Short
	meta.Unjudged = strings.Join(slices.DeleteFunc([]string{m.unmatched, out.Arrival.Bunched}, func(s string) bool { return s == "" }), "; ")
	meta.Warnings = append(slices.Clone(meta.Warnings), m.warnings...)
	for _, c := range m.calls {
		meta.EndedNs = max(meta.EndedNs, c.call.EndNs)
	}
	w, err := record.Create(dir, meta, record.WriterOptions{})
	if err != nil {
		return nil, err
	}
	for i := range m.calls {
		w.WriteCall(m.calls[i].call)
	}
	for _, q := range reqs {
		w.WriteDepRequest(q)
	}
	for _, t := range m.served.Transitions {
		w.WriteTransition(t)
	}
	for _, s := range m.served.Snapshots {
		w.WriteSnapshot(s)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	res := &Result{
		Scenario: meta.Scenario, Label: meta.Scenario, Dir: dir, Mode: scenarios.ModeExternal, Seed: uint64(meta.Seed),
		Elapsed: time.Duration(meta.EndedNs), Interrupted: meta.Interrupted,
	}
	v, inferred, err := check.Dir(dir, check.Options{Tolerance: check.DefaultExternalTolerance + out.ClockError})
	if err != nil {
		return res, fmt.Errorf("runner: checking %s: %w", dir, err)
	}
	if err := errors.Join(v.Write(dir), record.WriteInferred(dir, inferred)); err != nil {
		return res, err
	}
	res.Verdict, res.Stats = &v, v.Stats
	return res, nil
}

// same reports whether two paths name one directory.
func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
