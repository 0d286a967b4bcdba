package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// copyFixture copies a recorded run from reports/testdata into dst.
func copyFixture(t *testing.T, name, dst string) string {
	t.Helper()
	src := filepath.Join("..", "..", "reports", "testdata", "runs", name)
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	dir := filepath.Join(dst, name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644))
	}
	return dir
}

func runReport(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"report"}, args...), &out, &errOut)
	code = exitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

func TestReportCommandOneRun(t *testing.T) {
	dir := copyFixture(t, "checkout-flaky", t.TempDir())
	stdout, _, code := runReport(dir)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "checkout-flaky: passed, 12 files; open "+filepath.Join(dir, "report.html")+"\n", stdout)
	for _, name := range []string{"report.html", "summary.md", "summary.json", "junit.xml", "plots/timeline.png", "plots/latency.svg", "plots/contention.png"} {
		assert.FileExists(t, filepath.Join(dir, name))
	}
	assert.NoFileExists(t, filepath.Join(filepath.Dir(dir), "junit.xml"), "no index for a single run directory")
}

func TestReportCommandOutDirAndFailedRun(t *testing.T) {
	out := t.TempDir()
	copyFixture(t, "nfr6-iam-outage", out)
	cut := copyFixture(t, "cut-short", out)
	stdout, stderr, code := runReport("--no-check", out)
	assert.Equal(t, exitFailed, code, "a recorded check failed")
	assert.Contains(t, stdout, "cut-short: incomplete (interrupted), 10 files")
	assert.Contains(t, stdout, "nfr6-iam-outage: failed, 10 files")
	assert.Contains(t, stdout, "all 2 runs in "+out+": summary.md, junit.xml")
	assert.Contains(t, stderr, "warning: calls.jsonl:61: last line cut off")
	assert.Contains(t, stderr, "2 recorded run(s) did not pass: cut-short (incomplete), nfr6-iam-outage (failed)")
	assert.FileExists(t, filepath.Join(cut, "report.html"))

	data, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	require.NoError(t, err)
	var doc struct {
		Suites []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "cut-short", doc.Suites[0].Name)
}

// A run killed before its check (no verdict.json) is checked by report.
func TestReportCommandChecksAnUncheckedRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"run", "--no-report", "--out", out, "nfr6-iam-outage"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	dir := filepath.Join(out, "nfr6-iam-outage")
	require.NoError(t, os.Remove(filepath.Join(dir, "verdict.json")))
	assert.NoFileExists(t, filepath.Join(dir, "report.html"), "--no-report")

	got, errOut, code := runReport(dir)
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, dir+": had no verdict.json; checked it now")
	assert.Contains(t, got, "nfr6-iam-outage: passed, 10 files")
	assert.FileExists(t, filepath.Join(dir, "verdict.json"))
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	assert.NotContains(t, string(summary), "not checked")
}

func TestReportCommandBadInput(t *testing.T) {
	empty := t.TempDir()
	badRun := copyFixture(t, "checkout-flaky", t.TempDir())
	require.NoError(t, os.WriteFile(filepath.Join(badRun, "transitions.jsonl"), []byte(`{"dep":"iam","from":"closed","to":"open","at_ns":1,"gen":2}`+"\nnope\n{}\n"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no dir", nil, "report: no run directory given"},
		{"missing dir", []string{filepath.Join(empty, "nope")}, "nope: no such directory"},
		{"no run in dir", []string{empty}, "not a recorded run directory (no meta.json)"},
		{"malformed file", []string{badRun}, "transitions.jsonl:2: column 1: unexpected 'n'"},
		{"unknown flag", []string{"--plots", empty}, "flag provided but not defined: -plots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runReport(tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
	assert.NoFileExists(t, filepath.Join(badRun, "report.html"), "nothing written when a run is bad")
}

func TestReportCommandHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"report", "-h"}, &out, &errOut)
	require.NoError(t, err)
	assert.Contains(t, errOut.String(), "Usage: breakerlab report DIR...")
	assert.Contains(t, errOut.String(), "Examples:")
	assert.False(t, errors.Is(err, errChecksFailed))
}

// One corrupt run does not stop the report of the others: they are
// written, the bad one is an error in the index, and the exit says bad input.
func TestReportCommandReportsTheGoodRuns(t *testing.T) {
	out := t.TempDir()
	good := copyFixture(t, "checkout-flaky", out)
	bad := copyFixture(t, "nfr6-iam-outage", out)
	require.NoError(t, os.WriteFile(filepath.Join(bad, "calls.jsonl"), []byte("nope\n{}\n"), 0o644))
	stdout, stderr, code := runReport(out)
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stdout, "checkout-flaky: passed, 12 files")
	assert.Contains(t, stdout, "all 2 runs in "+out+": summary.md, junit.xml (1 run listed as errors)")
	assert.Contains(t, stderr, "breakerlab: report: ")
	assert.Contains(t, stderr, "calls.jsonl:1: column 1: unexpected 'n'")
	assert.FileExists(t, filepath.Join(good, "report.html"))
	assert.NoFileExists(t, filepath.Join(bad, "report.html"))

	data, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	require.NoError(t, err)
	var doc struct {
		Errors int `xml:"errors,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, 1, doc.Errors)
	assert.Equal(t, "nfr6-iam-outage", doc.Suites[1].Name)
	require.NotNil(t, doc.Suites[1].Cases[0].Error)
	assert.Contains(t, doc.Suites[1].Cases[0].Error.Message, "calls.jsonl:1: column 1: unexpected 'n'")
	md, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| nfr6-iam-outage | ⛔ error |")
}
