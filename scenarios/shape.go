package scenarios

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Shape is a load profile: a pure function of the time elapsed since the
// run started, like vegeta's Pacer. Call n (counting from 0) is due at At(n).
type Shape interface {
	// Rate is the instantaneous rate in calls per second at elapsed.
	Rate(elapsed time.Duration) float64
	// Hits is the number of calls due in [0, elapsed]: the integral of Rate.
	Hits(elapsed time.Duration) float64
	// At is the inverse of Hits: the earliest elapsed time with Hits >= n.
	// It returns [Never] when the profile never reaches n.
	At(n float64) time.Duration
	// String describes the profile, e.g. "200/s" or "ramp 10/s→500/s over 1m".
	String() string
}

// Never is what [Shape.At] returns for a call that never comes due.
const Never = time.Duration(math.MaxInt64)

// Compile-time checks that every profile is a Shape.
var (
	_ Shape = Constant{}
	_ Shape = Ramp{}
	_ Shape = Sine{}
	_ Shape = Steps{}
)

// Constant is a fixed rate.
type Constant struct {
	// PerSecond is the rate; zero means no calls.
	PerSecond Rate
}

// Rate implements [Shape].
func (c Constant) Rate(time.Duration) float64 { return float64(c.PerSecond) }

// Hits implements [Shape].
func (c Constant) Hits(e time.Duration) float64 { return float64(c.PerSecond) * e.Seconds() }

// At implements [Shape].
func (c Constant) At(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	if c.PerSecond <= 0 {
		return Never
	}
	return seconds(n / float64(c.PerSecond))
}

// String implements [Shape].
func (c Constant) String() string { return c.PerSecond.String() }

// Ramp rises (or falls) linearly from From to To over Over, then stays at To.
type Ramp struct {
	From Rate          `yaml:"from"`
	To   Rate          `yaml:"to"`
	Over time.Duration `yaml:"over"` // zero means the scenario's duration
}

// Rate implements [Shape].
func (r Ramp) Rate(e time.Duration) float64 {
	if e >= r.Over || r.Over <= 0 {
		return float64(r.To)
	}
	return float64(r.From) + float64(r.To-r.From)*e.Seconds()/r.Over.Seconds()
}

// Hits implements [Shape].
func (r Ramp) Hits(e time.Duration) float64 {
	if r.Over <= 0 {
		return float64(r.To) * e.Seconds()
	}
	t := math.Min(e.Seconds(), r.Over.Seconds())
	h := float64(r.From)*t + float64(r.To-r.From)*t*t/(2*r.Over.Seconds())
	if e > r.Over {
		h += float64(r.To) * (e - r.Over).Seconds()
	}
	return h
}

// At implements [Shape].
func (r Ramp) At(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	if r.Over <= 0 {
		return Constant{r.To}.At(n)
	}
	d := r.Over.Seconds()
	if total := r.Hits(r.Over); n > total {
		if r.To <= 0 {
			return Never
		}
		return r.Over + seconds((n-total)/float64(r.To))
	}
	a, k := float64(r.From), float64(r.To-r.From)/(2*d)
	if math.Abs(k) < 1e-12 {
		return seconds(n / a)
	}
	// k t² + a t - n = 0, the root in [0, d].
	return seconds((-a + math.Sqrt(a*a+4*k*n)) / (2 * k))
}

// String implements [Shape].
func (r Ramp) String() string {
	return fmt.Sprintf("ramp %s→%s over %s", r.From, r.To, r.Over)
}

// Sine oscillates around Mean by Amplitude with the given Period.
type Sine struct {
	Mean      Rate          `yaml:"mean"`
	Amplitude Rate          `yaml:"amplitude"`
	Period    time.Duration `yaml:"period"`
}

// Rate implements [Shape].
func (s Sine) Rate(e time.Duration) float64 {
	return float64(s.Mean) + float64(s.Amplitude)*math.Sin(2*math.Pi*e.Seconds()/s.Period.Seconds())
}

// Hits implements [Shape].
func (s Sine) Hits(e time.Duration) float64 {
	p := s.Period.Seconds()
	return float64(s.Mean)*e.Seconds() + float64(s.Amplitude)*p/(2*math.Pi)*(1-math.Cos(2*math.Pi*e.Seconds()/p))
}

// At implements [Shape]: Hits is monotone (Amplitude <= Mean), so bisect.
func (s Sine) At(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	if s.Mean <= 0 {
		return Never
	}
	lo := time.Duration(0)
	hi := seconds(n/float64(s.Mean)) + s.Period
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if s.Hits(mid) >= n {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// String implements [Shape].
func (s Sine) String() string {
	return fmt.Sprintf("sine %s±%s period %s", s.Mean, s.Amplitude, s.Period)
}

// Step is one stretch of a [Steps] profile.
type Step struct {
	At   time.Duration `yaml:"at"`
	Rate Rate          `yaml:"rate"`
}

// Steps holds each step's rate from its At until the next step's; the
// first step starts at 0 and steps are in increasing At order.
type Steps []Step

// index returns the step in force at e.
func (s Steps) index(e time.Duration) int {
	return sort.Search(len(s), func(i int) bool { return s[i].At > e }) - 1
}

// Rate implements [Shape].
func (s Steps) Rate(e time.Duration) float64 {
	if i := s.index(e); i >= 0 {
		return float64(s[i].Rate)
	}
	return 0
}

// Hits implements [Shape].
func (s Steps) Hits(e time.Duration) float64 {
	h := 0.0
	for i, st := range s {
		if st.At >= e {
			break
		}
		end := e
		if i+1 < len(s) && s[i+1].At < e {
			end = s[i+1].At
		}
		h += float64(st.Rate) * (end - st.At).Seconds()
	}
	return h
}

// At implements [Shape].
func (s Steps) At(n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	h := 0.0
	for i, st := range s {
		if i+1 < len(s) {
			seg := float64(st.Rate) * (s[i+1].At - st.At).Seconds()
			if h+seg < n {
				h += seg
				continue
			}
		}
		if st.Rate <= 0 {
			return Never
		}
		return st.At + seconds((n-h)/float64(st.Rate))
	}
	return Never
}

// String implements [Shape].
func (s Steps) String() string {
	out := "steps"
	for _, st := range s {
		out += fmt.Sprintf(" %s@%s", st.Rate, st.At)
	}
	return out
}

// seconds converts seconds to a Duration, saturating at [Never].
func seconds(s float64) time.Duration {
	if s >= float64(Never)/1e9 {
		return Never
	}
	return time.Duration(math.Round(s * 1e9))
}
