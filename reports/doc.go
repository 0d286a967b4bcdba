// Package reports turns a recorded run directory into what people and CI
// systems read: report.html (one self-contained page with inline SVG plots),
// summary.md (for a CI step summary or a pull-request comment),
// summary.json (machine-readable, with a schema_version), junit.xml (one
// test case per invariant and expectation) and plots/timeline, throughput
// and latency as PNG and SVG. It also draws contention plots for the
// benchmarks.
//
// The happy path:
//
//	run, err := reports.Load("out/nfr6-iam-outage") // streams the JSON-lines logs
//	if err != nil {
//		return err // names the file and line of a malformed record
//	}
//	files, err := reports.Write(run.Dir, run) // report.html first
//	if err != nil {
//		return err
//	}
//	fmt.Println(run.Status(), "→", files[0]) // passed | failed | not checked
//
// reports reads files only: it declares its own record types (see [Meta],
// [Call], [Verdict]) and never imports the runner, so a report can be
// rebuilt from a run recorded by another build, or one cut short by Ctrl-C.
// [Load] keeps aggregates, not records: per dependency, counts, latency
// histograms (quantiles within 1 %) and a time series of at most 480
// buckets, so a ten-minute run at 1000 req/s loads in about 0.3 s and a few
// megabytes however long the run.
package reports
