package record

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/breakerlab/breakerlab/internal/hist"
	"github.com/breakerlab/breakerlab/internal/timeheap"
)

// windows is the Writer's filter at the windows level. Per dependency, the
// calls are taken in the order they ended (put back in it first, outside
// sim: call) and fall into runs of like calls (same outcome, reject reason,
// error, fallback and generation: callClass). Of a run of successes or of
// rejections it keeps the first k calls and the last k, and folds the ones
// in between into Omitted records, one per kind of call and second of
// start; failures and cancellations are kept (omissible), but for a short
// streak of them, with fewer failures than the failure threshold, in the
// middle of a run of successes (foldCall): with k successes on either
// side, the breaker stayed closed through it, and a long soak's random
// failures would otherwise keep 2k+1 calls each. A call in the middle of a
// run is not yet known to be there when it is taken: the last k calls wait
// in a ring, and a call pushed out of the ring by a (k+1)-th like one is in
// the middle.
//
// A request at a fake belongs with its call (the same dep and seq): it
// waits while its call is undecided, then is written or folded with it.
type windows struct {
	mu      sync.Mutex
	closed  bool
	k       int
	reorder bool  // calls may come out of the order they ended (not sim)
	meta    *Meta // the run's: its dependencies' failure thresholds (foldCall)
	deps    map[string]*depWindow
	list    []*depWindow // deps in the order they first came, for a fixed output order
	// decided remembers the latest decisions (kept or omitted) on
	// admitted calls whose request had not come yet, for a request
	// recorded after its call.
	decided map[callKey]decision
	order   []callKey // decided keys, oldest first, at most maxDecided
	next    int       // where order's next key goes once it is full

	writeCall    func(Call)
	writeRequest func(DepRequest)
	writeOmitted func(*Omitted)
}

// maxDecided bounds how many decisions windows remembers. A request is
// recorded while or just after its call runs, long before this many calls
// more were decided; one recorded later is written, as with no decision.
const maxDecided = 1 << 16

type callKey struct {
	dep string
	seq uint64
}

// decision is what became of a call: kept, or omitted with its outcome.
type decision struct {
	kept    bool
	outcome Outcome
}

type callClass struct {
	outcome  Outcome
	reject   string
	err      string
	fallback bool
	gen      uint64
}

func classOf(c *Call) callClass {
	return callClass{c.Outcome, c.Reject, c.Err, c.Fallback, c.Gen}
}

// depWindow is one dependency's run of like calls.
type depWindow struct {
	name    string
	class   callClass
	started bool
	head    int // calls of this run kept at its head, up to k
	// waiting holds calls back, by end, until no earlier-ending call can
	// still come (call).
	waiting   timeheap.Heap[Call]
	latestEnd int64
	lastEnd   int64 // the end of the last call taken
	// early counts calls that reached the recorder after a call that
	// ended later: the runs are then not what they seem.
	early int
	// tail is a ring of the last calls after the head, at most k: n of
	// them from tail[first], wrapping.
	tail     []Call
	first, n int
	// open holds the Omitted records being filled, one per kind of call
	// and second of start; they are written once a later second begins.
	open      []*Omitted
	openClass []callClass // the kind of each open record
	second    int64       // the latest second of start an omitted call had
	// pending holds the requests whose call has not been decided, by seq
	// (more holds a second and later request of one seq).
	pending map[uint64]DepRequest
	more    map[uint64][]DepRequest
	// fold holds a streak of failures and cancellations in the middle of
	// a run of successes, then the successes after it, while it is
	// undecided (foldCall): foldStreak calls (foldFails of them failures)
	// that had all ended by foldEnd, then successes, foldSuccs of them
	// started after foldEnd, the first of which ended at foldReset.
	fold                             []Call
	foldStreak, foldFails, foldSuccs int
	foldEnd, foldReset               int64
	trip                             int // the dependency's failure threshold
}

// takeRequests removes and returns the requests of call seq.
func (d *depWindow) takeRequests(seq uint64) (first DepRequest, more []DepRequest, ok bool) {
	first, ok = d.pending[seq]
	if !ok {
		return first, nil, false
	}
	delete(d.pending, seq)
	if len(d.more) > 0 {
		more = d.more[seq]
		delete(d.more, seq)
	}
	return first, more, true
}

// newWindows returns the filter for a run of meta's dependencies, keeping
// k calls at either end of each run.
func newWindows(k int, meta *Meta, call func(Call), req func(DepRequest), omitted func(*Omitted)) *windows {
	return &windows{k: k, reorder: meta.Mode != ModeSim, meta: meta, deps: make(map[string]*depWindow),
		decided: make(map[callKey]decision), writeCall: call, writeRequest: req, writeOmitted: omitted}
}

func (w *windows) dep(name string) *depWindow {
	d := w.deps[name]
	if d == nil {
		md, _ := w.meta.Dependency(name) // one meta.json does not name: the defaults
		d = &depWindow{name: name, tail: make([]Call, w.k), pending: make(map[uint64]DepRequest), more: make(map[uint64][]DepRequest),
			trip: md.Breaker.WithDefaults().FailureThreshold}
		w.deps[name] = d
		w.list = append(w.list, d)
	}
	return d
}

