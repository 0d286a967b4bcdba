package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// FaultPhases lists dependency i's fault phases for meta.json: every moment
// in [0, Duration) where the faults in force change (phase starts, flap
// edges, brown-out ramps), with a label and whether the dependency is
// healthy then (the preset and base faults only, nothing injected by the
// schedule).
func (sc *Scenario) FaultPhases(i int) []record.Phase {
	dep, duration := sc.Dependencies[i], sc.Duration
	preset, _ := fakes.Preset(dep.Preset)
	base := dep.Faults.Over(preset)
	points := []time.Duration{0}
	for _, p := range dep.Phases {
		points = append(points, p.At)
	}
	if fl := dep.Flap; fl != nil && fl.Period > 0 {
		duty := fl.Duty
		if duty == 0 {
			duty = 0.5
		}
		until := duration
		if fl.Until != 0 && fl.Until < until {
			until = fl.Until
		}
		for t := fl.At; t < until && len(points) < 10_000; t += fl.Period {
			points = append(points, t, t+time.Duration(duty*float64(fl.Period)))
		}
		points = append(points, until)
	}
	if b := dep.Brownout; b != nil {
		points = append(points, b.At, b.At+b.RampUp, b.At+b.RampUp+b.Hold, b.At+b.RampUp+b.Hold+b.RampDown)
	}
	slices.Sort(points)
	points = slices.Compact(points)

	var out []record.Phase
	for _, t := range points {
		if t < 0 || t >= duration {
			continue
		}
		f := dep.Schedule.At(t, base)
		healthy := isHealthy(f, base)
		label := dep.Schedule.Label(t)
		switch {
		case flapOn(dep.Flap, t):
			label = "flap: " + dep.Flap.Faults.Describe()
		case brownoutOn(dep.Brownout, t):
			label = fmt.Sprintf("brownout to %g%% errors", dep.Brownout.Peak*100)
		case label == "base":
			label = base.Describe()
		}
		if healthy && label == base.Describe() {
			label = "healthy"
		}
		if n := len(out); n > 0 && out[n-1].Label == label && out[n-1].Healthy == healthy {
			continue
		}
		out = append(out, record.Phase{AtNs: int64(t), Label: label, Healthy: healthy})
	}
	return out
}

// isHealthy reports whether f injects nothing beyond base, and base itself
// leaves the dependency able to answer.
func isHealthy(f, base fakes.Faults) bool {
	return !base.Down && len(base.Sequence.Steps) == 0 && f.Describe() == base.Describe()
}

// flapOn reports whether fl's faults are on at t (see fakes.Flap).
func flapOn(fl *fakes.Flap, t time.Duration) bool {
	if fl == nil || fl.Period <= 0 || t < fl.At || (fl.Until != 0 && t >= fl.Until) {
		return false
	}
	duty := fl.Duty
	if duty == 0 {
		duty = 0.5
	}
	return float64((t-fl.At)%fl.Period) < duty*float64(fl.Period)
}

// brownoutOn reports whether b's ramp is under way at t.
func brownoutOn(b *fakes.Brownout, t time.Duration) bool {
	return b != nil && t >= b.At && t < b.At+b.RampUp+b.Hold+b.RampDown
}
