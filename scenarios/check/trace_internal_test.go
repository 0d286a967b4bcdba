package check

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// TestTrace prints what the engine does with each event of a recorded run
// between two moments: BREAKERLAB_TRACE=DIR:FROM_NS:TO_NS go test -run
// TestTrace ./scenarios/check/. A tool for reading a verdict, not a check.
func TestTrace(t *testing.T) {
	spec := os.Getenv("BREAKERLAB_TRACE")
	if spec == "" {
		t.Skip("set BREAKERLAB_TRACE=DIR:FROM_NS:TO_NS")
	}
	var dir string
	var from, to int64
	for i := len(spec) - 1; i >= 0; i-- {
		if spec[i] == ':' {
			to, _ = strconv.ParseInt(spec[i+1:], 10, 64)
			rest := spec[:i]
			for j := len(rest) - 1; j >= 0; j-- {
				if rest[j] == ':' {
					from, _ = strconv.ParseInt(rest[j+1:], 10, 64)
					dir = rest[:j]
					break
				}
			}
			break
		}
	}
	run, err := record.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	trace = func(e *engine, i int32) {
		ev := &e.d.events[i]
		if ev.hi < from || ev.lo > to {
			return
		}
		fmt.Printf("%s trial=%v follow=%v  model %s g=%d fails=%d succs=%d probes=%d leak=%d\n",
			e.d.describeEvent(ev), e.trial, e.follow, e.m.state, e.m.g, e.m.fails, e.m.succs, e.m.probes, e.m.leak)
	}
	defer func() { trace = nil }()
	tol, _ := time.ParseDuration(os.Getenv("BREAKERLAB_TRACE_TOL")) // 0: the mode's default
	v, err := Run(run, Options{Tolerance: tol})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range v.Checks {
		for _, vi := range c.Violations {
			fmt.Println(vi.ID, vi.AtNs, vi.Message)
		}
	}
}
