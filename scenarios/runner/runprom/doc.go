// Package runprom serves the metrics of a breakerlab run to Prometheus while
// it goes: the breakers' (package breakerprom's metrics, for breakers that
// report snapshots), the state each reports, the fake dependencies'
// request counts by fault, and in external mode — where the breaker is a
// service's, reporting nothing to breakerlab — the service's answers by
// outcome and the breaker's state estimated live from them. It is the
// runner's only link to the Prometheus client, which package runner itself
// does not import.
//
//	e, err := runprom.Listen("127.0.0.1:9464", false)
//	if err != nil {
//		return err // malformed, not loopback, or taken
//	}
//	defer e.Close()
//	res, err := runner.Run(ctx, sc, runner.Options{Observe: e.Observe})
//
// The endpoint serves a live, stress or external run from before its load starts;
// once the load stops, it serves the values the run ended with, until the
// next run starts or the endpoint closes. Sim runs are not observed (their
// clock is virtual). Each scrape reads the run once, so its metrics agree
// with each other. The endpoint keeps no connection open between scrapes:
// a kept-alive connection would outlive the run and count against
// invariant I11.
//
// Besides breakerprom's breaker_* metrics (see that package for each, with
// example alerts), the endpoint exports:
//
//	breakerlab_run_info{scenario,run,mode,implementation}  gauge    1: the run observed, or the last one
//	breakerlab_run_active                                  gauge    1 while the load goes, 0 once it stopped
//	breakerlab_breaker_state{breaker,state}                gauge    1 for the state the breaker reports, 0 for the others
//	breakerlab_fake_requests_total{dependency,fault}       counter  requests the fake decided, by fault (none, error, latency, hang, …)
//	breakerlab_fake_in_flight{dependency}                  gauge    requests the fake is serving now
//	breakerlab_client_calls_total{dependency,outcome}      counter  the client's calls by outcome (success, failure, ignored, rejected)
//	breakerlab_estimated_state{dependency,state}           gauge    external: 1 for the state estimated from the answers, 0 for the others
//
// breakerlab_breaker_state is the breaker's own report: in live and stress
// mode for every breaker that reports its state (breaker_state exists only
// for breakers that report full snapshots), in external mode what the
// service's state endpoint said at its last read, when the scenario
// declares one (state:). The fakes' metrics exist in live and external
// mode: stress callers ask the fake for decisions it does not count.
//
// breakerlab_client_calls_total counts what calls.bin records: in live
// mode the guarded endpoint's calls through the breaker, in stress mode the
// callers' (counted as each writes its records out, a chunk at a time, so
// that the callers share no counter: it lags mid-run), in external mode the
// service's answers as the scenario classifies them.
//
// breakerlab_estimated_state is not the checker's inference (that needs the
// whole run, and judges the breaker afterwards: inferred.jsonl) but a cheap
// reading of the answers so far, ordered by when each call started: open
// while the latest call was rejected; half-open once calls are admitted
// again, until success_threshold of them in a row; closed after that, or
// before any rejection. It lags by the calls in flight, and a half-open
// breaker whose probe slots are all taken reads as open.
//
// Example queries and alerts (PromQL):
//
//	# errors the fake injected per second, by dependency
//	sum by (dependency) (rate(breakerlab_fake_requests_total{fault!="none"}[1m]))
//	# share of the dependency's requests that were faults, over 1 minute
//	sum by (dependency) (rate(breakerlab_fake_requests_total{fault!~"none|latency"}[1m])) / sum by (dependency) (rate(breakerlab_fake_requests_total[1m]))
//	# the breaker opened during the run
//	increase(breaker_transitions_total{to="open"}[5m]) > 0
//	# external mode: the service's breaker is open now, as estimated
//	breakerlab_estimated_state{state="open"} == 1
//	# external mode: what the service says disagrees with what it does
//	breakerlab_breaker_state{state="open"} != on(breaker) label_replace(breakerlab_estimated_state{state="open"}, "breaker", "$1", "dependency", "(.*)")
//	# share of calls the breaker rejected, over 1 minute
//	sum by (dependency) (rate(breakerlab_client_calls_total{outcome="rejected"}[1m])) / sum by (dependency) (rate(breakerlab_client_calls_total[1m]))
//	# the run's load stopped
//	breakerlab_run_active == 0
//	# requests pile up at the fake: more than 100 in flight for a minute
//	min_over_time(breakerlab_fake_in_flight[1m]) > 100
package runprom
