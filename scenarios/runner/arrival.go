package runner

import (
	"fmt"
	"time"

	"github.com/breakerlab/breakerlab/scenarios"
)

// arrivalWindows is how many equal windows the merged load is checked in:
// an attacker that started late or stopped early leaves a window short
// even when the others' surplus makes up the total.
const arrivalWindows = 10

// minWindowCalls is the fewest calls a window must be planned to hold to
// be judged on its own: with fewer, the few calls an attack that starts a
// moment late misses, or the hits its pacing puts on either side of a
// window edge, weigh too much.
const minWindowCalls = 100

// Arrival is the merged load of the attackers against the scenario's plan,
// on the fakes' clock, over the scenario's duration.
type Arrival struct {
	Planned  float64 // calls the load profile plans over the duration
	Achieved int     // calls that began within it
	// Worst is the window with the least share of its planned calls.
	Worst ArrivalWindow
	// Short says how the load fell short of the plan: the whole run, or a
	// window, under 90% of its planned calls, e.g. "the merged load: 224
	// calls of 450 planned (50%) from 0s to 4.5s". Empty when it kept up.
	Short string
	// Bunched says how the attackers' calls came together rather than
	// spread as the plan has them: over a quarter of the merged calls
	// began within 3/4 of the planned interval of another attacker's
	// previous call. Calls the plan spaces then overlap, and a breaker's
	// count can be off by one unseen. Empty when they were spread.
	Bunched string
	// Close counts the calls that began that close to another attacker's.
	Close int
}

// ArrivalWindow is one window of the arrival check.
type ArrivalWindow struct {
	From, To time.Duration
	Planned  float64
	Achieved int
}

// Share is the achieved share of the planned calls (1 when none planned).
func (w ArrivalWindow) Share() float64 {
	if w.Planned <= 0 {
		return 1
	}
	return float64(w.Achieved) / w.Planned
}

// checkArrival counts the calls that began in each tenth of the duration
// and compares them with what the scenario's load profile plans there. A
// call within its attacker's clock error (errNs, by source) of the run's
// start or end counts in the first or last tenth.
func checkArrival(calls []mergedCall, errNs []int64, sc *scenarios.Scenario, durationNs int64) Arrival {
	d := time.Duration(durationNs)
	shape := sc.Load.Shape(d)
	ws := make([]ArrivalWindow, arrivalWindows)
	for i := range ws {
		ws[i].From, ws[i].To = d*time.Duration(i)/arrivalWindows, d*time.Duration(i+1)/arrivalWindows
		ws[i].Planned = shape.Hits(ws[i].To) - shape.Hits(ws[i].From)
	}
	a := Arrival{Planned: shape.Hits(d)}
	for _, c := range calls {
		at, e := c.call.StartNs, errNs[c.src]
		if at < -e || at >= durationNs+e {
			continue
		}
		a.Achieved++
		ws[min(max(int(at*arrivalWindows/durationNs), 0), arrivalWindows-1)].Achieved++
	}
	a.Worst = ws[0]
	for _, w := range ws {
		if w.Planned >= minWindowCalls && (a.Worst.Planned < minWindowCalls || w.Share() < a.Worst.Share()) {
			a.Worst = w
		}
	}
	total := ArrivalWindow{To: d, Planned: a.Planned, Achieved: a.Achieved}
	rate := func(w ArrivalWindow) string {
		return fmt.Sprintf("%d calls of %.0f planned (%.0f%%) from %s to %s", w.Achieved, w.Planned, 100*w.Share(), w.From, w.To)
	}
	switch {
	case total.Share() < minAchievedShare:
		a.Short = "the merged load: " + rate(total)
	case a.Worst.Planned >= minWindowCalls && a.Worst.Share() < minAchievedShare:
		a.Short = "the merged load in a tenth of the run: " + rate(a.Worst)
	}
	a.Close = closeCalls(calls, ws)
	if a.Achieved > 0 && 4*a.Close > a.Achieved {
		a.Bunched = fmt.Sprintf("the attackers' calls came in bunches: %d of %d calls began within 3/4 of the planned interval of another attacker's call (attacks in step, their --slot stagger lost to the start-up of vegeta): "+
			"the calls the plan spaces overlapped, and a breaker's count can be off by one unseen; run again (the attacks' phases fall anew each run)", a.Close, a.Achieved)
	}
	return a
}

// closeCalls counts the calls (sorted by start) that began within 3/4 of
// the planned interval of their window (ws) after the previous call, when
// that call was another attacker's.
func closeCalls(calls []mergedCall, ws []ArrivalWindow) int {
	n := 0
	for i := 1; i < len(calls); i++ {
		prev, c := &calls[i-1], &calls[i]
		if prev.src == c.src {
			continue
		}
		w := ws[min(max(int(c.call.StartNs*arrivalWindows/int64(ws[len(ws)-1].To)), 0), arrivalWindows-1)]
		if w.Planned <= 0 {
			continue
		}
		interval := float64(w.To-w.From) / w.Planned
		if float64(c.call.StartNs-prev.call.StartNs) < 0.75*interval {
			n++
		}
	}
	return n
}

// arrivalAdvice is what to do about a merged load short of the plan.
const arrivalAdvice = "run one attack per load machine at the plan's rate divided by the number of machines, for the scenario's duration, each started when 'breakerlab clock --wait' returns, and merge every machine's files"
