package runprom

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// liveScenario is a short live outage on loopback: IAM fails from 0.5 s to
// 1.5 s, and the circuit opens, probes every 300 ms and closes.
const liveScenario = `
name: metrics-live
description: a short live outage, scraped while it goes
mode: live
seed: 5
duration: 2500ms
dependencies:
  - preset: iam
    service: iam
    breaker: {recovery_timeout: 300ms}
    client: {timeout: 1s}
    phases:
      - {at: 500ms, label: outage, error_rate: 1.0}
      - {at: 1500ms, label: recovered}
load: {rate: 200/s}
`

// stressScenario is a short stress run that flaps.
const stressScenario = `
name: metrics-stress
description: a short stress run, scraped while it goes
mode: stress
seed: 5
duration: 5s
dependencies:
  - name: flaky
    breaker: {failure_threshold: 5, success_threshold: 2, recovery_timeout: 2ms}
    faults:
      latency: {p50: 100us, p99: 500us}
    flap: {at: 20ms, period: 100ms, duty: 0.4, faults: {error_rate: 0.5}}
stress: {goroutines: 8, iterations: 2000, backoff: 100us}
expect:
  max_rejection_p99: 50ms
`

// The endpoint during a run: a scrape mid-run is well-formed and shows the
// breaker and the fake at work; after the run, the transition counters
// agree with transitions.jsonl and the fake's counts with dependency.bin,
// and the endpoint leaked nothing into the run (I11).
func TestScrapeDuringRun(t *testing.T) {
	for _, tt := range []struct {
		yaml     string
		scrapeAt time.Duration
	}{
		{liveScenario, time.Second}, // mid-outage
		{stressScenario, 0},         // at the first progress call
	} {
		sc, err := scenarios.Parse("test.yaml", []byte(tt.yaml))
		require.NoError(t, err)
		t.Run(string(sc.Mode.OrDefault()), func(t *testing.T) {
			e, err := Listen("127.0.0.1:0", false)
			require.NoError(t, err)
			defer func() { require.NoError(t, e.Close()) }()

			var once sync.Once
			var mid string
			var midErr error
			out := t.TempDir()
			res, err := runner.Run(context.Background(), sc, runner.Options{
				Out: out, Observe: e.Observe, ProgressEvery: 50 * time.Millisecond,
				Progress: func(p runner.Progress) {
					if p.Elapsed >= tt.scrapeAt && p.Calls > 0 {
						once.Do(func() { mid, midErr = get(e.URL()) })
					}
				},
			})
			require.NoError(t, err)
			require.NoError(t, midErr)
			require.NotEmpty(t, mid, "a scrape happened mid-run")
			t.Logf("mid-run scrape (%s):\n%s", sc.Mode, mid)

			m := parse(t, mid)
			dep := sc.Dependencies[0].Name
			assert.Equal(t, 1.0, m.value(t, "breakerlab_run_active"), "the load was going")
			assert.Equal(t, 1.0, m.value(t, "breakerlab_run_info", "scenario", sc.Name, "mode", string(sc.Mode), "implementation", "reference"))
			if sc.Mode == scenarios.ModeStress {
				assert.Empty(t, m.matching("breakerlab_fake_requests_total"), "stress callers decide for themselves: the fake counts nothing")
			} else {
				assert.Positive(t, m.sum("breakerlab_fake_requests_total", "dependency", dep), "the fake had requests")
			}
			assert.Positive(t, m.sum("breaker_calls_total", "breaker", dep), "the breaker had calls")
			assert.Equal(t, 1.0, m.sum("breaker_state", "breaker", dep), "one state at a time")
			assert.Equal(t, 1.0, m.sum("breakerlab_breaker_state", "breaker", dep), "one state at a time")
			if sc.Mode == scenarios.ModeLive {
				assert.Positive(t, m.value(t, "breakerlab_client_calls_total", "dependency", dep, "outcome", "failure"), "mid-outage: calls failed")
				assert.Positive(t, m.value(t, "breakerlab_fake_requests_total", "dependency", dep, "fault", "error"), "mid-outage: errors served")
				assert.Positive(t, m.value(t, "breaker_transitions_total", "breaker", dep, "from", "closed", "to", "open"), "mid-outage: tripped")
			}

			run, err := record.Read(res.Dir)
			require.NoError(t, err)
			require.NotEmpty(t, run.Transitions)
			require.NotNil(t, run.Meta.LeakedGoroutines)
			assert.Zero(t, *run.Meta.LeakedGoroutines, "no scrape connection outlived the run")

			// After the run: its final values, exactly those of the records.
			final := scrape(t, e.URL())
			assert.Contains(t, final, "breakerlab_run_active 0")
			require.NoError(t, testutil.ScrapeAndCompare(e.URL(), strings.NewReader(transitionsText(dep, run.Transitions)), "breaker_transitions_total"))
			require.NoError(t, testutil.ScrapeAndCompare(e.URL(), strings.NewReader(callsText(dep, run.Calls)), "breakerlab_client_calls_total"))
			if sc.Mode == scenarios.ModeLive {
				require.NoError(t, testutil.ScrapeAndCompare(e.URL(), strings.NewReader(fakeText(dep, run.DepRequests)), "breakerlab_fake_requests_total"))
			}
		})
	}
	scraper.CloseIdleConnections()
}

