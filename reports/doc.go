// Package reports turns a recorded run directory into what people and CI
// systems read: report.html (one self-contained page with inline SVG plots),
// summary.md (for a CI step summary or a pull-request comment),
// summary.json (machine-readable, with a schema_version; docs/reports.md
// lists its fields),
// junit.xml (one test case per invariant and expectation) and
// plots/timeline, throughput and latency as PNG and SVG — and, for a run on
// the real clock (live, stress), plots/contention: throughput and latency
// against the number of calls in flight, measured from the records. [Write]
// writes them all; [WriteIndex] writes, for an output directory of several
// runs, one summary.md and junit.xml over all of them (listing the runs
// that have no report, [Missing]) and one contention plot comparing them,
// one line per breaker implementation. The benchmarks' lock contention is
// drawn the same way ([ContentionPlot]).
//
// The breaker's states the reports count and draw are those the checker
// inferred from what the breaker did (inferred.jsonl), so a breaker that
// reports nothing about itself — one driven in external mode, or one with
// Execute only — still shows its opens; what the breaker reported itself
// (transitions.jsonl, or the states its snapshots or state endpoint showed)
// is set beside them as a cross-check. A run without inferred.jsonl (not
// checked, or checked by an older breakerlab) shows what the breaker
// reported, and says so.
//
// A run passes only when its status is passed: a run that failed a check,
// did not run as planned (interrupted, killed, short of its load:
// incomplete) or had nothing checked does not, and every report says which.
//
// The happy path:
//
//	run, err := reports.Load("out/nfr6-iam-outage") // streams the recorded files
//	if err != nil {
//		return err // names the file and line of a malformed record
//	}
//	files, err := reports.Write(run.Dir, run) // report.html first
//	if err != nil {
//		return err
//	}
//	fmt.Println(run.Status(), "→", files[0]) // passed | failed | incomplete | not checked
//
// reports reads files only, through the run-directory format package
// [github.com/breakerlab/breakerlab/scenarios/record]: its types
// ([record.Meta], [record.Call], [record.Verdict]) and streaming readers
// ([record.EachCall] and its siblings). It never imports the runner, so a
// report can be rebuilt from the files of any run, even one cut short by
// Ctrl-C. (It takes the expectations' ids from the checker,
// [github.com/breakerlab/breakerlab/scenarios/check], to list them as not
// checked when verdict.json is missing.)
// [Load] keeps aggregates, not records: per dependency, counts, latency
// histograms (quantiles within 1 %) and a time series of at most 480
// buckets — calls started, requests received, latency and the mean number
// of calls in flight in each — so a ten-minute run at 1000 req/s loads in
// about 0.3 s and a few megabytes however long the run.
package reports
