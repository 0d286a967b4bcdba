// Package breakerprom exports the state of breakers as Prometheus metrics:
// NFR-6's "expose state metrics". It is the only package here that imports the
// Prometheus client, so the breaker package itself stays standard-library only.
//
//	reg := breaker.NewRegistry()
//	// … reg.GetOrCreate("iam", breaker.Config{}) for each client …
//	prometheus.MustRegister(breakerprom.NewCollector(reg))
//	http.Handle("/metrics", promhttp.Handler())
//
// The collector reads one [breaker.Snapshot] per breaker at every scrape, so
// it adds nothing to the breaker's call paths. Every metric has the label
// breaker (the breaker's name):
//
//	breaker_state{state}                 gauge    1 for the current state (closed, open, half-open), 0 for the others
//	breaker_transitions_total{from,to}   counter  transitions, resets and forced opens included
//	breaker_open_seconds_total           counter  time spent open; half-open time does not count
//	breaker_generation                   gauge    one more for every transition
//	breaker_consecutive_failures         gauge    failures in a row while closed
//	breaker_consecutive_successes        gauge    probe successes in a row while half-open
//	breaker_probes_in_flight             gauge    probes admitted and not yet done while half-open
//	breaker_opened_timestamp_seconds     gauge    when the circuit last opened, Unix time; 0 if never
//	breaker_calls_total{outcome}         counter  attempted calls: success, failure, ignored, rejected
//
// breaker_transitions_total counts each transition exactly once, as the
// breaker delivers it to Config.OnStateChange (the breaker keeps the counts
// under its lock: see [breaker.Snapshot].Transitions). A reset is a
// transition to closed from the state it found (closed → closed included); a
// forced open one to open. The series that a correct breaker can produce are
// exported from zero (closed → open, open → half-open, half-open → closed,
// half-open → open, open → closed, closed → closed), so that increase()
// sees the first one; any other pair appears once it is non-zero. Unlike the
// state gauge, the counter cannot miss an open → half-open → closed cycle
// that fits between two scrapes.
//
// breaker_open_seconds_total adds up, for each time the circuit was open,
// the time from the transition to open until the transition out of it (by
// the transitions' times: an open → half-open ends exactly RecoveryTimeout
// after the opening), plus the current stretch up to the scrape. Forced-open
// time counts; half-open time does not. It never decreases.
//
// Example alerts (PromQL):
//
//	# opened (tripped, or reopened by a failed probe) in the last 5 minutes
//	increase(breaker_transitions_total{to="open"}[5m]) > 0
//	# flapping: three failed probes in 15 minutes
//	increase(breaker_transitions_total{from="half-open",to="open"}[15m]) >= 3
//	# open more than half of the last 10 minutes
//	rate(breaker_open_seconds_total[10m]) > 0.5
//	# open right now (the state at the last scrape)
//	breaker_state{state="open"} == 1
//	# open for more than 10 minutes in one stretch
//	breaker_state{state="open"} == 1 and on(breaker) time() - breaker_opened_timestamp_seconds > 600
//	# more than 20 transitions in an hour
//	delta(breaker_generation[1h]) > 20
//	# one failure short of tripping (FailureThreshold 5), for 5 minutes
//	min_over_time(breaker_consecutive_failures[5m]) >= 4
//	# half-open for 10 minutes without a probe success: probes are not coming back
//	max_over_time(breaker_consecutive_successes[10m]) == 0 and on(breaker) min_over_time(breaker_state{state="half-open"}[10m]) == 1
//	# probes in flight for 10 minutes: a probe hangs
//	min_over_time(breaker_probes_in_flight[10m]) > 0
//	# more than 10% of calls rejected over 5 minutes
//	sum by (breaker) (rate(breaker_calls_total{outcome="rejected"}[5m])) / sum by (breaker) (rate(breaker_calls_total[5m])) > 0.1
package breakerprom
