package scenarios

import (
	"fmt"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
)

// Scenario is one scenario file, decoded and validated. A zero field means
// the default its comment states. Build one with [Parse], [Load] or [Builtin].
type Scenario struct {
	// Name identifies the scenario; it names the run's directory. Required:
	// lowercase letters, digits and '-'.
	Name string `yaml:"name"`
	// Description says, in a sentence, what the scenario breaks and what must hold.
	Description string `yaml:"description"`
	// Mode is sim (the default: virtual clock), live (real time, HTTP,
	// vegeta) or stress (real time, in-process, Stress.Goroutines callers).
	Mode Mode `yaml:"mode"`
	// Seed seeds every random decision: the fakes' faults and the callers'
	// cancellations. Zero means 1.
	Seed uint64 `yaml:"seed"`
	// Duration is how long load is driven; in stress mode, the most the
	// run may take (it ends earlier when every caller has made its calls).
	// Required, > 0.
	Duration time.Duration `yaml:"duration"`
	// Services names a service configuration (a built-in name such as "nfr6",
	// or a file path relative to the scenario file) whose entries dependencies
	// may use with `service:`. Empty means the built-in "nfr6".
	Services string `yaml:"services"`
	// Dependencies are the fakes, each behind its own breaker. At least one.
	Dependencies []Dependency `yaml:"dependencies"`
	// Load is the rate profile of calls, shared by the dependencies by
	// weight. Required in sim and live mode; an error in stress mode.
	Load LoadProfile `yaml:"load"`
	// Stress is the stress run's callers. Required in stress mode; an error
	// in the others.
	Stress *Stress `yaml:"stress"`
	// Expect is what must hold; the zero value checks every invariant.
	Expect Expect `yaml:"expect"`
	// Target is where external mode sends the load: the service under test
	// (each dependency may have its own). External mode only.
	Target *Target `yaml:"target"`
	// Classify reads the service's answers (external mode); empty means
	// the defaults: 2xx a success, 503 a rejection, anything else a failure.
	Classify []ClassifyRule `yaml:"classify"`
	// State, if set, is read while the run goes and compared with what the
	// service's breaker does (external mode).
	State *StateScrape `yaml:"state"`

	// File is where the scenario came from ("builtin:NAME" for the library).
	File string `yaml:"-"`
	// Source is the file's text, recorded in meta.json.
	Source []byte `yaml:"-"`
	// services is the resolved service configuration.
	services *Services
}

// Mode says how a scenario runs.
type Mode string

// The run modes.
const (
	// ModeSim runs on a virtual clock in one goroutine: seeded and byte-for-byte reproducible.
	ModeSim Mode = "sim"
	// ModeLive runs in real time: vegeta sends HTTP load to a loopback endpoint
	// guarded by the breaker, which calls the fake served on loopback.
	ModeLive Mode = "live"
	// ModeStress runs in real time and in-process: [Stress.Goroutines]
	// callers each make [Stress.Iterations] calls through the breaker to the
	// fake, back to back. Meant for a race-enabled binary (go run -race).
	ModeStress Mode = "stress"
	// ModeExternal runs against the user's service, in real time: vegeta
	// sends load at its Target, and the fakes serve its dependencies on
	// their Listen addresses.
	ModeExternal Mode = "external"
)

// Dependency is one fake dependency behind one breaker.
type Dependency struct {
	// Name identifies the dependency in records. Empty means the service, or
	// else the preset. Names are unique within a scenario.
	Name string `yaml:"name"`
	// Preset is a fakes preset (iam, eris, policy, llm-gateway,
	// data-governance, ubi) giving the healthy latency profile. Empty means a
	// plain fake with no latency.
	Preset string `yaml:"preset"`
	// Service picks the breaker configuration from the service file.
	// Empty means NFR-6 defaults, overridden by Breaker.
	Service string `yaml:"service"`
	// Breaker overrides fields of the breaker configuration; zero fields keep
	// the service's value (or the NFR-6 default).
	Breaker BreakerSpec `yaml:"breaker"`
	// Faults are the fake's base faults, laid over the preset's: in force
	// before the first phase and under every phase.
	Faults fakes.Faults `yaml:"faults"`
	// Schedule changes the faults over time: `phases` (from each phase's
	// `at` until the next, its faults over the base), `flap` (faults on and
	// off periodically) and `brownout` (an error rate ramped up and down).
	fakes.Schedule `yaml:",inline"`
	// Client is how the caller calls: its timeout, cancellations, fallback.
	// In external mode only Timeout is read: the service's own timeout
	// towards this dependency, so that a late answer counts as a failure.
	Client Client `yaml:"client"`
	// Weight is this dependency's share of the load. Zero means 1.
	Weight float64 `yaml:"weight"`
	// Listen is where this dependency's fake listens in external mode: the
	// address the service under test is configured to call, on loopback.
	Listen string `yaml:"listen"`
	// Target is where external mode sends the calls meant for this
	// dependency; a path is taken relative to the scenario's target.
	Target *Target `yaml:"target"`
}

