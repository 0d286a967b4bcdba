package main

import (
	"context"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// junitDoc is junit.xml as CI reads it.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name  string `xml:"name,attr"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc junitDoc
	require.NoError(t, xml.Unmarshal(data, &doc), string(data))
	return doc
}

// Two runs that would record into one directory are refused before
// anything runs.
func TestRunRefusesTwoRunsForOneDirectory(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "run", "--out", out, "nfr6-iam-outage", "nfr6-iam-outage")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `breakerlab: run: "nfr6-iam-outage" is given twice: both runs would record into `+filepath.Join(out, "nfr6-iam-outage"))

	mine := writeFile(t, dir, "mine.yaml", strings.Replace(strings.Replace(outageYAML, "%s", "2", 1), "name: cli-outage", "name: nfr6-iam-outage", 1))
	code, _, stderr = runCLI(t, "run", "--out", out, "--breaker", "reference,seedport", "nfr6-iam-outage", mine)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `run: "nfr6-iam-outage" and "`+mine+`" are both scenario "nfr6-iam-outage": both runs would record into `+filepath.Join(out, "nfr6-iam-outage")+"; rename one")
	assert.NoDirExists(t, out, "nothing ran")
}

// An --out that cannot hold runs is bad input, found before anything runs.
func TestRunRefusesAnUnusableOut(t *testing.T) {
	dir := t.TempDir()
	pass := writeFile(t, dir, "pass.yaml", strings.Replace(outageYAML, "%s", "2", 1))
	file := writeFile(t, dir, "file", "")
	code, stdout, stderr := runCLI(t, "run", "--out", file, pass)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "breakerlab: run: --out "+file+": a file, want a directory")

	code, _, stderr = runCLI(t, "run", "--out", filepath.Join(file, "sub"), pass)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "run: --out "+filepath.Join(file, "sub")+": mkdir "+file+": not a directory")

	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		require.NoError(t, os.Mkdir(ro, 0o555))
		code, _, stderr = runCLI(t, "run", "--out", ro, pass)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, "run: --out "+ro+": not writable")
	}
}

// A run directory that holds someone else's files is not recorded into:
// the run is an error in the table and in junit.xml, and bad input.
func TestRunRefusesAFolderThatIsNotARun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	pass := writeFile(t, dir, "pass.yaml", strings.Replace(outageYAML, "%s", "2", 1))
	mine := filepath.Join(out, "cli-outage")
	require.NoError(t, os.MkdirAll(mine, 0o755))
	writeFile(t, mine, "notes.txt", "mine")
	code, stdout, stderr := runCLI(t, "run", "--out", out, pass, "error-rate-no-trip")
	assert.Equal(t, exitUsage, code)
	assert.Regexp(t, `(?m)^cli-outage +sim +- .* SETUP ERROR +`+mine+`$`, stdout, "the run is in the table")
	assert.Regexp(t, `(?m)^error-rate-no-trip +sim .* PASS `, stdout, "the others run")
	assert.Contains(t, stderr, "record: not a recorded run directory (no meta.json): "+mine+" holds other files")
	assert.FileExists(t, filepath.Join(mine, "notes.txt"))
	assert.NoFileExists(t, filepath.Join(mine, "meta.json"))

	doc := readJUnit(t, filepath.Join(out, "junit.xml"))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "cli-outage", doc.Suites[1].Name, "runs without a report come last")
	assert.Equal(t, 1, doc.Errors)
	require.NotNil(t, doc.Suites[1].Cases[0].Error)
	assert.Contains(t, doc.Suites[1].Cases[0].Error.Message, "holds other files")
}

