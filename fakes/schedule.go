package fakes

import (
	"fmt"
	"math"
	"time"
)

// Schedule changes a fake's faults over time. It is a pure function of the
// time elapsed since the fake started (or was reset, or got this schedule):
// [Schedule.At] gives the faults in force at any offset, so the same
// schedule replays identically under a virtual clock.
//
// At an offset, the faults are the last phase that has begun laid over the
// fake's base faults (the preset and Config.Faults); then, while the flap is
// on, its faults laid over those; then the brown-out raises the error rate.
type Schedule struct {
	Phases   []Phase   `yaml:"phases,omitempty" json:"phases,omitempty"`     // in increasing At order
	Flap     *Flap     `yaml:"flap,omitempty" json:"flap,omitempty"`         // nil: no flapping
	Brownout *Brownout `yaml:"brownout,omitempty" json:"brownout,omitempty"` // nil: no brown-out
}

// Phase is a set of faults in force from At until the next phase. Its zero
// fields keep the fake's base faults, so {at: 2m, error_rate: 0} returns to
// the base ("healthy" for a fake without a preset).
type Phase struct {
	At     time.Duration `yaml:"at" json:"at"`                           // offset from the schedule's start; ≥ 0
	Label  string        `yaml:"label,omitempty" json:"label,omitempty"` // for logs and plots; "" means Faults.Describe()
	Faults `yaml:",inline"`
}

// Flap switches faults on and off periodically, from At until Until: each
// Period starts with Duty×Period of Faults, then the rest without.
type Flap struct {
	At     time.Duration `yaml:"at,omitempty" json:"at,omitempty"`        // when flapping starts; ≥ 0
	Until  time.Duration `yaml:"until,omitempty" json:"until,omitempty"`  // when it stops; 0 means never
	Period time.Duration `yaml:"period" json:"period"`                    // > 0
	Duty   float64       `yaml:"duty,omitempty" json:"duty,omitempty"`    // share of each period with Faults on; 0..1, 0 means 0.5
	Faults Faults        `yaml:"faults,omitempty" json:"faults,omitzero"` // while on; zero means {down: true}
}

// Brownout ramps the error rate up to Peak and back down: linearly from 0
// at At to Peak over RampUp, Peak for Hold, back to 0 over RampDown. With
// Hold and RampDown both zero it stays at Peak after the ramp. The error
// rate in force is the larger of the ramp and the phase's own (capped so the
// fault rates add up to at most 1).
type Brownout struct {
	At       time.Duration `yaml:"at,omitempty" json:"at,omitempty"`               // start of the ramp; ≥ 0
	RampUp   time.Duration `yaml:"ramp_up,omitempty" json:"ramp_up,omitempty"`     // ≥ 0
	Hold     time.Duration `yaml:"hold,omitempty" json:"hold,omitempty"`           // ≥ 0
	RampDown time.Duration `yaml:"ramp_down,omitempty" json:"ramp_down,omitempty"` // ≥ 0
	Peak     float64       `yaml:"peak" json:"peak"`                               // 0..1
}

// Validate reports the first invalid field, named as a scenario file spells
// it ("phases[1].at", "flap.period").
func (s Schedule) Validate() error {
	for i, p := range s.Phases {
		name := fmt.Sprintf("phases[%d]", i)
		if p.At < 0 {
			return fieldErr(name+".at", "must not be negative, got %s", p.At)
		}
		if i > 0 && p.At <= s.Phases[i-1].At {
			return fieldErr(name+".at", "%s is not after phases[%d].at %s; phases must be in increasing order", p.At, i-1, s.Phases[i-1].At)
		}
		if err := p.Faults.Validate(); err != nil {
			return prefixField(name, err)
		}
	}
	if fl := s.Flap; fl != nil {
		switch {
		case fl.Period <= 0:
			return fieldErr("flap.period", "must be > 0, got %s", fl.Period)
		case fl.At < 0:
			return fieldErr("flap.at", "must not be negative, got %s", fl.At)
		case fl.Until != 0 && fl.Until <= fl.At:
			return fieldErr("flap.until", "%s is not after flap.at %s", fl.Until, fl.At)
		case !(fl.Duty >= 0 && fl.Duty <= 1):
			return fieldErr("flap.duty", "must be within 0..1, got %v", fl.Duty)
		}
		if err := fl.Faults.Validate(); err != nil {
			return prefixField("flap.faults", err)
		}
	}
	if b := s.Brownout; b != nil {
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"at", b.At}, {"ramp_up", b.RampUp}, {"hold", b.Hold}, {"ramp_down", b.RampDown}} {
			if d.v < 0 {
				return fieldErr("brownout."+d.name, "must not be negative, got %s", d.v)
			}
		}
		if !(b.Peak >= 0 && b.Peak <= 1) {
			return fieldErr("brownout.peak", "must be within 0..1, got %v", b.Peak)
		}
	}
	return nil
}

// At returns the faults in force elapsed after the schedule started, over
// the base faults. It is the plain-data form of what a fake compiles.
func (s Schedule) At(elapsed time.Duration, base Faults) Faults {
	f := base
	if i := s.phaseIndex(elapsed); i >= 0 {
		f = s.Phases[i].Faults.Over(base)
	}
	if s.Flap.on(elapsed) {
		f = s.Flap.faults().Over(f)
	}
	if s.Brownout != nil {
		others := f.HangRate + f.Timeout.Rate + f.ResetRate + f.TruncateRate + f.SlowBody.Rate
		f.ErrorRate = math.Min(s.Brownout.errorRate(elapsed, f.ErrorRate), 1-others)
	}
	return f
}

// Label returns the label of the phase in force at elapsed: its Label, or
// a description of its faults; "base" before the first phase.
func (s Schedule) Label(elapsed time.Duration) string {
	i := s.phaseIndex(elapsed)
	switch {
	case i < 0:
		return "base"
	case s.Phases[i].Label != "":
		return s.Phases[i].Label
	}
	return s.Phases[i].Faults.Describe()
}

// phaseIndex returns the index of the last phase begun at elapsed, or -1.
func (s Schedule) phaseIndex(elapsed time.Duration) int {
	for i := len(s.Phases) - 1; i >= 0; i-- {
		if elapsed >= s.Phases[i].At {
			return i
		}
	}
	return -1
}

func (fl *Flap) faults() Faults {
	if fl.Faults.IsZero() {
		return Faults{Down: true}
	}
	return fl.Faults
}

// on reports whether the flap's faults are in force at elapsed.
func (fl *Flap) on(elapsed time.Duration) bool {
	if fl == nil || fl.Period <= 0 || elapsed < fl.At || (fl.Until != 0 && elapsed >= fl.Until) {
		return false
	}
	duty := fl.Duty
	if duty == 0 {
		duty = 0.5
	}
	into := (elapsed - fl.At) % fl.Period
	return float64(into) < duty*float64(fl.Period)
}

// errorRate returns the error rate at elapsed given the phase's own rate.
func (b *Brownout) errorRate(elapsed time.Duration, rate float64) float64 {
	if b == nil || elapsed < b.At {
		return rate
	}
	t := elapsed - b.At
	var ramp float64
	switch {
	case t < b.RampUp:
		ramp = b.Peak * float64(t) / float64(b.RampUp)
	case t < b.RampUp+b.Hold || (b.Hold == 0 && b.RampDown == 0):
		ramp = b.Peak
	case t < b.RampUp+b.Hold+b.RampDown:
		ramp = b.Peak * (1 - float64(t-b.RampUp-b.Hold)/float64(b.RampDown))
	}
	return math.Max(rate, ramp)
}
