package runprom

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/internal/guarded"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// externalScenario drives a service on loopback whose IAM breaker nobody
// here wrote: IAM fails from 300 ms to 1.2 s, so its breaker opens, probes
// every 400 ms and closes again; its state endpoint is read every 20 ms.
const externalScenario = `name: metrics-external
mode: external
duration: 2500ms
target: {url: %[1]s}
dependencies:
  - name: iam
    listen: %[2]s
    target: {url: /call}
    breaker: {failure_threshold: 5, success_threshold: 2, recovery_timeout: 400ms}
    client: {timeout: 200ms}
    faults: {latency: {p50: 2ms, dist: fixed}}
    phases:
      - {at: 300ms, label: outage, error_rate: 1.0}
      - {at: 1200ms, label: recovered}
load: {rate: 100/s}
state: {url: %[1]s/state, every: 20ms}
`

// extService is a service in front of a dependency at depURL, guarded by a
// breaker of its own (package guarded), whose /state says its state. opened
// is signalled when the breaker first opens.
func extService(t *testing.T, depURL string, opened chan<- struct{}) *guarded.Service {
	t.Helper()
	svc, err := guarded.Start(guarded.Config{DepURL: depURL, Breaker: breaker.Config{RecoveryTimeout: 400 * time.Millisecond,
		OnStateChange: func(tr breaker.Transition) {
			if tr.To == breaker.Open {
				select {
				case opened <- struct{}{}:
				default:
				}
			}
		}}})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc
}

// In external mode the endpoint serves what breakerlab sees of a breaker
// it did not write: the answers by outcome, the state estimated from them,
// the state the service's endpoint says, and the fake's requests. Scraped
// once the service's breaker has opened (its own hook, then a bounded run
// of scrapes, no sleep), the estimate reads open; after the run the counts
// are those of the records, and the last estimate agrees with the
// checker's inference.
func TestScrapeDuringExternalRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listen := ln.Addr().String()
	require.NoError(t, ln.Close())
	opened := make(chan struct{}, 1)
	svc := extService(t, "http://"+listen, opened)
	sc, err := scenarios.Parse("ext.yaml", fmt.Appendf(nil, externalScenario, svc.URL, listen))
	require.NoError(t, err)

	e, err := Listen("127.0.0.1:0", false)
	require.NoError(t, err)
	defer func() { require.NoError(t, e.Close()) }()

	type result struct {
		res *runner.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := runner.Run(context.Background(), sc, runner.Options{Out: t.TempDir(), Observe: e.Observe})
		done <- result{res, err}
	}()

	// Once the breaker has opened: scrape until the endpoint shows it
	// (the answers reach breakerlab a moment later), 300 scrapes at most.
	var mid families
	var last string
	select {
	case <-opened:
		for range 300 {
			text, err := get(e.URL())
			require.NoError(t, err)
			last, mid = text, parse(t, text)
			if mid.sum("breakerlab_estimated_state", "state", "open") == 1 && mid.sum("breakerlab_breaker_state", "state", "open") == 1 {
				break
			}
		}
	case r := <-done:
		t.Fatalf("the run ended before the breaker opened: %v", r.err)
	}
	t.Logf("mid-run scrape (external):\n%s", last)
	assert.Equal(t, 1.0, mid.value(t, "breakerlab_run_active"))
	assert.Equal(t, 1.0, mid.value(t, "breakerlab_run_info", "scenario", "metrics-external", "mode", "external", "implementation", ""))
	assert.Equal(t, 1.0, mid.value(t, "breakerlab_estimated_state", "dependency", "iam", "state", "open"), "estimated from the answers")
	assert.Equal(t, 1.0, mid.value(t, "breakerlab_breaker_state", "breaker", "iam", "state", "open"), "as the service's /state says")
	assert.Positive(t, mid.value(t, "breakerlab_client_calls_total", "dependency", "iam", "outcome", "rejected"))
	assert.Positive(t, mid.value(t, "breakerlab_client_calls_total", "dependency", "iam", "outcome", "failure"))
	assert.Positive(t, mid.value(t, "breakerlab_fake_requests_total", "dependency", "iam", "fault", "error"))
	assert.Empty(t, mid.matching("breaker_calls_total"), "the service's breaker makes no snapshots for breakerprom")

	r := <-done
	require.NoError(t, r.err)
	run, err := record.Read(r.res.Dir)
	require.NoError(t, err)
	require.NoError(t, testutil.ScrapeAndCompare(e.URL(), strings.NewReader(callsText("iam", run.Calls)), "breakerlab_client_calls_total"))
	require.NoError(t, testutil.ScrapeAndCompare(e.URL(), strings.NewReader(fakeText("iam", run.DepRequests)), "breakerlab_fake_requests_total"))
	inferred, err := record.ReadInferred(r.res.Dir)
	require.NoError(t, err)
	require.NotEmpty(t, inferred, "the checker inferred the breaker's transitions")
	final := parse(t, scrape(t, e.URL()))
	assert.Equal(t, 1.0, final.value(t, "breakerlab_estimated_state", "dependency", "iam", "state", inferred[len(inferred)-1].To.String()),
		"the run ends as the checker inferred: %v", inferred[len(inferred)-1])
	scraper.CloseIdleConnections()
}

// callsText is breakerlab_client_calls_total as calls.bin says it must be.
func callsText(dep string, calls []record.Call) string {
	counts := map[record.Outcome]int{}
	for _, c := range calls {
		if c.Dep == dep {
			counts[c.Outcome]++
		}
	}
	var b strings.Builder
	b.WriteString("# HELP breakerlab_client_calls_total The client's calls, by outcome as calls.bin records them (rejected: the breaker refused the call): " +
		"in live and stress mode the calls through the breaker, in external mode the service's answers to the load as the scenario classifies them.\n")
	b.WriteString("# TYPE breakerlab_client_calls_total counter\n")
	for _, o := range []record.Outcome{record.OutcomeFailure, record.OutcomeIgnored, record.OutcomeRejected, record.OutcomeSuccess} {
		fmt.Fprintf(&b, "breakerlab_client_calls_total{dependency=%q,outcome=%q} %d\n", dep, o, counts[o])
	}
	return b.String()
}
