package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
)

// maxSimCalls bounds a sim run, so a typo (200000/ms) fails validation
// instead of filling the disk.
const maxSimCalls = 20_000_000

// validate reports every impossible value, each at its key.
func (sc *Scenario) validate(d *doc) []*FileError {
	var errs []*FileError
	add := func(path, format string, args ...any) {
		errs = append(errs, d.at(path, fmt.Sprintf(format, args...)))
	}
	switch {
	case sc.Name == "":
		add("$.name", "missing: want a name of lowercase letters, digits and '-'")
	case !validName(sc.Name):
		add("$.name", "%q: want lowercase letters, digits and '-'", sc.Name)
	}
	if sc.Duration <= 0 {
		add("$.duration", "want a duration > 0, e.g. 5m")
	}
	if len(sc.Dependencies) == 0 {
		add("$.dependencies", "missing: want at least one dependency")
	}
	names := map[string]bool{}
	weights := 0.0
	for i := range sc.Dependencies {
		dep := &sc.Dependencies[i]
		p := "$.dependencies[" + strconv.Itoa(i) + "]"
		if dep.Name == "" {
			dep.Name = dep.Service
		}
		if dep.Name == "" {
			dep.Name = dep.Preset
		}
		switch {
		case dep.Name == "":
			add(p, "want a name, a service or a preset")
		case !validName(dep.Name):
			add(p+".name", "%q: want lowercase letters, digits and '-'", dep.Name)
		case names[dep.Name]:
			add(p+".name", "%q is used twice; give each dependency its own name", dep.Name)
		}
		names[dep.Name] = true
		if dep.Service != "" && sc.services != nil {
			if _, ok := sc.services.Services[dep.Service]; !ok {
				add(p+".service", "unknown service %q, want one of %v (from %s)", dep.Service, sc.services.Names(), sc.services.File)
			}
		}
		errs = append(errs, checkBreakerSpec(d, p+".breaker", dep.Breaker)...)
		errs = append(errs, checkFaults(d, p, dep)...)
		c := dep.Client
		if c.Timeout < 0 {
			add(p+".client.timeout", "want a duration >= 0 (0: none)")
		}
		if c.CancelRate < 0 || c.CancelRate > 1 || math.IsNaN(c.CancelRate) {
			add(p+".client.cancel_rate", "%v: want a share between 0 and 1", c.CancelRate)
		}
		if c.CancelAfter < 0 {
			add(p+".client.cancel_after", "want a duration >= 0")
		}
		if dep.Weight < 0 || math.IsNaN(dep.Weight) || math.IsInf(dep.Weight, 0) {
			add(p+".weight", "%v: want a number >= 0", dep.Weight)
		}
		weights += dep.Share()
	}
	if len(sc.Dependencies) > 0 && weights <= 0 {
		add("$.dependencies", "every weight is 0: want at least one > 0")
	}
	switch sc.Mode.OrDefault() {
	case ModeExternal:
		errs = append(errs, sc.validateExternal(d)...)
		errs = append(errs, sc.validateLoad(d)...)
	case ModeStress:
		errs = append(errs, sc.checkOutsideExternal(d)...)
		errs = append(errs, sc.validateStress(d)...)
	default:
		errs = append(errs, sc.checkOutsideExternal(d)...)
		if sc.Stress != nil {
			add("$.stress", "only in stress mode (this scenario's mode is %s): set mode: stress, or remove stress", sc.Mode.OrDefault())
		}
		errs = append(errs, sc.validateLoad(d)...)
	}
	errs = append(errs, sc.validateExpect(d)...)
	return errs
}

// Share returns the dependency's share of the load: its Weight, or 1 when zero.
func (dep *Dependency) Share() float64 {
	if dep.Weight == 0 {
		return 1
	}
	return dep.Weight
}

