package runner

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
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
// runs under a pprof label, which every goroutine it starts inherits; after
// it a cheap goroutine count is compared with what the run accounts for,
// and only when it is higher does a goroutine profile tell the breaker's
// goroutines from the bridges to an Execute-only breaker (driver.go) and
// from the rest of the process's (the record writer's, a progress
// printer's, other tests'), which carry no label.

// simLabel is the pprof label key of a sim run's calls into its breakers.
const simLabel = "breakerlab-sim"

// simRuns numbers sim runs, for their label values.
var simRuns atomic.Uint64

// simWatch watches one sim run's breakers for goroutines.
type simWatch struct {
	impl    string
	label   string          // this run's label value
	on, off context.Context // the labels inside a call into the breaker, and outside
	base    int             // the process's goroutines the run does not account for
	bridges int             // bridged Execute calls in flight (driver.go)
	warning string          // set once a breaker goroutine was seen
}

// newSimWatch returns a watch for a sim run of implementation impl whose
// baseline is the process's goroutines now.
func newSimWatch(ctx context.Context, impl string) *simWatch {
	w := &simWatch{impl: impl, label: strconv.FormatUint(simRuns.Add(1), 10), off: ctx}
	w.on = pprof.WithLabels(ctx, pprof.Labels(simLabel, w.label))
	w.base = runtime.NumGoroutine()
	return w
}

// enter labels this goroutine before a call into the breaker.
func (w *simWatch) enter() { pprof.SetGoroutineLabels(w.on) }

// leave takes the label off after a call into the breaker at run time at
// (-1: while the breakers are created) and looks for goroutines it started.
func (w *simWatch) leave(at time.Duration) {
	pprof.SetGoroutineLabels(w.off)
	w.check(at)
}

// check looks for goroutines the breaker started, at run time at (-1:
// while the breakers were created).
func (w *simWatch) check(at time.Duration) {
	if w.warning != "" {
		return
	}
	n := runtime.NumGoroutine()
	if n <= w.base+w.bridges {
		w.base = min(w.base, n-w.bridges) // goroutines elsewhere ended
		return
	}
	foreign, first := w.foreign()
	if foreign == 0 {
		// Goroutines elsewhere in the process, or a bridge on its way out.
		w.base = n - w.bridges
		return
	}
	when := "when created"
	if at >= 0 {
		when = "by " + at.String() + " of the run"
	}
	w.warning = fmt.Sprintf("sim: breaker %q started %d goroutine(s) %s (%s): a sim run is exactly reproducible from its seed only if the breaker works in the goroutine that calls it; the checks still judge what it did",
		w.impl, foreign, when, first)
}

// foreign counts the goroutines that carry this run's label and are not
// bridges, and names the function of the first.
func (w *simWatch) foreign() (n int, first string) {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return 0, ""
	}
	want := fmt.Sprintf(`%q:%q`, simLabel, w.label)
	// Records are blank-line separated: "N @ pcs", "# labels: {…}", then
	// one "#\tpc\tfunc+off\tfile:line" line per frame, innermost first.
	for rec := range strings.SplitSeq(buf.String(), "\n\n") {
		lines := strings.Split(rec, "\n")
		if len(lines) < 3 || !strings.HasPrefix(lines[1], "# labels: ") || !strings.Contains(lines[1], want) {
			continue
		}
		count, _, _ := strings.Cut(lines[0], " @")
		k, err := strconv.Atoi(strings.TrimSpace(count))
		if err != nil || strings.Contains(rec, "runner.(*driven).allow") {
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
