package scenarios

import "time"

// LoadProfile is the rate profile of a scenario: exactly one of Rate, Ramp, Sine
// and Steps, plus the live mode's load generator settings.
type LoadProfile struct {
	// Rate is a constant rate, e.g. 200/s.
	Rate Rate `yaml:"rate"`
	// Ramp rises linearly: {from: 10/s, to: 500/s, over: 1m}.
	Ramp *Ramp `yaml:"ramp"`
	// Sine oscillates: {mean: 200/s, amplitude: 100/s, period: 30s}.
	Sine *Sine `yaml:"sine"`
	// Steps holds rates in turn: [{at: 0s, rate: 100/s}, {at: 1m, rate: 400/s}].
	Steps Steps `yaml:"steps"`
	// Workers is vegeta's initial worker count (live). Zero means 10.
	Workers int `yaml:"workers"`
	// MaxWorkers bounds vegeta's workers, hence concurrent callers (live).
	// Zero means 1000.
	MaxWorkers int `yaml:"max_workers"`
	// Connections bounds idle connections per host (live). Zero means 10000.
	Connections int `yaml:"connections"`
}

// Live-mode generator defaults.
const (
	DefaultWorkers     = 10
	DefaultMaxWorkers  = 1000
	DefaultConnections = 10000
)

// Shape returns the profile the load describes; a ramp with no `over`
// ramps across the whole duration.
func (l LoadProfile) Shape(duration time.Duration) Shape {
	switch {
	case l.Ramp != nil:
		r := *l.Ramp
		if r.Over == 0 {
			r.Over = duration
		}
		return r
	case l.Sine != nil:
		return *l.Sine
	case len(l.Steps) > 0:
		return l.Steps
	}
	return Constant{l.Rate}
}

// Kind names the profile for meta.json: constant, linear, sine or steps.
func (l LoadProfile) Kind() string {
	switch {
	case l.Ramp != nil:
		return "linear"
	case l.Sine != nil:
		return "sine"
	case len(l.Steps) > 0:
		return "steps"
	}
	return "constant"
}
