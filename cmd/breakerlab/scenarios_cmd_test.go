package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs the CLI with args and returns the exit code and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return exitCode(err, &stderr), stdout.String(), stderr.String()
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

const outageYAML = `name: cli-outage
duration: 2m
dependencies:
  - name: dep
    breaker: {recovery_timeout: 20s}
    phases:
      - {at: 10s, error_rate: 1.0}
      - {at: 40s}
load: {rate: 20/s}
expect:
  max_opens: %s
`

func TestListShowsTheLibrary(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	require.Equal(t, 0, code)
	for _, name := range []string{"nfr6-iam-outage", "nfr6-ubi-outage", "half-open-stampede", "heavy-contention-live", "caller-cancellations"} {
		assert.Contains(t, out, name)
	}
	assert.True(t, strings.HasPrefix(out, "NAME "), out)
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", strings.Replace(outageYAML, "%s", "5", 1))
	bad := writeFile(t, dir, "bad.yaml", "name: x\nduration: 1m\nload: {rate: 5/s, burst: 3}\n")
	code, out, _ := runCLI(t, "validate", good)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, good+": ok (scenario cli-outage, sim, 2m0s, 1 dependencies)")

	code, _, errOut := runCLI(t, "validate", good, bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, bad+`:3:19: load.burst: unknown key "burst"`)

	svc := writeFile(t, dir, "svc.yaml", "services:\n  iam: {failure_threshold: -2}\n")
	code, _, errOut = runCLI(t, "validate", "--services", svc)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, svc+":2:9: services.iam.failure_threshold: want >= 0")

	// A valid file of the other kind gets a hint.
	goodSvc := writeFile(t, dir, "goodsvc.yaml", "services:\n  iam: {failure_threshold: 3}\n")
	code, _, errOut = runCLI(t, "validate", goodSvc)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, goodSvc+": hint: this is a valid service configuration; validate it with --services")
	code, _, errOut = runCLI(t, "validate", "--services", good)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, good+": hint: this is a valid scenario; validate it without --services")
	code, _, errOut = runCLI(t, "validate", bad)
	assert.Equal(t, 2, code)
	assert.NotContains(t, errOut, "hint", "no hint for a file invalid either way")
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	pass := writeFile(t, dir, "pass.yaml", strings.Replace(outageYAML, "%s", "2", 1))
	code, stdout, stderr := runCLI(t, "run", "--out", out, "--no-report", pass)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "cli-outage")
	assert.Contains(t, stdout, "PASS")
	assert.FileExists(t, filepath.Join(out, "cli-outage", "verdict.json"))
	assert.Empty(t, stderr, "no progress line when stderr is not a terminal")

	fail := writeFile(t, dir, "fail.yaml", strings.Replace(outageYAML, "%s", "0", 1))
	code, stdout, _ = runCLI(t, "run", "--out", out, "--no-report", fail)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "FAIL opens")

	bad := writeFile(t, dir, "bad.yaml", "name: x\nduration: soon\n")
	code, _, stderr = runCLI(t, "run", "--out", out, bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, bad+`:2:11: duration: bad duration "soon"`)

	code, _, stderr = runCLI(t, "run", "no-such-scenario")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "not a file and not a built-in")

	code, _, stderr = runCLI(t, "run", "--mode", "chaos", pass)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--mode "chaos": want sim, live, stress or external`)

	code, _, stderr = runCLI(t, "run", "--out", out, "--mode", "stress", pass)
	assert.Equal(t, 2, code, "a scenario without a stress section cannot run in stress mode")
	assert.Contains(t, stderr, "stress mode needs a stress section")
	assert.NoDirExists(t, filepath.Join(out, "cli-outage", "plots"), "nothing ran")

	code, _, stderr = runCLI(t, "run", "--out", out, "--breaker", "reference,gobreaker", pass)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--breaker: unknown breaker "gobreaker", want one or more of reference, seedport, comma-separated`)
}

// TestRunComparesImplementations runs one scenario against the reference
// breaker and the seed's single-mutex port: each run gets its own directory
// and label, both pass, and the index keeps them apart.
func TestRunComparesImplementations(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "--out", out, "--breaker", "reference,seedport", "nfr6-iam-outage")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(stdout, "\n")
	require.GreaterOrEqual(t, len(lines), 3)
	assert.Regexp(t, `^nfr6-iam-outage +sim .* 24000 .* PASS +`+filepath.Join(out, "nfr6-iam-outage")+`$`, lines[1])
	assert.Regexp(t, `^nfr6-iam-outage@seedport +sim .* 24000 .* PASS +`+filepath.Join(out, "nfr6-iam-outage@seedport")+`$`, lines[2])
	for dir, impl := range map[string]string{"nfr6-iam-outage": "reference", "nfr6-iam-outage@seedport": "seedport"} {
		meta, err := os.ReadFile(filepath.Join(out, dir, "meta.json"))
		require.NoError(t, err)
		assert.Contains(t, string(meta), `"breaker": "`+impl+`"`)
		assert.FileExists(t, filepath.Join(out, dir, "report.html"))
	}
	junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<testsuite name="nfr6-iam-outage" `)
	assert.Contains(t, string(junit), `<testsuite name="nfr6-iam-outage@seedport" `)

	code, stdout, stderr = runCLI(t, "report", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "nfr6-iam-outage: passed, 10 files")
	assert.Contains(t, stdout, "nfr6-iam-outage@seedport: passed, 10 files")
}

func TestRunWritesReports(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, "run", "--out", out, "--seed", "3", "error-rate-no-trip")
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(out, "error-rate-no-trip", "report.html"))
}
