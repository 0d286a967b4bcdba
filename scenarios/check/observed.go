package check

import (
	"fmt"
	"math"
	"strconv"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// observed lists the parameters each breaker showed, read off the inferred
// generations: the failure streak at each trip, each open period, the most
// probes in flight in each half-open period, and the probe successes before
// each close.
func (c *checker) observed() []record.Observed {
	var out []record.Observed
	for _, d := range c.deps {
		streak := record.Observed{Dep: d.name, Param: record.ParamFailureStreak, Expected: float64(d.cfg.FailureThreshold), Unit: "calls"}
		openFor := record.Observed{Dep: d.name, Param: record.ParamOpenFor, Expected: float64(d.cfg.RecoveryTimeoutNs) / 1e9, Unit: "s"}
		probes := record.Observed{Dep: d.name, Param: record.ParamProbes, Expected: float64(d.cfg.HalfOpenMaxCalls), Unit: "calls"}
		succs := record.Observed{Dep: d.name, Param: record.ParamSuccessesToClose, Expected: float64(d.cfg.SuccessThreshold), Unit: "calls"}
		for i := 1; i < len(d.gens); i++ {
			prev, g := &d.gens[i-1], &d.gens[i]
			if inSpans(d.unjudged, g.at) {
				continue // a stretch the engine could not judge: no evidence either way
			}
			switch {
			case prev.state == record.StateClosed && g.state == record.StateOpen:
				note(&streak, float64(prev.fails), g.exact, 0)
			case prev.state == record.StateOpen && g.state == record.StateHalfOpen:
				// The value the records allow nearest to the recovery
				// timeout: it, when it lies within the open period's
				// bounds (a match), else the nearer bound.
				rt := d.cfg.RecoveryTimeoutNs
				v := min(max(rt, g.lo-prev.hi-c.tol), g.hi-prev.lo+c.tol)
				note(&openFor, float64(max(v, 0))/1e9, prev.exact && g.exact, 0)
			case prev.state == record.StateHalfOpen && g.state == record.StateClosed:
				note(&succs, float64(prev.succs), g.exact, 0)
			}
			if g.state == record.StateHalfOpen && len(g.admitted) > 0 {
				probes.Values = append(probes.Values, float64(g.peak))
				probes.Exact++
				if g.peak <= d.cfg.HalfOpenMaxCalls {
					probes.Matching++
				}
			}
		}
		for _, o := range []record.Observed{streak, openFor, probes, succs} {
			if len(o.Values) > 0 {
				out = append(out, o)
			}
		}
	}
	return out
}

// note appends v to o; it matches the expected value within slack.
func note(o *record.Observed, v float64, exact bool, slack float64) {
	o.Values = append(o.Values, v)
	if exact {
		o.Exact++
	}
	if math.Abs(v-o.Expected) <= slack+1e-9 {
		o.Matching++
	}
}

// describeObserved renders o for people: "opened after 6 consecutive
// failures in 3 of 3 trips, expected 5".
func describeObserved(o record.Observed) string {
	n := len(o.Values)
	switch o.Param {
	case record.ParamFailureStreak:
		return fmt.Sprintf("%s: opened after %s consecutive failures, expected %g (%s)", o.Dep, spread(o), o.Expected, occasions(o, "trip", "trips"))
	case record.ParamOpenFor:
		return fmt.Sprintf("%s: open for %s s, expected %g s (%s)", o.Dep, spread(o), o.Expected, occasions(o, "open period", "open periods"))
	case record.ParamProbes:
		return fmt.Sprintf("%s: at most %s probes in flight, limit %g (%d half-open %s)", o.Dep, spread(o), o.Expected, n, pluralWord(n, "period", "periods"))
	case record.ParamSuccessesToClose:
		return fmt.Sprintf("%s: closed after %s probe successes, expected %g (%s)", o.Dep, spread(o), o.Expected, occasions(o, "recovery", "recoveries"))
	}
	return o.Param
}

// spread renders the values: one number when all agree, else the mean ±
// the standard deviation and the range.
func spread(o record.Observed) string {
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range o.Values {
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	if lo == hi {
		return num(lo)
	}
	mean := sum / float64(len(o.Values))
	ss := 0.0
	for _, v := range o.Values {
		ss += (v - mean) * (v - mean)
	}
	return fmt.Sprintf("%s ± %s (%s–%s)", num(mean), num(math.Sqrt(ss/float64(len(o.Values)))), num(lo), num(hi))
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// occasions says how many of the occasions matched: "3 of 3 trips as
// expected".
func occasions(o record.Observed, one, many string) string {
	n := len(o.Values)
	s := fmt.Sprintf("%d of %d %s as expected", o.Matching, n, pluralWord(n, one, many))
	if o.Exact < n {
		s += fmt.Sprintf("; %d bounded by the calls around %s, not pinned", n-o.Exact, pluralWord(n-o.Exact, "it", "them"))
	}
	return s
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