// validateLoad checks that exactly one profile is given and that it is possible.
func (sc *Scenario) validateLoad(d *doc) []*FileError {
	var errs []*FileError
	add := func(path, format string, args ...any) {
		errs = append(errs, d.at(path, fmt.Sprintf(format, args...)))
	}
	l := sc.Load
	given := 0
	for _, g := range []bool{l.Rate != 0, l.Ramp != nil, l.Sine != nil, len(l.Steps) > 0} {
		if g {
			given++
		}
	}
	switch given {
	case 0:
		add("$.load", "missing a profile: want one of rate, ramp, sine or steps")
		return errs
	case 1:
	default:
		add("$.load", "want exactly one of rate, ramp, sine or steps, got %d", given)
		return errs
	}
	if r := l.Ramp; r != nil {
		if r.From == 0 && r.To == 0 {
			add("$.load.ramp", "from and to are both 0: want a rate > 0")
		}
		if r.Over < 0 {
			add("$.load.ramp.over", "want a duration >= 0 (0: the whole run)")
		}
	}
	if s := l.Sine; s != nil {
		if s.Mean <= 0 {
			add("$.load.sine.mean", "want a rate > 0")
		}
		if s.Amplitude > s.Mean {
			add("$.load.sine.amplitude", "%s exceeds the mean %s: the rate would go negative", s.Amplitude, s.Mean)
		}
		if s.Period <= 0 {
			add("$.load.sine.period", "want a duration > 0")
		}
	}
	for i, st := range l.Steps {
		p := "$.load.steps[" + strconv.Itoa(i) + "]"
		if i == 0 && st.At != 0 {
			add(p+".at", "the first step must be at 0s")
		}
		if i > 0 && st.At <= l.Steps[i-1].At {
			add(p+".at", "%s: want a time after the previous step's %s", st.At, l.Steps[i-1].At)
		}
	}
	if given == 1 && len(errs) == 0 && sc.Duration > 0 {
		if n := l.Shape(sc.Duration).Hits(sc.Duration); n < 1 {
			add("$.load", "the profile makes no call in %s", sc.Duration)
		} else if n > maxSimCalls {
			add("$.load", "the profile makes %.0f calls in %s, want at most %d", n, sc.Duration, maxSimCalls)
		}
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"workers", l.Workers}, {"max_workers", l.MaxWorkers}, {"connections", l.Connections}} {
		if f.v < 0 {
			add("$.load."+f.key, "%d: want >= 0 (0: the default)", f.v)
		}
	}
	if l.MaxWorkers > 0 && l.Workers > l.MaxWorkers {
		add("$.load.workers", "%d exceeds max_workers %d", l.Workers, l.MaxWorkers)
	}
	return errs
}

// validateExpect checks the expectations' ranges.
func (sc *Scenario) validateExpect(d *doc) []*FileError {
	var errs []*FileError
	add := func(path, format string, args ...any) {
		errs = append(errs, d.at(path, fmt.Sprintf(format, args...)))
	}
	e := sc.Expect
	if e.MaxRejectionP99 < 0 {
		add("$.expect.max_rejection_p99", "want a duration >= 0 (0: 1ms)")
	}
	if e.MaxRejectionP99 > 0 && len(e.Invariants) > 0 && !slices.Contains(e.Invariants, "I9") {
		add("$.expect.max_rejection_p99", "is I9's bound, but expect.invariants leaves I9 out: add I9 or drop the bound")
	}
	if e.MinServedRatio < 0 || e.MinServedRatio > 1 || math.IsNaN(e.MinServedRatio) {
		add("$.expect.min_served_ratio", "%v: want a share between 0 and 1", e.MinServedRatio)
	}
	if e.MaxTimeToClose < 0 {
		add("$.expect.max_time_to_close", "want a duration >= 0 (0: recovery timeout plus the probes)")
	}
	if e.MinOpens < 0 {
		add("$.expect.min_opens", "%d: want >= 0", e.MinOpens)
	}
	if e.MaxOpens != nil && (*e.MaxOpens < 0 || *e.MaxOpens < e.MinOpens) {
		add("$.expect.max_opens", "%d: want >= 0 and >= min_opens %d", *e.MaxOpens, e.MinOpens)
	}
	return errs
}

// durationOr returns d, or def when d is zero.
func durationOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// checkFaults validates a dependency's base faults and schedule with the
// fakes' own rules, pointing at the offending key.
func checkFaults(d *doc, path string, dep *Dependency) []*FileError {
	var errs []*FileError
	if dep.Preset != "" {
		if _, err := fakes.Preset(dep.Preset); err != nil {
			errs = append(errs, d.at(path+".preset", fmt.Sprintf("unknown preset %q, want one of %s", dep.Preset, strings.Join(fakes.Presets(), ", "))))
		}
	}
	if err := dep.Faults.Validate(); err != nil {
		errs = append(errs, fieldError(d, path+".faults", err))
	}
	if err := dep.Schedule.Validate(); err != nil {
		errs = append(errs, fieldError(d, path, err))
	}
	return errs
}

// fieldError places a *fakes.FieldError (whose Field is a snake_case path
// such as "phases[2].error_rate") under the YAML path prefix.
func fieldError(d *doc, prefix string, err error) *FileError {
	var fe *fakes.FieldError
	if !errors.As(err, &fe) {
		return d.at(prefix, err.Error())
	}
	p := prefix
	if fe.Field != "" {
		if fe.Field[0] != '[' {
			p += "."
		}
		p += fe.Field
	}
	return d.at(p, fe.Reason)
}
