// Package breakerprom exports the state of breakers as Prometheus metrics:
// NFR-6's "expose state metrics". It is the only package here that imports the
// Prometheus client, so the breaker package itself stays standard-library only.
//
//	reg := breaker.NewRegistry()
//	// … reg.GetOrCreate("iam", breaker.Config{}) for each client …
//	prometheus.MustRegister(breakerprom.NewCollector(reg))
//	http.Handle("/metrics", promhttp.Handler())
package breakerprom

import (
	"github.com/breakerlab/breakerlab/breaker"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector reads a [breaker.Registry] at every scrape. It is safe for
// concurrent use by multiple goroutines.
type Collector struct {
	reg *breaker.Registry

	state, generation, failures, successes, probes, opened *prometheus.Desc
	calls                                                  *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector over every breaker in reg, present and future.
func NewCollector(reg *breaker.Registry) *Collector {
	name := []string{"breaker"}
	return &Collector{
		reg: reg,
		state: prometheus.NewDesc("breaker_state",
			"1 for the breaker's current state, 0 for the others.", append(name, "state"), nil),
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
	for _, d := range []*prometheus.Desc{c.state, c.generation, c.failures, c.successes, c.probes, c.opened, c.calls} {
		ch <- d
	}
}

// Collect sends the current value of every metric, one snapshot per breaker.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.reg.Snapshot() {
		for _, st := range []breaker.State{breaker.Closed, breaker.Open, breaker.HalfOpen} {
			v := 0.0
			if s.State == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, v, s.Name, st.String())
		}
		ch <- prometheus.MustNewConstMetric(c.generation, prometheus.GaugeValue, float64(s.Generation), s.Name)
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(s.ConsecutiveFailures), s.Name)
		ch <- prometheus.MustNewConstMetric(c.successes, prometheus.GaugeValue, float64(s.ConsecutiveSuccesses), s.Name)
		ch <- prometheus.MustNewConstMetric(c.probes, prometheus.GaugeValue, float64(s.ProbesInFlight), s.Name)
		opened := 0.0
		if !s.OpenedAt.IsZero() {
			opened = float64(s.OpenedAt.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(c.opened, prometheus.GaugeValue, opened, s.Name)
		for _, o := range []struct {
			outcome string
			n       uint64
		}{
			{"success", s.Totals.Success}, {"failure", s.Totals.Failure},
			{"ignored", s.Totals.Ignored}, {"rejected", s.Totals.Rejected},
		} {
			ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(o.n), s.Name, o.outcome)
		}
	}
}