// BreakerSpec is the breaker's configuration as it appears in files. A zero
// field means the NFR-6 default (or, in a scenario, the service's value); a
// negative one is an error.
type BreakerSpec struct {
	// FailureThreshold: consecutive failures that open a closed circuit. 0 → 5.
	FailureThreshold int `yaml:"failure_threshold"`
	// SuccessThreshold: consecutive probe successes that close it. 0 → 2.
	SuccessThreshold int `yaml:"success_threshold"`
	// RecoveryTimeout: time from opening until probes are admitted. 0 → 60s.
	RecoveryTimeout time.Duration `yaml:"recovery_timeout"`
	// HalfOpenMaxCalls: probes in flight at once while half-open. 0 → SuccessThreshold.
	HalfOpenMaxCalls int `yaml:"half_open_max_calls"`
}

// Config returns the breaker configuration named name with s's values; zero
// fields stay zero so that [breaker.New] applies its defaults.
func (s BreakerSpec) Config(name string) breaker.Config {
	return breaker.Config{
		Name:             name,
		FailureThreshold: s.FailureThreshold,
		SuccessThreshold: s.SuccessThreshold,
		RecoveryTimeout:  s.RecoveryTimeout,
		HalfOpenMaxCalls: s.HalfOpenMaxCalls,
	}
}

// over returns s with every zero field taken from base.
func (s BreakerSpec) over(base BreakerSpec) BreakerSpec {
	if s.FailureThreshold == 0 {
		s.FailureThreshold = base.FailureThreshold
	}
	if s.SuccessThreshold == 0 {
		s.SuccessThreshold = base.SuccessThreshold
	}
	if s.RecoveryTimeout == 0 {
		s.RecoveryTimeout = base.RecoveryTimeout
	}
	if s.HalfOpenMaxCalls == 0 {
		s.HalfOpenMaxCalls = base.HalfOpenMaxCalls
	}
	return s
}

// withDefaults returns s with the NFR-6 defaults filled in.
func (s BreakerSpec) withDefaults() BreakerSpec {
	s = s.over(BreakerSpec{
		FailureThreshold: breaker.DefaultFailureThreshold,
		SuccessThreshold: breaker.DefaultSuccessThreshold,
		RecoveryTimeout:  breaker.DefaultRecoveryTimeout,
	})
	if s.HalfOpenMaxCalls == 0 {
		s.HalfOpenMaxCalls = s.SuccessThreshold
	}
	return s
}

// Client is the calling side of a dependency.
type Client struct {
	// Timeout bounds each call; a call still running at Timeout fails with
	// context.DeadlineExceeded, which the breaker counts as a failure. Zero
	// means no timeout in sim and stress mode and 10 s in live mode.
	Timeout time.Duration `yaml:"timeout"`
	// CancelRate is the share of calls (0..1) that the caller cancels after
	// CancelAfter; they end with context.Canceled, which must not count.
	CancelRate float64 `yaml:"cancel_rate"`
	// CancelAfter is when a cancelled call is cancelled. Zero means 1 ms.
	CancelAfter time.Duration `yaml:"cancel_after"`
	// Fallback serves a fallback value after a failure or rejection; it is
	// recorded in calls.bin and changes no outcome.
	Fallback bool `yaml:"fallback"`
}

// Expect is what a run must show, beyond the invariants.
type Expect struct {
	// Invariants lists the invariant ids to check ("I1".."I11"), or "all".
	// Empty means all.
	Invariants Invariants `yaml:"invariants"`
	// MaxRejectionP99 bounds the 99th percentile of rejected calls' latency
	// (invariant I9). Zero means 1 ms in live and stress mode; in sim
	// rejections take no time.
	MaxRejectionP99 time.Duration `yaml:"max_rejection_p99"`
	// MinServedRatio (0..1) is the least share of calls that must end in
	// success or a fallback. Zero means no bound.
	MinServedRatio float64 `yaml:"min_served_ratio"`
	// MaxTimeToClose bounds the time from the dependency healing (the start of
	// its last healthy phase) to the circuit closing. Zero means
	// RecoveryTimeout plus the probes' time (invariant I10 only).
	MaxTimeToClose time.Duration `yaml:"max_time_to_close"`
	// MinOpens and MaxOpens bound how many times each circuit opened: they
	// make a scenario prove it exercised what it claims. An absent MaxOpens
	// means no bound; 0 means the circuit must never open.
	MinOpens int  `yaml:"min_opens"`
	MaxOpens *int `yaml:"max_opens"`
}

// Invariants is a set of invariant ids; it decodes from "all" or a list.
type Invariants []string

// AllInvariants are the ids of every invariant (docs/scenarios.md,
// "Invariants I1–I11").
var AllInvariants = Invariants{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11"}

// String returns the mode's name.
func (m Mode) String() string { return string(m) }

// OrDefault returns the effective mode: sim when none is given.
func (m Mode) OrDefault() Mode {
	if m == "" {
		return ModeSim
	}
	return m
}

// String describes the scenario in one line, for listings.
func (sc *Scenario) String() string {
	return fmt.Sprintf("%s (%s, %s): %s", sc.Name, sc.Mode.OrDefault(), sc.Duration, sc.Description)
}

// BreakerSpec returns the effective breaker configuration of dependency i:
// its own `breaker:` fields, over its service's, over the NFR-6 defaults.
func (sc *Scenario) BreakerSpec(i int) BreakerSpec {
	dep := sc.Dependencies[i]
	spec := dep.Breaker
	if dep.Service != "" && sc.services != nil {
		spec = spec.over(sc.services.Services[dep.Service])
	}
	return spec.withDefaults()
}
