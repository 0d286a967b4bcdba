package record

import (
	"cmp"
	"maps"
	"slices"
	"sync"

	"github.com/breakerlab/breakerlab/internal/hist"
)

// windows is the Writer's filter at the windows level. Per dependency, the
// calls come in the order they end and fall into runs of like calls (same
// outcome, reject reason, error, fallback and generation: callClass). Of
// each run it keeps the first k calls and the last k, and folds the ones
// in between into Omitted records, one per second of start time (so a
// killed run loses at most the last second's aggregate and k calls a
// dependency, which were not yet written). A call in
// the middle of a run is not yet known to be there when it is written: the
// last k calls wait in a ring, and a call pushed out of the ring by a
// (k+1)-th like one is in the middle.
//
// A request at a fake belongs with its call (the same dep and seq): it
// waits while its call is undecided, then is written or folded with it.
type windows struct {
	mu     sync.Mutex
	closed bool
	k      int
	deps   map[string]*depWindow
	list   []*depWindow // deps in the order they first came, for a fixed output order
	// pending holds requests whose call has not been decided; decided
	// remembers the latest decisions (kept or omitted), for requests
	// recorded after their call.
	pending map[callKey][]DepRequest
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
	// tail is a ring of the last calls after the head, at most k: n of
	// them from tail[first], wrapping.
	tail     []Call
	first, n int
	open     *Omitted
}

func newWindows(k int, call func(Call), req func(DepRequest), omitted func(*Omitted)) *windows {
	return &windows{k: k, deps: make(map[string]*depWindow), pending: make(map[callKey][]DepRequest),
		decided: make(map[callKey]decision), writeCall: call, writeRequest: req, writeOmitted: omitted}
}

func (w *windows) call(c Call) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	d := w.deps[c.Dep]
	if d == nil {
		d = &depWindow{name: c.Dep, tail: make([]Call, w.k)}
		w.deps[c.Dep] = d
		w.list = append(w.list, d)
	}
	if cls := classOf(&c); !d.started || cls != d.class {
		w.endRun(d)
		d.class, d.started, d.head = cls, true, 0
	}
	if d.head < w.k {
		d.head++
		w.keep(c)
		return nil
	}
	if d.n == w.k { // the oldest is in the middle of the run
		w.omit(d, &d.tail[d.first])
		d.tail[d.first] = c
		d.first = (d.first + 1) % w.k
		return nil
	}
	d.tail[(d.first+d.n)%w.k] = c
	d.n++
	return nil
}

// endRun keeps the tail of d's run and writes what it omitted.
func (w *windows) endRun(d *depWindow) {
	for i := range d.n {
		w.keep(d.tail[(d.first+i)%w.k])
	}
	d.first, d.n = 0, 0
	w.emit(d)
}

func (w *windows) keep(c Call) {
	w.writeCall(c)
	key := callKey{c.Dep, c.Seq}
	for _, r := range w.pending[key] {
		w.writeRequest(r)
	}
	delete(w.pending, key)
	w.remember(key, decision{kept: true})
}

// omit folds c into d's open Omitted record, with its requests.
func (w *windows) omit(d *depWindow, c *Call) {
	if d.open != nil && d.open.StartNs/1e9 != c.StartNs/1e9 {
		w.emit(d)
	}
	o := d.open
	if o == nil {
		o = &Omitted{Dep: c.Dep, Outcome: c.Outcome, Reject: c.Reject, Err: c.Err, Fallback: c.Fallback, Gen: c.Gen,
			StartNs: c.StartNs, EndNs: c.EndNs, Latency: hist.New(hist.Fine)}
		d.open = o
	}
	o.Calls++
	o.StartNs, o.EndNs = min(o.StartNs, c.StartNs), max(o.EndNs, c.EndNs)
	o.Latency.Add(c.EndNs - c.StartNs)
	key := callKey{c.Dep, c.Seq}
	for i := range w.pending[key] {
		o.addRequest(&w.pending[key][i])
	}
	delete(w.pending, key)
	w.remember(key, decision{outcome: c.Outcome})
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

// emit writes d's open Omitted record, if any.
func (w *windows) emit(d *depWindow) {
	if d.open != nil {
		w.writeOmitted(d.open)
		d.open = nil
	}
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
	key := callKey{r.Dep, r.Seq}
	dec, ok := w.decided[key]
	switch {
	case r.Attack != "" || (ok && dec.kept):
		w.writeRequest(r)
	case ok: // its call was omitted, and its record may be written: count it alone
		o := &Omitted{Dep: r.Dep, Outcome: dec.outcome, StartNs: r.AtNs, EndNs: r.AtNs}
		o.addRequest(&r)
		w.writeOmitted(o)
	default:
		w.pending[key] = append(w.pending[key], r)
	}
	return nil
}

// close ends every run (its tail is kept) and writes the requests whose
// call never came.
func (w *windows) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, d := range w.list {
		w.endRun(d)
	}
	keys := slices.SortedFunc(maps.Keys(w.pending), func(a, b callKey) int {
		return cmp.Or(cmp.Compare(a.dep, b.dep), cmp.Compare(a.seq, b.seq))
	})
	for _, k := range keys {
		for _, r := range w.pending[k] {
			w.writeRequest(r)
		}
	}
	clear(w.pending)
}
