package breakerprom

import (
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/prometheus/client_golang/prometheus"
)

// Source is what a [Collector] reads at every scrape: one snapshot per
// breaker. A *[breaker.Registry] is one.
type Source interface {
	Snapshot() []breaker.Snapshot
}

var _ Source = (*breaker.Registry)(nil)

// Collector reads a [Source] at every scrape. It is safe for concurrent use
// by multiple goroutines.
type Collector struct {
	src Source

	state, transitions, openSeconds, generation *prometheus.Desc
	failures, successes, probes, opened, calls  *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// states are the breaker's states, in label order.
var states = []breaker.State{breaker.Closed, breaker.Open, breaker.HalfOpen}

// exported are the transitions a correct breaker can make, exported from
// zero: the NFR-6 cycle, and resets (to closed from anywhere).
var exported = [3][3]bool{
	breaker.Closed:   {breaker.Open: true, breaker.Closed: true},
	breaker.Open:     {breaker.HalfOpen: true, breaker.Closed: true},
	breaker.HalfOpen: {breaker.Closed: true, breaker.Open: true},
}

// NewCollector returns a collector over every breaker src snapshots, present
// and future: over a [breaker.Registry], every breaker in it.
func NewCollector(src Source) *Collector {
	name := []string{"breaker"}
	return &Collector{
		src: src,
		state: prometheus.NewDesc("breaker_state",
			"1 for the breaker's current state, 0 for the others.", append(name, "state"), nil),
		transitions: prometheus.NewDesc("breaker_transitions_total",
			"Transitions by the state left and the state entered, resets (to closed) and forced opens included.",
			append(name, "from", "to"), nil),
		openSeconds: prometheus.NewDesc("breaker_open_seconds_total",
			"Time spent open, forced open included, half-open not.", name, nil),
		generation: prometheus.NewDesc("breaker_generation",
			"Generation number: one more for every transition.", name, nil),
		failures: prometheus.NewDesc("breaker_consecutive_failures",
			"Consecutive failures while closed.", name, nil),
		successes: prometheus.NewDesc("breaker_consecutive_successes",
			"Consecutive probe successes while half-open.", name, nil),
		probes: prometheus.NewDesc("breaker_probes_in_flight",
			"Probes admitted and not yet finished while half-open.", name, nil),
		opened: prometheus.NewDesc("breaker_opened_timestamp_seconds",
			"When the circuit last opened, as a Unix time; 0 if never.", name, nil),
		calls: prometheus.NewDesc("breaker_calls_total",
			"Attempted calls by outcome: success, failure, ignored or rejected.", append(name, "outcome"), nil),
	}
}

// Describe sends the descriptors of every metric the collector makes.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.state, c.transitions, c.openSeconds, c.generation,
		c.failures, c.successes, c.probes, c.opened, c.calls} {
		ch <- d
	}
}

// Collect sends the current value of every metric, one snapshot per breaker.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.src.Snapshot() {
		c.collect(ch, s)
	}
}

// collect sends the metrics of one breaker.
func (c *Collector) collect(ch chan<- prometheus.Metric, s breaker.Snapshot) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{s.Name}, labels...)...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, append([]string{s.Name}, labels...)...)
	}
	for _, st := range states {
		v := 0.0
		if s.State == st {
			v = 1
		}
		gauge(c.state, v, st.String())
	}
	for _, from := range states {
		for _, to := range states {
			if n := s.Transitions.Of(from, to); n > 0 || exported[from][to] {
				counter(c.transitions, float64(n), from.String(), to.String())
			}
		}
	}
	counter(c.openSeconds, s.OpenTime.Seconds())
	gauge(c.generation, float64(s.Generation))
	gauge(c.failures, float64(s.ConsecutiveFailures))
	gauge(c.successes, float64(s.ConsecutiveSuccesses))
	gauge(c.probes, float64(s.ProbesInFlight))
	opened := 0.0
	if !s.OpenedAt.IsZero() {
		opened = float64(s.OpenedAt.UnixNano()) / 1e9
	}
	gauge(c.opened, opened)
	for _, o := range []struct {
		outcome string
		n       uint64
	}{
		{"success", s.Totals.Success}, {"failure", s.Totals.Failure},
		{"ignored", s.Totals.Ignored}, {"rejected", s.Totals.Rejected},
	} {
		counter(c.calls, float64(o.n), o.outcome)
	}
}
