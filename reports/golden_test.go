package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// -update rewrites the golden reports under testdata/golden and what the
// tests define of the fixture runs under testdata/runs (verdict.json,
// inferred.jsonl; a fixture not on disk is recorded whole); review the
// diff before committing.
var update = flag.Bool("update", false, "rewrite testdata fixtures' verdicts and the golden files")

// invariantChecks returns passing checks for I1..I11 but the ids in failing.
func invariantChecks(failing map[string]record.Check) []record.Check {
	var out []record.Check
	for _, id := range []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11"} {
		if c, ok := failing[id]; ok {
			out = append(out, c)
			continue
		}
		out = append(out, record.Check{ID: id, Kind: "invariant", Name: invariantNames[id], Passed: true, Violations: []record.Violation{}})
	}
	return out
}

// fixtures are the recorded runs the tests read, generated deterministically.
var fixtures = map[string]genRun{
	// One dependency, a checker that found an I2 violation.
	"nfr6-iam-outage": {
		name: "nfr6-iam-outage", mode: "sim", seed: 42, duration: 2 * time.Minute, rate: 10, recovery: 30 * time.Second,
		description: "IAM fails for 40 s; the circuit must open after 5 failures, probe after 30 s, close after 2 successes.",
		deps: []genDep{{name: "iam", preset: "iam", phases: []genPhase{
			{at: 0, label: "healthy", latency: 15 * time.Millisecond},
			{at: 30 * time.Second, label: "error_rate 100%", errorRate: 1, latency: 5 * time.Millisecond},
			{at: 70 * time.Second, label: "healthy", latency: 15 * time.Millisecond},
		}}},
		verdict: &record.Verdict{SchemaVersion: 1, Scenario: "nfr6-iam-outage", Passed: false,
			Checks: invariantChecks(map[string]record.Check{
				"I2": {ID: "I2", Kind: "invariant", Name: "opens exactly at the failure threshold", Passed: false,
					Detail: "1 of 2 openings at the wrong count",
					Violations: []record.Violation{{ID: "I2", Dep: "iam", AtNs: 30_400_000_000, Gen: 2, Rule: 1,
						Message: "closed→open after 4 consecutive failures, want 5",
						Context: []string{"t=30.100s call seq=302 failure gen=1", "t=30.400s call seq=305 failure gen=1", "t=30.400s transition closed→open gen=2"}}}},
			}),
			Stats: record.Stats{Calls: 1200},
			Observed: []record.Observed{
				{Dep: "iam", Param: record.ParamFailureStreak, Expected: 5, Unit: "calls", Values: []float64{4, 5}, Exact: 2, Matching: 1},
				{Dep: "iam", Param: record.ParamOpenFor, Expected: 30, Unit: "s", Values: []float64{30, 30}, Exact: 0, Matching: 2},
				{Dep: "iam", Param: record.ParamProbes, Expected: 2, Unit: "calls", Values: []float64{1, 2}, Exact: 2, Matching: 2},
				{Dep: "iam", Param: record.ParamSuccessesToClose, Expected: 2, Unit: "calls", Values: []float64{2}, Exact: 1, Matching: 1},
			}},
	},
	// External mode: the service's breaker reports nothing (transitions.jsonl
	// empty, no snapshots), so every state the reports show is inferred;
	// the checker skipped what needs the breaker's report and could not
	// judge one window.
	"external-outage": {
		name: "external-outage", mode: "external", seed: 9, duration: 10 * time.Second, rate: 20, recovery: 2 * time.Second,
		description: "A service nobody here wrote: IAM fails from 3 s to 6 s.",
		reports:     &record.Reports{},
		deps: []genDep{{name: "iam", phases: []genPhase{
			{at: 0, label: "healthy", latency: 5 * time.Millisecond},
			{at: 3 * time.Second, label: "outage", errorRate: 1, latency: 5 * time.Millisecond},
			{at: 6 * time.Second, label: "recovered", latency: 5 * time.Millisecond},
		}}},
		verdict: &record.Verdict{SchemaVersion: 2, Scenario: "external-outage", Passed: true,
			Checks: append(invariantChecks(map[string]record.Check{
				"I1": {ID: "I1", Kind: "invariant", Name: "only legal transitions", Passed: true, Skipped: true, Violations: []record.Violation{},
					Detail: "not checked: the breaker reports no transitions (the inferred ones are legal by construction)"},
			}),
				record.Check{ID: "R1", Kind: record.KindReport, Name: "the transitions the breaker reports are the ones it made", Passed: true,
					Skipped: true, Detail: "not checked: the breaker reports no transitions", Violations: []record.Violation{}},
				record.Check{ID: "opens", Kind: "expectation", Name: "each circuit opens >= 1 times", Passed: true,
					Detail: "iam opened 2 times", Violations: []record.Violation{}}),
			Warnings: []string{"iam: 1 windows of overlapping calls had too many possible orders to search; what the breaker did there was not judged"},
			Observed: []record.Observed{
				{Dep: "iam", Param: record.ParamFailureStreak, Expected: 5, Unit: "calls", Values: []float64{5}, Exact: 1, Matching: 1},
				{Dep: "iam", Param: record.ParamOpenFor, Expected: 2, Unit: "s", Values: []float64{2, 2}, Exact: 0, Matching: 2},
			}},
	},
	// Two dependencies, one with fallbacks and a flapping breaker; all checks held.
	"checkout-flaky": {
		name: "checkout-flaky", mode: "live", seed: 7, duration: 10 * time.Second, rate: 50, recovery: time.Second,
		description: "payments flaps at 60 % errors while IAM slows down.",
		deps: []genDep{
			{name: "iam", preset: "iam", phases: []genPhase{
				{at: 0, label: "healthy", latency: 5 * time.Millisecond},
				{at: 3 * time.Second, label: "latency p50 80ms", latency: 80 * time.Millisecond},
				{at: 6 * time.Second, label: "healthy", latency: 5 * time.Millisecond},
			}},
			{name: "payments", preset: "payments", fallback: true, phases: []genPhase{
				{at: 0, label: "healthy", latency: 20 * time.Millisecond},
				{at: 2 * time.Second, label: "error_rate 60%", errorRate: 0.6, latency: 20 * time.Millisecond},
				{at: 7 * time.Second, label: "healthy", latency: 20 * time.Millisecond},
			}},
		},
		verdict: &record.Verdict{SchemaVersion: 1, Scenario: "checkout-flaky", Passed: true,
			Checks: invariantChecks(nil)},
	},
	// A live sweep of concurrency: the rate doubles every second in front of
	// a dependency that takes 40 ms exactly, so about 2, 4, 8 and 16 calls
	// are in flight in turn.
	"contention-sweep": {
		name: "contention-sweep", mode: "live", seed: 11, duration: 4 * time.Second, recovery: time.Second, breaker: "reference",
		description: "A healthy 40 ms dependency under 50, 100, 200 and 400 calls a second.",
		steps:       []genStep{{0, 50}, {time.Second, 100}, {2 * time.Second, 200}, {3 * time.Second, 400}},
		deps: []genDep{{name: "backend", phases: []genPhase{
			{at: 0, label: "healthy", latency: 40 * time.Millisecond, fixed: true},
		}}},
		verdict: &record.Verdict{SchemaVersion: 1, Scenario: "contention-sweep", Passed: true,
			Checks: invariantChecks(nil)},
	},
	// Killed mid-way: no verdict.json, no ended_ns, half a line at the end of calls.jsonl.
	"cut-short": {
		name: "cut-short", mode: "sim", seed: 3, duration: 20 * time.Second, rate: 5, recovery: 5 * time.Second,
		cutShort: true,
		deps: []genDep{{name: "iam", preset: "iam", phases: []genPhase{
			{at: 0, label: "healthy", latency: 10 * time.Millisecond},
			{at: 4 * time.Second, label: "error_rate 100%", errorRate: 1, latency: 10 * time.Millisecond},
		}}},
	},
}