// Calls reach the recorder about in the order they ended: in live mode
// each handler writes its call after it measured the end, so concurrent
// ones cross. Outside sim mode (whose one goroutine writes them in order)
// the filter holds calls back until no call that ended earlier can still
// come: reorderNs after the latest end it has seen, or once maxReorder
// calls wait.
const (
	reorderNs  = int64(250 * time.Millisecond)
	maxReorder = 1 << 16
)

func (w *windows) call(c Call) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	d := w.dep(c.Dep)
	if !w.reorder {
		w.take(d, c)
		return nil
	}
	d.waiting.Push(c.EndNs, c)
	d.latestEnd = max(d.latestEnd, c.EndNs)
	for d.waiting.Len() > 0 && (d.waiting.Min() <= d.latestEnd-reorderNs || d.waiting.Len() > maxReorder) {
		w.take(d, d.waiting.Pop())
	}
	return nil
}

// take runs c, the next call by end, through d's runs.
func (w *windows) take(d *depWindow, c Call) {
	if c.EndNs < d.lastEnd {
		d.early++
	}
	d.lastEnd = max(d.lastEnd, c.EndNs)
	if !w.foldCall(d, &c) {
		w.run(d, c)
	}
}

// foldCall holds c back if it may be part of a short streak of failures
// and cancellations in the middle of a run of successes (one with its k
// calls at the head kept), or of the successes after one, and decides the
// streak: once k successes of the run that started after the streak had
// ended follow it (their results surely reached the breaker after the
// streak's, also in live mode, where concurrent results cross), its calls
// are folded into Omitted records, with ResetNs the end of the first of
// them, and the successes go on with the run; anything else first, a
// streak of more than k calls, or one with as many failures as the failure
// threshold, and the held calls are run as they came. It reports whether
// it held c. A cancellation neither counts nor resets, so it may sit among
// the failures, and so may a success that started before the streak ended.
func (w *windows) foldCall(d *depWindow, c *Call) bool {
	inRun := d.started && d.class.outcome == OutcomeSuccess && d.head >= w.k
	switch {
	case !inRun:
		return false
	case (c.Outcome == OutcomeIgnored || c.Outcome == OutcomeFailure && d.foldFails+1 < d.trip) &&
		c.Gen == d.class.gen && d.foldSuccs == 0 && d.foldStreak < w.k:
		d.fold = append(d.fold, *c)
		d.foldStreak++
		d.foldEnd = max(d.foldEnd, c.EndNs)
		if c.Outcome == OutcomeFailure {
			d.foldFails++
		}
		return true
	case len(d.fold) > 0 && classOf(c) == d.class:
		d.fold = append(d.fold, *c)
		if c.StartNs <= d.foldEnd {
			return true // its result may have reached the breaker before the streak's
		}
		if d.foldSuccs++; d.foldSuccs == 1 {
			d.foldReset = c.EndNs
		}
		if d.foldSuccs == w.k {
			w.foldStreak(d)
		}
		return true
	}
	w.unfold(d)
	return false
}

// foldStreak folds the held streak's calls into Omitted records, and runs
// the successes held after it.
func (w *windows) foldStreak(d *depWindow) {
	for i := range d.fold {
		if f := &d.fold[i]; f.Outcome != OutcomeSuccess {
			o := w.omit(d, f, classOf(f))
			o.ResetNs = max(o.ResetNs, d.foldReset)
		} else {
			w.run(d, *f)
		}
	}
	d.clearFold()
}

// unfold runs the calls foldCall held, as they came.
func (w *windows) unfold(d *depWindow) {
	held := d.fold
	d.clearFold()
	for _, c := range held {
		w.run(d, c)
	}
}

func (d *depWindow) clearFold() {
	d.fold, d.foldStreak, d.foldFails, d.foldSuccs, d.foldEnd, d.foldReset = d.fold[:0], 0, 0, 0, 0, 0
}

// run takes c into d's runs of like calls.
func (w *windows) run(d *depWindow, c Call) {
	if cls := classOf(&c); !d.started || cls != d.class {
		w.endRun(d)
		d.class, d.started, d.head = cls, true, 0
	}
	if d.head < w.k || !omissible(c.Outcome) {
		d.head++
		w.keep(d, c)
		return
	}
	if d.n == w.k { // the oldest is in the middle of the run
		w.omit(d, &d.tail[d.first], d.class)
		d.tail[d.first] = c
		d.first = (d.first + 1) % w.k
		return
	}
	d.tail[(d.first+d.n)%w.k] = c
	d.n++
	return
}

// omissible reports whether calls of outcome o may be left out of the
// middle of a run of like calls: successes (a circuit that keeps admitting
// and succeeding is closed, and nothing changes) and rejections (one that
// keeps rejecting is open, and nothing changes). Not failures, which
// count until the circuit opens, nor cancellations, which free probe slots
// and may repeat in a half-open circuit.
func omissible(o Outcome) bool { return o == OutcomeSuccess || o == OutcomeRejected }

