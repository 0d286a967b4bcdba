package fakes

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The presets model the six services of the seed product. The numbers are
// plausible starting points, not measurements: fast identity and policy
// lookups, mid-latency data services, and an LLM gateway with a heavy tail
// and a concurrency limit. A user lays their own faults over one.
var presets = map[string]struct {
	about  string
	faults Faults
}{
	"iam": {"identity and access: token checks, fast and reliable", Faults{
		ErrorRate: 0.001, ErrorStatus: 503,
		Latency: Latency{Dist: DistLognormal, P50: 8 * time.Millisecond, P99: 40 * time.Millisecond},
	}},
	"policy": {"policy decisions: small cached lookups, the fastest", Faults{
		ErrorRate: 0.001, ErrorStatus: 500,
		Latency: Latency{Dist: DistLognormal, P50: 4 * time.Millisecond, P99: 25 * time.Millisecond},
	}},
	"eris": {"entity records and search: mid-latency reads", Faults{
		ErrorRate: 0.005, ErrorStatus: 500,
		Latency: Latency{Dist: DistLognormal, P50: 35 * time.Millisecond, P99: 180 * time.Millisecond},
	}},
	"data-governance": {"data classification and lineage: slower, occasional timeouts", Faults{
		ErrorRate: 0.01, ErrorStatus: 500,
		Latency: Latency{Dist: DistLognormal, P50: 60 * time.Millisecond, P99: 400 * time.Millisecond},
		Timeout: Timeout{Rate: 0.002, After: 2 * time.Second},
	}},
	"ubi": {"usage-based billing: steady, bounded latency", Faults{
		ErrorRate: 0.002, ErrorStatus: 502,
		Latency: Latency{Dist: DistUniform, P50: 20 * time.Millisecond, P99: 30 * time.Millisecond},
	}},
	"llm-gateway": {"LLM gateway: slow, heavy Pareto tail, rate-limited, 64 in flight", Faults{
		ErrorRate: 0.02, ErrorStatus: 429,
		Latency:     Latency{Dist: DistPareto, P50: 800 * time.Millisecond, P99: 8 * time.Second, Max: 30 * time.Second},
		MaxInFlight: 64,
	}},
}

// Preset returns the named preset's faults; "" returns the zero Faults. An
// unknown name is an error matching [ErrUnknownPreset] that lists the known.
func Preset(name string) (Faults, error) {
	if name == "" {
		return Faults{}, nil
	}
	p, ok := presets[name]
	if !ok {
		return Faults{}, fmt.Errorf("%w %q (want one of %s)", ErrUnknownPreset, name, strings.Join(Presets(), ", "))
	}
	f := p.faults
	return f, nil
}

// Presets returns the preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// PresetAbout returns a one-line description of the named preset, or "".
func PresetAbout(name string) string { return presets[name].about }