// get fetches url, for use off the test's goroutine.
func get(url string) (string, error) {
	resp, err := scraper.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, resp.Body)
	return b.String(), err
}

// families is a parsed exposition.
type families map[string]*dto.MetricFamily

// parse parses an exposition in the text format, failing the test if it is
// not well-formed.
func parse(t *testing.T, text string) families {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err, "the exposition is well-formed")
	return mfs
}

// matching returns the samples of name whose labels include the pairs kv.
func (f families) matching(name string, kv ...string) []*dto.Metric {
	mf := f[name]
	if mf == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for i := 0; i+1 < len(kv); i += 2 {
			ok = ok && labels[kv[i]] == kv[i+1]
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

func sampleValue(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}

// value returns the one sample of name with the labels kv.
func (f families) value(t *testing.T, name string, kv ...string) float64 {
	t.Helper()
	ms := f.matching(name, kv...)
	require.Len(t, ms, 1, "%s%v", name, kv)
	return sampleValue(ms[0])
}

// sum adds the samples of name with the labels kv.
func (f families) sum(name string, kv ...string) float64 {
	s := 0.0
	for _, m := range f.matching(name, kv...) {
		s += sampleValue(m)
	}
	return s
}

// transitionsText is breaker_transitions_total as transitions.jsonl says
// it must be: the six series exported from zero, and any other that
// occurred.
func transitionsText(dep string, trs []record.Transition) string {
	counts := map[[2]string]int{
		{"closed", "open"}: 0, {"open", "half-open"}: 0, {"half-open", "closed"}: 0,
		{"half-open", "open"}: 0, {"open", "closed"}: 0, {"closed", "closed"}: 0,
	}
	for _, tr := range trs {
		if tr.Dep == dep {
			counts[[2]string{tr.From.String(), tr.To.String()}]++
		}
	}
	var b strings.Builder
	b.WriteString("# HELP breaker_transitions_total Transitions by the state left and the state entered, resets (to closed) and forced opens included.\n")
	b.WriteString("# TYPE breaker_transitions_total counter\n")
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b [2]string) int { return strings.Compare(a[0]+a[1], b[0]+b[1]) }) {
		fmt.Fprintf(&b, "breaker_transitions_total{breaker=%q,from=%q,to=%q} %d\n", dep, k[0], k[1], counts[k])
	}
	return b.String()
}

// fakeText is breakerlab_fake_requests_total as the dependency requests
// (dependency.bin) say it must be.
func fakeText(dep string, reqs []record.DepRequest) string {
	counts := map[string]int{}
	for _, k := range fakes.Kinds() {
		counts[k.String()] = 0
	}
	for _, r := range reqs {
		if r.Dep == dep {
			counts[r.Fault]++
		}
	}
	var b strings.Builder
	b.WriteString("# HELP breakerlab_fake_requests_total Requests the dependency's fake decided, by the fault it served (none: a normal answer).\n")
	b.WriteString("# TYPE breakerlab_fake_requests_total counter\n")
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "breakerlab_fake_requests_total{dependency=%q,fault=%q} %d\n", dep, k, counts[k])
	}
	return b.String()
}