// A run whose setup does not work (here: its fake's listen address is
// taken) is not run and not judged: a setup error in the table, the
// index's summary.md and junit.xml (an error, no failure), bad input, and
// nothing of it, nor of an earlier run in its directory, is left there.
func TestRunSetupErrorIsNotAFailure(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	pass := writeFile(t, dir, "pass.yaml", strings.Replace(outageYAML, "%s", "2", 1))
	code, _, stderr := runCLI(t, "run", "--out", out, pass)
	require.Equal(t, exitOK, code, stderr)
	run := filepath.Join(out, "cli-outage")
	require.FileExists(t, filepath.Join(run, "summary.json"))

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	ext := writeFile(t, dir, "ext.yaml", "name: cli-outage\nmode: external\nduration: 2s\ntarget: {url: http://127.0.0.1:1}\n"+
		"dependencies:\n  - name: dep\n    listen: "+taken.Addr().String()+"\n    target: {url: /call/dep}\nload: {rate: 10/s}\n")
	code, stdout, stderr := runCLI(t, "run", "--out", out, ext, "error-rate-no-trip")
	assert.Equal(t, exitUsage, code, "bad input")
	assert.Regexp(t, `(?m)^cli-outage +external +- +- +- .* SETUP ERROR +`+regexp.QuoteMeta(run)+`$`, stdout)
	assert.Regexp(t, `(?m)^error-rate-no-trip +sim .* PASS `, stdout, "the others run")
	assert.NotRegexp(t, `\bFAIL\b`, stdout)
	assert.Contains(t, stdout, "reports: "+filepath.Join(out, "error-rate-no-trip", "report.html")+"; all runs: ", "the one run with reports")
	assert.Contains(t, stderr, "runner: the run's setup does not work: cli-outage: dependency dep: serving its fake on "+taken.Addr().String())
	assert.Contains(t, stderr, "1 of 2 runs not run, their setup does not work (setup error): cli-outage")
	assert.NotContains(t, stderr, "did not pass")
	for _, f := range []string{record.MetaFile, record.VerdictFile, "summary.json", "summary.md", "junit.xml", "report.html"} {
		assert.NoFileExists(t, filepath.Join(run, f), "nothing of the run, nor of the earlier one")
	}

	index, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(index), "| cli-outage | ⛔ setup error | – | – | – |")
	assert.Contains(t, string(index), "- ⛔ **cli-outage** setup error: not run: runner: the run's setup does not work: ")
	doc := readJUnit(t, filepath.Join(out, "junit.xml"))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, 0, doc.Failures, "the breaker broke no rule")
	assert.Equal(t, 1, doc.Errors)
	setup := doc.Suites[1]
	assert.Equal(t, "cli-outage", setup.Name)
	assert.Equal(t, 0, setup.Failures)
	require.Len(t, setup.Cases, 1)
	require.NotNil(t, setup.Cases[0].Error)
	assert.Equal(t, "setup", setup.Cases[0].Error.Type)
	assert.True(t, strings.HasPrefix(setup.Cases[0].Error.Message, "not run: runner: the run's setup does not work: cli-outage: dependency dep: serving its fake on "), setup.Cases[0].Error.Message)
}

// A rerun into a run directory leaves nothing of the earlier run: its
// record, vegeta results, plots and reports are replaced or removed.
func TestRerunLeavesNoStaleFiles(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, "run", "--out", out, "error-rate-no-trip")
	require.Equal(t, exitOK, code, stderr)
	dir := filepath.Join(out, "error-rate-no-trip")
	stale := []string{"vegeta.bin", "plots/contention.svg", "plots/contention.png", "inferred.jsonl.zst", ".meta.json.x1"}
	for _, name := range stale {
		writeFile(t, dir, name, "from an earlier run")
	}
	writeFile(t, out, "contention.svg", "from an earlier index")
	writeFile(t, dir, "notes.txt", "mine")

	code, _, stderr = runCLI(t, "run", "--out", out, "error-rate-no-trip")
	require.Equal(t, exitOK, code, stderr)
	for _, name := range stale {
		assert.NoFileExists(t, filepath.Join(dir, name))
	}
	assert.NoFileExists(t, filepath.Join(out, "contention.svg"), "no live run this time")
	assert.FileExists(t, filepath.Join(dir, "notes.txt"), "not the run's: kept")
	assert.FileExists(t, filepath.Join(dir, "report.html"))

	code, _, stderr = runCLI(t, "run", "--out", out, "--no-report", "error-rate-no-trip")
	require.Equal(t, exitOK, code, stderr)
	assert.NoFileExists(t, filepath.Join(dir, "report.html"), "an earlier run's report does not sit beside new records")
	assert.NoDirExists(t, filepath.Join(dir, "plots"))
	assert.FileExists(t, filepath.Join(dir, "verdict.json"))
}

// A built-in's name that is also a directory here (a run directory of
// 'run --out .') still runs the built-in.
func TestRunBuiltinBesideADirectoryOfItsName(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.Mkdir("error-rate-no-trip", 0o755))
	code, stdout, stderr := runCLI(t, "run", "--out", ".", "--no-report", "error-rate-no-trip")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "PASS")
}

