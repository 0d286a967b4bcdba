package fakes

import (
	"math"
	"time"
)

// Latency is a latency distribution, given as quantiles (P50, P99) or as the
// distribution's own parameters. The zero value adds no latency.
//
// Dist chooses the shape; empty means "fixed" when only P50 is set,
// "uniform" when only Min and Max are set, and "lognormal" when P99 is set:
//
//	fixed      every request takes P50
//	uniform    P50 and P99 (p99 ≤ 1.98×p50, so the range stays ≥ 0), or Min..Max
//	normal     P50 and P99, or Mean and StdDev; samples below Min (0) are raised to it
//	lognormal  median P50; P99 or Sigma (the log-space standard deviation)
//	pareto     median P50; P99 or Alpha (the tail index): the heavy tail
//
// Every sample is then moved by a uniform ±Jitter and clamped into
// [Min, Max] (Max zero: capped at one hour, so a Pareto tail stays finite).
type Latency struct {
	Dist   string        `yaml:"dist,omitempty" json:"dist,omitempty"`       // fixed | uniform | normal | lognormal | pareto; "" as above
	P50    time.Duration `yaml:"p50,omitempty" json:"p50,omitempty"`         // median; ≥ 0
	P99    time.Duration `yaml:"p99,omitempty" json:"p99,omitempty"`         // 99th percentile; 0 or ≥ P50
	Min    time.Duration `yaml:"min,omitempty" json:"min,omitempty"`         // lower clamp, and uniform's low end; ≥ 0
	Max    time.Duration `yaml:"max,omitempty" json:"max,omitempty"`         // upper clamp (0: one hour), and uniform's high end
	Mean   time.Duration `yaml:"mean,omitempty" json:"mean,omitempty"`       // normal only; 0: P50
	StdDev time.Duration `yaml:"std_dev,omitempty" json:"std_dev,omitempty"` // normal only; 0: from P99
	Sigma  float64       `yaml:"sigma,omitempty" json:"sigma,omitempty"`     // lognormal only; 0: from P99
	Alpha  float64       `yaml:"alpha,omitempty" json:"alpha,omitempty"`     // pareto only; 0: from P99
	Jitter time.Duration `yaml:"jitter,omitempty" json:"jitter,omitempty"`   // uniform ±Jitter added to each sample; ≥ 0
}

// Distribution names accepted in [Latency.Dist].
const (
	DistFixed     = "fixed"
	DistUniform   = "uniform"
	DistNormal    = "normal"
	DistLognormal = "lognormal"
	DistPareto    = "pareto"
)

// maxLatency caps samples when Max is zero, so a Pareto tail stays finite.
const maxLatency = time.Hour

// z99 is the standard normal's 99th percentile.
const z99 = 2.3263478740408408

// IsZero reports whether l adds no latency.
func (l Latency) IsZero() bool { return l == Latency{} }

// Validate reports the first invalid field, named as in a scenario file.
func (l Latency) Validate() error {
	_, err := l.model()
	return err
}

// String describes the distribution briefly, e.g. "lognormal p50 15ms p99 80ms".
func (l Latency) String() string {
	if l.IsZero() {
		return "none"
	}
	s := l.dist()
	if l.P50 > 0 {
		s += " p50 " + l.P50.String()
	}
	if l.P99 > 0 {
		s += " p99 " + l.P99.String()
	}
	if l.Min > 0 || (l.Max > 0 && s == DistUniform) {
		s += " min " + l.Min.String()
	}
	if l.Max > 0 {
		s += " max " + l.Max.String()
	}
	if l.Jitter > 0 {
		s += " ±" + l.Jitter.String()
	}
	return s
}

func (l Latency) dist() string {
	if l.Dist != "" {
		return l.Dist
	}
	switch {
	case l.P99 > 0:
		return DistLognormal
	case l.P50 == 0 && l.Max > 0:
		return DistUniform
	}
	return DistFixed
}

// latencyModel is a compiled [Latency]: parameters in float nanoseconds.
type latencyModel struct {
	dist     uint8   // index into the dist* constants below
	a, b     float64 // fixed: a; uniform: lo, hi; normal: mean, sd; lognormal: mu, sigma; pareto: xm, 1/alpha
	min, max float64
	jitter   float64
}

const (
	modelNone uint8 = iota
	modelFixed
	modelUniform
	modelNormal
	modelLognormal
	modelPareto
)

// model validates l and compiles it: the shared checks, then the
// distribution's own parameters.
func (l Latency) model() (latencyModel, error) {
	if err := l.validateFields(); err != nil {
		return latencyModel{}, err
	}
	if l.IsZero() {
		return latencyModel{}, nil
	}
	m := latencyModel{min: float64(l.Min), max: float64(maxLatency), jitter: float64(l.Jitter)}
	if l.Max > 0 {
		m.max = float64(l.Max)
	}
	var err error
	switch d := l.dist(); d {
	case DistFixed:
		m.dist, m.a = modelFixed, float64(l.P50)
	case DistUniform:
		m.dist = modelUniform
		m.a, m.b, err = l.uniform()
	case DistNormal:
		m.dist = modelNormal
		m.a, m.b, err = l.normal()
	case DistLognormal:
		m.dist = modelLognormal
		m.a, m.b, err = l.lognormal()
	case DistPareto:
		m.dist = modelPareto
		m.a, m.b, err = l.pareto()
	default:
		err = fieldErr("dist", "unknown distribution %q (want fixed, uniform, normal, lognormal or pareto)", d)
	}
	return m, err
}

