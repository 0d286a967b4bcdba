// Package gate is the benchmark regression gate: it compares a baseline and a
// current file of Go benchmark results the way benchstat does (the median of
// each benchmark's samples, the Mann-Whitney U test from
// golang.org/x/perf/benchmath) and fails when a benchmark got slower by more
// than a threshold with statistical significance.
//
// Fewer than [MinSamples] samples on a side cannot show significance at
// α = 0.05 (three against three gives p ≥ 0.1 whatever the numbers), so such
// a benchmark is reported as undecidable and never fails the gate: run the
// benchmarks with -count 5 or more. A comparison that decided nothing does
// not pass either: with no benchmark in both files its [Outcome] is
// [NothingCompared], with every one undecidable [Undecided].
//
// The happy path:
//
//	rep, err := gate.CompareFiles("bench/baseline/linux-amd64-2core.txt", "new.txt", gate.Options{})
//	if err != nil {
//		return err // unreadable file, syntax error, no results
//	}
//	rep.WriteTable(os.Stdout)
//	switch rep.Outcome() {
//	case gate.Fail:
//		os.Exit(1) // a significant slowdown beyond 10%
//	case gate.NothingCompared, gate.Undecided:
//		os.Exit(2) // no benchmark name in common, or too few samples everywhere
//	}
package gate