// A live run whose load generator fell short of the rate is incomplete:
// exit 1, and the table, verdict.json and junit.xml say so.
func TestRunShortOfItsLoadIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	short := writeFile(t, dir, "short.yaml", `name: short-load
mode: live
duration: 1s
dependencies:
  - name: slow
    faults: {latency: {p50: 50ms, dist: fixed}}
load: {rate: 200/s, workers: 1, max_workers: 1}
`)
	code, stdout, stderr := runCLI(t, "run", "--out", out, short)
	assert.Equal(t, exitFailed, code)
	assert.Regexp(t, `(?m)^short-load +live .* INCOMPLETE +`, stdout)
	assert.Regexp(t, `short-load: incomplete: the load fell short of the scenario's rate: \d+/s of 200/s \(\d+%\); the checks cover only what ran`, stdout)
	assert.Contains(t, stderr, "achieved rate well short of the target")
	assert.Contains(t, stderr, "checks failed: 1 of 1 runs did not pass (1 incomplete)")

	v, err := record.ReadVerdict(filepath.Join(out, "short-load"))
	require.NoError(t, err)
	assert.False(t, v.Passed)
	assert.Contains(t, v.Incomplete, "the load fell short")
	doc := readJUnit(t, filepath.Join(out, "short-load", "junit.xml"))
	assert.Equal(t, 1, doc.Errors)

	code, _, _ = runCLI(t, "report", out)
	assert.Equal(t, exitFailed, code, "report agrees with run")
}

// Ctrl-C in a run of several scenarios: the run that was going is
// incomplete everywhere, the rest are listed as skipped, the index is
// written, and run and report exit 1 alike.
func TestInterruptedRunSaysSoEverywhere(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Ctrl-C once the first calls are on disk.
		calls := filepath.Join(out, "live-iam-outage", record.CallsFile)
		assert.Eventually(t, func() bool {
			f, err := os.Open(calls)
			if err != nil {
				return false
			}
			defer f.Close()
			n := 0
			_, err = record.EachCall(f, calls, func(*record.Call) error { n++; return nil })
			return err == nil && n > 0
		}, 10*time.Second, 5*time.Millisecond)
		cancel()
	}()
	var stdoutB, stderrB strings.Builder
	err := run(ctx, []string{"run", "--out", out, "live-iam-outage", "nfr6-iam-outage", "error-rate-no-trip"}, &stdoutB, &stderrB)
	code := exitCode(err, &stderrB)
	stdout, stderr := stdoutB.String(), stderrB.String()
	assert.Equal(t, exitFailed, code)
	// INCOMPLETE; or FAIL when a check blames the breaker for a window the
	// run never reached (the checker's to skip), still marked incomplete.
	assert.Regexp(t, `(?m)^live-iam-outage +live .* (INCOMPLETE|FAIL \S+ \(incomplete\)) +`, stdout)
	assert.Regexp(t, `(?m)^nfr6-iam-outage +sim +- .* SKIPPED +`, stdout)
	assert.Regexp(t, `(?m)^error-rate-no-trip +sim +- .* SKIPPED +`, stdout)
	assert.Regexp(t, `live-iam-outage: incomplete: interrupted after [\d.]+m?s of 6s; the checks cover only what ran`, stdout)
	assert.Contains(t, stderr, "runner: run interrupted")
	assert.Contains(t, stderr, "2 of 3 runs skipped, interrupted before they started: nfr6-iam-outage, error-rate-no-trip")
	assert.NotContains(t, stdout, "PASS")

	run := filepath.Join(out, "live-iam-outage")
	v, err := record.ReadVerdict(run)
	require.NoError(t, err)
	assert.False(t, v.Passed)
	summary, err := os.ReadFile(filepath.Join(run, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "**Incomplete:** interrupted after")
	page, err := os.ReadFile(filepath.Join(run, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "<b>incomplete:</b> interrupted after")

	doc := readJUnit(t, filepath.Join(out, "junit.xml"))
	require.Len(t, doc.Suites, 3, "the index lists every scenario")
	assert.Equal(t, 1, doc.Errors, "the incomplete run")
	assert.GreaterOrEqual(t, doc.Skipped, 2, "the scenarios never started, and checks the interrupted run never reached")
	assert.Equal(t, "nfr6-iam-outage", doc.Suites[1].Name)
	require.NotNil(t, doc.Suites[1].Cases[0].Skipped)
	assert.Equal(t, "not run: interrupted before it started", doc.Suites[1].Cases[0].Skipped.Message)
	index, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(index), "| error-rate-no-trip | ⏭️ skipped |")

	code, stdout, _ = runCLI(t, "report", out)
	assert.Equal(t, exitFailed, code, "report agrees with run")
	assert.Regexp(t, `live-iam-outage: (incomplete|failed) \(interrupted after`, stdout)
}
