package runner

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// A sim run is reproducible from its seed only if the breaker does all its
// work in the goroutine that calls it: one that starts goroutines (a timer,
// a listener called asynchronously, Execute with its own timeout) runs on
// the scheduler's whims. simWatch notices one. Each call into the breaker
// runs under a pprof label, which every goroutine it starts inherits. The
// runtime's count of goroutines created, read after the calls (see leave
// for how often), says whether any goroutine was started since the last
// read (anywhere in the process); only then does a goroutine profile look for goroutines that
// carry the run's label, which only the breaker's do: the rest of the
// process's (the record writer's, a progress printer's, other tests') carry
// none, and so do the bridges to an Execute-only breaker (driver.go) at
// every check, for they take the label off while they wait for Done and
// before they end (park).

// simLabel is the pprof label key of a sim run's calls into its breakers.
const simLabel = "breakerlab-sim"

// createdMetric counts the goroutines the process has created.
const createdMetric = "/sched/goroutines-created:goroutines"

// watchEvery: see leave.
const watchEvery = 4096

// simRuns numbers sim runs, for their label values.
var simRuns atomic.Uint64

// simWatch watches one sim run's breakers for goroutines.
type simWatch struct {
	impl    string
	label   string          // this run's label value
	on, off context.Context // the labels inside a call into the breaker, and outside
	created []metrics.Sample
	last    uint64 // goroutines created at the last read
	alive   int    // goroutines alive at the last read
	bridges uint64 // bridges started since the last read (driver.go)
	calls   int    // calls into the breaker so far
	warning string // set once a breaker goroutine was seen
}

// newSimWatch returns a watch for a sim run of implementation impl.
func newSimWatch(ctx context.Context, impl string) *simWatch {
	w := &simWatch{impl: impl, label: strconv.FormatUint(simRuns.Add(1), 10), off: ctx,
		created: []metrics.Sample{{Name: createdMetric}}}
	w.on = pprof.WithLabels(ctx, pprof.Labels(simLabel, w.label))
	w.last, w.alive = w.goroutinesCreated(), runtime.NumGoroutine()
	return w
}

// enter labels this goroutine before a call into the breaker.
func (w *simWatch) enter() { pprof.SetGoroutineLabels(w.on) }

// leave takes the label off after a call into the breaker at run time at
// (-1: while the breakers are created) and looks for goroutines it started.
// Reading the count of goroutines created costs as much as a call into a
// fast breaker, so after the first watchEvery calls it is read only on
// every watchEvery-th call, or when more goroutines are alive than at the
// last read: a breaker that starts goroutines at every call is named at
// the first, one that starts a lasting goroutine now and then (a timer) at
// most watchEvery calls later, while it lives.
func (w *simWatch) leave(at time.Duration) {
	pprof.SetGoroutineLabels(w.off)
	if w.warning != "" {
		return
	}
	w.calls++
	if w.calls > watchEvery && w.calls%watchEvery != 0 && runtime.NumGoroutine() <= w.alive {
		return
	}
	created := w.goroutinesCreated()
	started, bridges := created-w.last, w.bridges
	w.last, w.bridges, w.alive = created, 0, runtime.NumGoroutine()
	if started <= bridges {
		return // none started, but the bridges the calls started, if any
	}
	n, first := w.labelled()
	if n == 0 {
		return // goroutines elsewhere in the process, or ended already
	}
	when := "when created"
	if at >= 0 {
		when = "by " + at.String() + " of the run"
	}
	w.warning = fmt.Sprintf("sim: breaker %q started %d goroutine(s) %s (%s): a sim run is exactly reproducible from its seed only if the breaker works in the goroutine that calls it; the checks still judge what it did",
		w.impl, n, when, first)
}

// bridge notes that the call in progress started a bridge, a goroutine of
// the runner's own that calls Execute (driver.go).
func (w *simWatch) bridge() { w.bridges++ }

// park takes the label off a bridge while it waits for Done and before it
// ends; unpark puts it back while the breaker runs on it.
func (w *simWatch) park()   { pprof.SetGoroutineLabels(w.off) }
func (w *simWatch) unpark() { pprof.SetGoroutineLabels(w.on) }

// goroutinesCreated is how many goroutines the process has created.
func (w *simWatch) goroutinesCreated() uint64 {
	metrics.Read(w.created)
	if w.created[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return w.created[0].Value.Uint64()
}

// labelled counts the goroutines that carry this run's label and names the
// function of the first.
func (w *simWatch) labelled() (n int, first string) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return 0, ""
	}
	return countLabelled(buf.String(), fmt.Sprintf(`%q:%q`, simLabel, w.label))
}

// countLabelled counts the goroutines of a goroutine profile (debug=1)
// whose labels hold want, and names the function of the first. After the
// "goroutine profile: total N" line, records are blank-line separated:
// "N @ pcs", "# labels: {…}" if the goroutines carry labels, then one
// "#\tpc\tfunc+off\tfile:line" line per frame, innermost first.
func countLabelled(profile, want string) (n int, first string) {
	_, profile, _ = strings.Cut(profile, "\n")
	for rec := range strings.SplitSeq(profile, "\n\n") {
		lines := strings.Split(strings.TrimLeft(rec, "\n"), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "# labels: ") || !strings.Contains(lines[1], want) {
			continue
		}
		count, _, _ := strings.Cut(lines[0], " @")
		k, err := strconv.Atoi(strings.TrimSpace(count))
		if err != nil {
			continue
		}
		if n == 0 {
			first = firstFunc(lines[2:])
		}
		n += k
	}
	return n, first
}

// firstFunc is the innermost function of a goroutine profile's frame lines
// outside the runtime.
func firstFunc(frames []string) string {
	for _, line := range frames {
		fields := strings.Fields(line) // "#", pc, "func+0x…", "file:line"
		if len(fields) < 3 || strings.HasPrefix(fields[2], "runtime.") {
			continue
		}
		f, _, _ := strings.Cut(fields[2], "+0x")
		return f
	}
	return "unknown"
}