// endRun keeps the tail of d's run and writes what it omitted.
func (w *windows) endRun(d *depWindow) {
	for i := range d.n {
		w.keep(d, d.tail[(d.first+i)%w.k])
	}
	d.first, d.n = 0, 0
}

func (w *windows) keep(d *depWindow, c Call) {
	w.writeCall(c)
	first, more, ok := d.takeRequests(c.Seq)
	switch {
	case ok:
		w.writeRequest(first)
		for _, r := range more {
			w.writeRequest(r)
		}
	case c.Outcome != OutcomeRejected:
		w.remember(callKey{c.Dep, c.Seq}, decision{kept: true})
	}
}

// omit folds c, a call of kind cls, into d's open Omitted record of its
// kind and second, with its requests, and returns the record. Runs of one
// kind broken by other calls share the record, so a run of hours has a
// line per kind and second, however often it changed.
func (w *windows) omit(d *depWindow, c *Call, cls callClass) *Omitted {
	sec := c.StartNs / 1e9
	if sec > d.second {
		w.emit(d)
		d.second = sec
	}
	var o *Omitted
	for i, open := range d.open {
		if open.StartNs/1e9 == sec && d.openClass[i] == cls {
			o = open
			break
		}
	}
	if o == nil {
		o = &Omitted{Dep: c.Dep, Outcome: c.Outcome, Reject: c.Reject, Err: c.Err, Fallback: c.Fallback, Gen: c.Gen,
			StartNs: c.StartNs, EndNs: c.EndNs, Latency: hist.New(hist.Fine)}
		d.open, d.openClass = append(d.open, o), append(d.openClass, cls)
	}
	o.Calls++
	o.StartNs, o.EndNs = min(o.StartNs, c.StartNs), max(o.EndNs, c.EndNs)
	o.Latency.Add(c.EndNs - c.StartNs)
	first, more, ok := d.takeRequests(c.Seq)
	switch {
	case ok:
		o.addRequest(&first)
		for i := range more {
			o.addRequest(&more[i])
		}
	case c.Outcome != OutcomeRejected:
		w.remember(callKey{c.Dep, c.Seq}, decision{outcome: c.Outcome})
	}
	return o
}

func (o *Omitted) addRequest(r *DepRequest) {
	o.Requests++
	if o.Faults == nil {
		o.Faults = make(map[string]int64)
	}
	fault := r.Fault
	if fault == "" {
		fault = "none"
	}
	o.Faults[fault]++
}

// emit writes d's open Omitted records.
func (w *windows) emit(d *depWindow) {
	for _, o := range d.open {
		w.writeOmitted(o)
	}
	d.open, d.openClass = d.open[:0], d.openClass[:0]
}

func (w *windows) remember(key callKey, dec decision) {
	if len(w.order) < maxDecided {
		w.order = append(w.order, key)
	} else {
		delete(w.decided, w.order[w.next])
		w.order[w.next] = key
		w.next = (w.next + 1) % maxDecided
	}
	w.decided[key] = dec
}

func (w *windows) request(r DepRequest) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if r.Attack != "" {
		w.writeRequest(r)
		return nil
	}
	d := w.dep(r.Dep)
	dec, ok := decision{}, false
	if len(w.decided) > 0 {
		dec, ok = w.decided[callKey{r.Dep, r.Seq}]
	}
	switch {
	case ok && dec.kept:
		w.writeRequest(r)
	case ok: // its call was omitted, and its record may be written: count it alone
		o := &Omitted{Dep: r.Dep, Outcome: dec.outcome, StartNs: r.AtNs, EndNs: r.AtNs}
		o.addRequest(&r)
		w.writeOmitted(o)
	default:
		if _, dup := d.pending[r.Seq]; dup {
			d.more[r.Seq] = append(d.more[r.Seq], r)
		} else {
			d.pending[r.Seq] = r
		}
	}
	return nil
}

// close ends every run (its tail is kept) and writes the requests whose
// call never came. It returns a warning for each dependency whose calls
// did not come in the order they ended.
func (w *windows) close() (warnings []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, d := range w.list {
		for d.waiting.Len() > 0 {
			w.take(d, d.waiting.Pop())
		}
		w.unfold(d) // undecided: kept
		w.endRun(d)
		w.emit(d)
		if d.early > 0 {
			warnings = append(warnings, fmt.Sprintf("record: %s: %d calls reached the recorder after calls that ended later; the windows level reads the order calls came in as the order they ended, so the checks near them may lack omitted calls", d.name, d.early))
		}
	}
	for _, d := range w.list {
		for _, seq := range slices.Sorted(maps.Keys(d.pending)) {
			first, more, _ := d.takeRequests(seq)
			w.writeRequest(first)
			for _, r := range more {
				w.writeRequest(r)
			}
		}
	}
	return warnings
}
