package runprom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/breaker/breakerprom"
	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// reading is one look at a run: everything a scrape shows, read at once.
type reading struct {
	view   *runner.View
	active bool // the load is going
	deps   []depReading
}

// depReading is one dependency in a reading.
type depReading struct {
	name     string
	snap     breaker.Snapshot
	hasSnap  bool
	state    breaker.State
	hasState bool
	fake     fakes.Counters
	hasFake  bool
	calls    record.Totals // external mode: the answers by outcome
	hasCalls bool
	estimate breaker.State // external mode: the state estimated from them
	hasEst   bool
}

// read looks at every dependency of v.
func read(v *runner.View, active bool) reading {
	r := reading{view: v, active: active, deps: make([]depReading, len(v.Deps))}
	for i, d := range v.Deps {
		dr := depReading{name: d.Name}
		dr.fake, dr.hasFake = d.Fake()
		dr.snap, dr.hasSnap = d.Snapshot()
		dr.snap.Name = d.Name // the label is the dependency's name, whatever the breaker calls itself
		dr.state, dr.hasState = d.State()
		dr.calls, dr.hasCalls = d.Calls()
		dr.estimate, dr.hasEst = d.Estimate()
		r.deps[i] = dr
	}
	return r
}

// Snapshot makes r a [breakerprom.Source]: the snapshots of the breakers
// that make them.
func (r *reading) Snapshot() []breaker.Snapshot {
	var out []breaker.Snapshot
	for _, d := range r.deps {
		if d.hasSnap {
			out = append(out, d.snap)
		}
	}
	return out
}

// The run's own metrics; the breakers' are breakerprom's.
var (
	runInfo = prometheus.NewDesc("breakerlab_run_info",
		"The run being observed, or the last one: always 1.", []string{"scenario", "run", "mode", "implementation"}, nil)
	runActive = prometheus.NewDesc("breakerlab_run_active",
		"1 while the run's load goes, 0 once it has stopped (the values are then the run's last).", nil, nil)
	breakerState = prometheus.NewDesc("breakerlab_breaker_state",
		"1 for the breaker's state as it reports it (external mode: as the service's state endpoint said at its last read), 0 for the others.",
		[]string{"breaker", "state"}, nil)
	clientCalls = prometheus.NewDesc("breakerlab_client_calls_total",
		"The client's calls, by outcome as calls.bin records them (rejected: the breaker refused the call): "+
			"in live and stress mode the calls through the breaker, in external mode the service's answers to the load as the scenario classifies them.",
		[]string{"dependency", "outcome"}, nil)
	estimatedState = prometheus.NewDesc("breakerlab_estimated_state",
		"External mode: 1 for the breaker's state as estimated live from its decisions (open while the latest call was rejected; "+
			"half-open once it admits calls again, until success_threshold in a row; closed otherwise), 0 for the others. "+
			"An estimate: the checker's inference after the run judges the breaker.",
		[]string{"dependency", "state"}, nil)
	fakeRequests = prometheus.NewDesc("breakerlab_fake_requests_total",
		"Requests the dependency's fake decided, by the fault it served (none: a normal answer).", []string{"dependency", "fault"}, nil)
	fakeInFlight = prometheus.NewDesc("breakerlab_fake_in_flight",
		"Requests the dependency's fake is serving now.", []string{"dependency"}, nil)
)

// collector makes an endpoint's metrics from one reading per scrape.
type collector struct{ e *Endpoint }

var _ prometheus.Collector = (*collector)(nil)

// Describe sends the run's descriptors and breakerprom's.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{runInfo, runActive, breakerState, clientCalls, estimatedState, fakeRequests, fakeInFlight} {
		ch <- d
	}
	breakerprom.NewCollector(nil).Describe(ch)
}

// Collect sends the current reading's metrics; nothing before the first run.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	r := c.e.current()
	if r == nil {
		return
	}
	v := r.view
	ch <- prometheus.MustNewConstMetric(runInfo, prometheus.GaugeValue, 1, v.Scenario, v.Label, string(v.Mode), v.Breaker)
	active := 0.0
	if r.active {
		active = 1
	}
	ch <- prometheus.MustNewConstMetric(runActive, prometheus.GaugeValue, active)
	for _, d := range r.deps {
		if d.hasState {
			stateMetrics(ch, breakerState, d.name, d.state)
		}
		if d.hasEst {
			stateMetrics(ch, estimatedState, d.name, d.estimate)
		}
		if d.hasCalls {
			t := d.calls
			for _, o := range []struct {
				name string
				n    uint64
			}{{"success", t.Success}, {"failure", t.Failure}, {"ignored", t.Ignored}, {"rejected", t.Rejected}} {
				ch <- prometheus.MustNewConstMetric(clientCalls, prometheus.CounterValue, float64(o.n), d.name, o.name)
			}
		}
		if !d.hasFake {
			continue
		}
		for _, k := range fakes.Kinds() {
			ch <- prometheus.MustNewConstMetric(fakeRequests, prometheus.CounterValue, float64(d.fake.Of(k)), d.name, k.String())
		}
		ch <- prometheus.MustNewConstMetric(fakeInFlight, prometheus.GaugeValue, float64(d.fake.InFlight), d.name)
	}
	// One reading for both: the breakers' metrics agree with the rest.
	breakerprom.NewCollector(r).Collect(ch)
}

// stateMetrics sends desc{name, state} for each state: 1 for s, 0 for the
// others.
func stateMetrics(ch chan<- prometheus.Metric, desc *prometheus.Desc, name string, s breaker.State) {
	for _, st := range []breaker.State{breaker.Closed, breaker.Open, breaker.HalfOpen} {
		v := 0.0
		if s == st {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, name, st.String())
	}
}