func fixtureDir(name string) string { return filepath.Join("testdata", "runs", name) }

// TestMain updates the fixtures before any test reads them. The first
// committed fixtures were recorded with schema 1 (JSON lines), so they also
// prove that old runs still load; -update keeps their records
// ([genRun.update]).
func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		for name, g := range fixtures {
			if err := g.update(fixtureDir(name)); err != nil {
				panic(err)
			}
		}
	}
	os.Exit(m.Run())
}

// loadFixture loads a committed fixture run.
func loadFixture(t testing.TB, name string) *Run {
	t.Helper()
	r, err := Load(fixtureDir(name))
	require.NoError(t, err)
	return r
}

// golden compares got with testdata/golden/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./reports -update")
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (go test ./reports -update rewrites it):\n--- got ---\n%s", path, got)
	}
}

func TestGoldenReports(t *testing.T) {
	for name := range fixtures {
		t.Run(name, func(t *testing.T) {
			r := loadFixture(t, name)
			var md, js, ju bytes.Buffer
			require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
			require.NoError(t, writeSummaryJSON(&js, r))
			require.NoError(t, writeJUnit(&ju, []*Run{r}, nil))
			golden(t, filepath.Join(name, SummaryMDFile), md.Bytes())
			golden(t, filepath.Join(name, SummaryJSONFile), js.Bytes())
			golden(t, filepath.Join(name, JUnitFile), ju.Bytes())
		})
	}
}

func TestGoldenIndex(t *testing.T) {
	runs := []*Run{loadFixture(t, "checkout-flaky"), loadFixture(t, "cut-short"), loadFixture(t, "external-outage"), loadFixture(t, "nfr6-iam-outage")}
	var md, ju bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, runs, nil))
	require.NoError(t, writeJUnit(&ju, runs, nil))
	golden(t, filepath.Join("index", SummaryMDFile), md.Bytes())
	golden(t, filepath.Join("index", JUnitFile), ju.Bytes())
}