// validateFields checks what every distribution shares: no negative
// durations, finite non-negative shape parameters, p99 ≥ p50 and max ≥ min.
func (l Latency) validateFields() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"p50", l.P50}, {"p99", l.P99}, {"min", l.Min}, {"max", l.Max}, {"mean", l.Mean}, {"std_dev", l.StdDev}, {"jitter", l.Jitter}} {
		if d.v < 0 {
			return fieldErr(d.name, "must not be negative, got %s", d.v)
		}
	}
	if l.Sigma < 0 || math.IsNaN(l.Sigma) || math.IsInf(l.Sigma, 0) {
		return fieldErr("sigma", "must be a finite number ≥ 0, got %v", l.Sigma)
	}
	if l.Alpha < 0 || math.IsNaN(l.Alpha) || math.IsInf(l.Alpha, 0) {
		return fieldErr("alpha", "must be a finite number ≥ 0, got %v", l.Alpha)
	}
	if l.P99 > 0 && l.P99 < l.P50 {
		return fieldErr("p99", "%s is below p50 %s", l.P99, l.P50)
	}
	if l.Max > 0 && l.Max < l.Min {
		return fieldErr("max", "%s is below min %s", l.Max, l.Min)
	}
	return nil
}

// uniform returns the low and high ends: from P50 and P99, or Min and Max.
func (l Latency) uniform() (lo, hi float64, err error) {
	if l.P50 == 0 {
		if l.Max == 0 {
			return 0, 0, fieldErr("max", "uniform needs p50 and p99, or min and max")
		}
		return float64(l.Min), float64(l.Max), nil
	}
	if l.P99 == 0 {
		return 0, 0, fieldErr("p99", "uniform with p50 needs p99 (or give min and max instead)")
	}
	p50, p99 := float64(l.P50), float64(l.P99)
	w := (p99 - p50) / 0.49
	if p50-w/2 < 0 {
		return 0, 0, fieldErr("p99", "uniform with p50 %s cannot reach p99 %s without negative latencies (p99 must be ≤ 1.98×p50)", l.P50, l.P99)
	}
	return p50 - w/2, p50 + w/2, nil
}

// normal returns the mean and standard deviation: Mean or P50, and StdDev
// or the one that puts the 99th percentile at P99.
func (l Latency) normal() (mean, sd float64, err error) {
	mean, sd = float64(l.Mean), float64(l.StdDev)
	if mean == 0 {
		mean = float64(l.P50)
	}
	if sd == 0 && l.P99 > 0 {
		sd = (float64(l.P99) - float64(l.P50)) / z99
	}
	if mean == 0 {
		return 0, 0, fieldErr("p50", "normal needs p50 or mean > 0")
	}
	if sd == 0 {
		return 0, 0, fieldErr("p99", "normal needs p99 above p50, or std_dev > 0")
	}
	return mean, sd, nil
}

// lognormal returns mu and sigma of the log: the log of P50, and Sigma or
// the one that puts the 99th percentile at P99.
func (l Latency) lognormal() (mu, sigma float64, err error) {
	ls, err := l.spread()
	if err != nil {
		return 0, 0, err
	}
	sigma = l.Sigma
	if sigma == 0 {
		sigma = ls / z99
	}
	if sigma == 0 {
		return 0, 0, fieldErr("p99", "lognormal needs p99 above p50, or sigma > 0 (use dist fixed for a constant)")
	}
	return math.Log(float64(l.P50)), sigma, nil
}

// pareto returns the scale xm and 1/alpha, with the median at P50 and alpha
// given or the one that puts the 99th percentile at P99.
func (l Latency) pareto() (xm, invAlpha float64, err error) {
	ls, err := l.spread()
	if err != nil {
		return 0, 0, err
	}
	alpha := l.Alpha
	if alpha == 0 && ls > 0 {
		alpha = math.Log(50) / ls // p99/p50 = 50^(1/alpha)
	}
	if alpha == 0 {
		return 0, 0, fieldErr("p99", "pareto needs p99 above p50, or alpha > 0")
	}
	invAlpha = 1 / alpha
	return float64(l.P50) / math.Pow(2, invAlpha), invAlpha, nil // median = xm·2^(1/alpha)
}

// spread returns log(p99/p50), 0 when P99 is not set; the heavy-tailed
// distributions need P50 > 0.
func (l Latency) spread() (float64, error) {
	if l.P50 == 0 {
		return 0, fieldErr("p50", "%s needs p50 > 0", l.dist())
	}
	if l.P99 == 0 {
		return 0, nil
	}
	return math.Log(float64(l.P99) / float64(l.P50)), nil
}

// sample draws one latency from two uniforms in (0, 1).
func (m *latencyModel) sample(u, v float64) time.Duration {
	var x float64
	switch m.dist {
	case modelNone:
		return 0
	case modelFixed:
		x = m.a
	case modelUniform:
		x = m.a + u*(m.b-m.a)
	case modelNormal:
		x = m.a + m.b*normQuantile(u)
	case modelLognormal:
		x = math.Exp(m.a + m.b*normQuantile(u))
	case modelPareto:
		x = m.a * math.Pow(1-u, -m.b)
	}
	if m.jitter > 0 {
		x += (2*v - 1) * m.jitter
	}
	// Written so NaN and ±Inf land on a bound too.
	if !(x >= m.min) {
		x = m.min
	}
	if !(x <= m.max) {
		x = m.max
	}
	return time.Duration(x)
}

// normQuantile is the standard normal's inverse CDF.
func normQuantile(u float64) float64 { return math.Sqrt2 * math.Erfinv(2*u-1) }
