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
// the scheduler's whims. simWatch notices one. The sim loop runs under a
// pprof label, which every goroutine it starts inherits; after each call
// into the breaker a cheap goroutine count is compared with what the run
// accounts for, and only when it is higher does a goroutine profile tell
// the run's own goroutines (the loop, the bridges to an Execute-only
// breaker) from the breaker's. Goroutines of the rest of the process carry
// no label and are never blamed.

// simLabel is the pprof label key of a sim run's goroutines.
const simLabel = "breakerlab-sim"

// simRuns numbers sim runs, for their label values.
var simRuns atomic.Uint64

// simWatch watches one sim run's goroutines.
type simWatch struct {
	impl    string
	label   string // this run's label value
	base    int    // the process's goroutines the run does not account for
	bridges int    // bridged Execute calls in flight (driver.go)
	warning string // set once a breaker goroutine was seen
}

// watchSim runs fn, the sim loop, under the run's label, with a watch whose
// baseline is the process's goroutines now.
func watchSim(ctx context.Context, impl string, fn func(w *simWatch)) *simWatch {
	w := &simWatch{impl: impl, label: strconv.FormatUint(simRuns.Add(1), 10)}
	pprof.Do(ctx, pprof.Labels(simLabel, w.label), func(context.Context) {
		w.base = runtime.NumGoroutine()
		fn(w)
	})
	return w
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

// foreign counts the goroutines that carry this run's label and are neither
// the sim loop nor a bridge, and names the function of the first.
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
		if err != nil || strings.Contains(rec, "runner.(*runner).runSim") || strings.Contains(rec, "runner.(*driven).allow") {
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
