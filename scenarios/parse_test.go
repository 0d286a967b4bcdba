package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodScenario = `name: my-outage
description: IAM fails for a while.
mode: sim
seed: 42
duration: 5m
dependencies:
  - preset: iam
    service: iam
    breaker: {recovery_timeout: 30s}
    client: {timeout: 500ms}
    phases:
      - {at: 30s, label: outage, error_rate: 1.0}
      - {at: 2m, error_rate: 0}
load: {rate: 200/s}
expect:
  invariants: [I1, i2, I9]
  max_rejection_p99: 1ms
  min_served_ratio: 0.5
`

func TestParseGood(t *testing.T) {
	sc, err := Parse("good.yaml", []byte(goodScenario))
	require.NoError(t, err)
	assert.Equal(t, "my-outage", sc.Name)
	assert.Equal(t, ModeSim, sc.Mode)
	assert.Equal(t, uint64(42), sc.Seed)
	assert.Equal(t, 5*time.Minute, sc.Duration)
	require.Len(t, sc.Dependencies, 1)
	dep := sc.Dependencies[0]
	assert.Equal(t, "iam", dep.Name, "the name defaults to the service")
	assert.Equal(t, 30*time.Second, dep.Breaker.RecoveryTimeout)
	assert.Equal(t, 500*time.Millisecond, dep.Client.Timeout)
	require.Len(t, dep.Phases, 2)
	assert.Equal(t, 30*time.Second, dep.Phases[0].At)
	assert.Equal(t, "outage", dep.Phases[0].Label)
	assert.Equal(t, 1.0, dep.Phases[0].ErrorRate)
	assert.Equal(t, Rate(200), sc.Load.Rate)
	assert.Equal(t, Invariants{"I1", "I2", "I9"}, sc.Expect.Invariants)
	assert.Equal(t, time.Millisecond, sc.Expect.MaxRejectionP99)
	spec := sc.BreakerSpec(0)
	assert.Equal(t, BreakerSpec{FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeout: 30 * time.Second, HalfOpenMaxCalls: 2}, spec,
		"scenario values over the service's over the defaults")
}

// TestParseErrors checks that each bad file is reported at the exact line,
// column and key.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown top-level key", "name: x\nduraton: 5m\n",
			"f.yaml:2:1: duraton: unknown key \"duraton\""},
		{"unknown nested key", "name: x\nduration: 1m\ndependencies:\n  - preset: iam\n    phases:\n      - {at: 1s, eror_rate: 1}\n",
			"f.yaml:6:18: dependencies[0].phases[0].eror_rate: unknown key \"eror_rate\""},
		{"bad duration", "name: x\nduration: 5 minutes\n",
			"f.yaml:2:11: duration: bad duration \"5 minutes\", want e.g. 250ms, 30s, 2m"},
		{"bad nested duration", "name: x\nduration: 1m\ndependencies:\n  - preset: iam\n    client: {timeout: 3x}\n",
			"f.yaml:5:23: dependencies[0].client.timeout: bad duration \"3x\", want e.g. 250ms, 30s, 2m"},
		{"bad rate", "name: x\nduration: 1m\nload: {rate: 200/sec}\n",
			"f.yaml:3:14: load.rate: rate \"200/sec\": unknown unit \"sec\", want ms, s, m or h (e.g. 200/s)"},
		{"wrong type", "name: x\nduration: 1m\nseed: many\n",
			"f.yaml:3:7: seed: got \"many\", want an integer"},
		{"bad mode", "name: x\nmode: chaos\n",
			"f.yaml:2:7: mode: unknown mode \"chaos\", want sim, live, stress or external"},
		{"bad invariant", "name: x\nexpect: {invariants: [I1, I12]}\n",
			"f.yaml:2:27: expect.invariants[1]: unknown invariant I12, want one of I1..I11"},
		{"syntax", "name: [x\n", "f.yaml:1:7: "},
		{"negative threshold", base + "    breaker: {failure_threshold: -1}\nload: {rate: 10/s}\n",
			"f.yaml:6:15: dependencies[0].breaker.failure_threshold: want >= 0 (0 means the NFR-6 default)"},
		{"error rate above 1", base + "    phases:\n      - {at: 1s, error_rate: 1.5}\nload: {rate: 10/s}\n",
			"f.yaml:7:18: dependencies[0].phases[0].error_rate: must be within 0..1, got 1.5"},
		{"phases out of order", base + "    phases:\n      - {at: 10s}\n      - {at: 5s}\nload: {rate: 10/s}\n",
			"f.yaml:8:10: dependencies[0].phases[1].at: 5s is not after phases[0].at 10s; phases must be in increasing order"},
		{"unknown preset", "name: x\nduration: 1m\ndependencies:\n  - preset: imap\nload: {rate: 10/s}\n",
			"f.yaml:4:5: dependencies[0].preset: unknown preset \"imap\", want one of data-governance, eris, iam, llm-gateway, policy, ubi"},
		{"negative seed", "name: x\nduration: 1m\nseed: -5\n",
			"f.yaml:3:7: seed: got -5, want an integer from 0 to 18446744073709551615"},
		{"huge threshold", base + "    breaker: {failure_threshold: 99999999999999999999}\nload: {rate: 10/s}\n",
			"f.yaml:6:34: dependencies[0].breaker.failure_threshold: got 99999999999999999999, want an integer from -9223372036854775808 to 9223372036854775807"},
		{"unknown service", "name: x\nduration: 1m\ndependencies:\n  - service: billing\nload: {rate: 10/s}\n",
			"f.yaml:4:5: dependencies[0].service: unknown service \"billing\""},
		{"two profiles", base + "load: {rate: 10/s, sine: {mean: 5/s, period: 1s}}\n",
			"f.yaml:6:1: load: want exactly one of rate, ramp, sine or steps, got 2"},
		{"sine below zero", base + "load: {sine: {mean: 5/s, amplitude: 10/s, period: 1s}}\n",
			"f.yaml:6:26: load.sine.amplitude: 10/s exceeds the mean 5/s: the rate would go negative"},
		{"cancel rate", base + "    client: {cancel_rate: 2}\nload: {rate: 10/s}\n",
			"f.yaml:6:14: dependencies[0].client.cancel_rate: 2: want a share between 0 and 1"},
		{"served ratio", base + "load: {rate: 10/s}\nexpect: {min_served_ratio: -0.1}\n",
			"f.yaml:7:10: expect.min_served_ratio: -0.1: want a share between 0 and 1"},
		{"rejection bound without I9", base + "load: {rate: 10/s}\nexpect: {invariants: [I2, I3], max_rejection_p99: 5ms}\n",
			"f.yaml:7:32: expect.max_rejection_p99: is I9's bound, but expect.invariants leaves I9 out: add I9 or drop the bound"},
		{"missing duration", "name: x\ndependencies:\n  - preset: iam\nload: {rate: 1/s}\n",
			"f.yaml:1:1: duration: want a duration > 0, e.g. 5m"},
		{"duplicate names", "name: x\nduration: 1m\ndependencies:\n  - preset: iam\n  - preset: iam\nload: {rate: 1/s}\n",
			"f.yaml:5:5: dependencies[1].name: \"iam\" is used twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "Go value", "in the file's words, not Go's")
			assert.NotContains(t, err.Error(), "fakes:", "one message, not a wrapped one")
			var fe *FileError
			require.True(t, errors.As(err, &fe), "every error is a *FileError: %v", err)
			assert.Equal(t, "f.yaml", fe.File)
		})
	}
}

// base is the start of a valid scenario with one dependency (line 5 is "  - name: dep").
const base = "name: x\nduration: 1m\ndependencies:\n  # the dependency\n  - name: dep\n"

func TestParseJoinsEveryProblem(t *testing.T) {
	_, err := Parse("f.yaml", []byte("name: Bad Name\nduration: -1s\ndependencies:\n  - name: dep\nload: {rate: 1/s}\n"))
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, `f.yaml:1:1: name: "Bad Name": want lowercase letters, digits and '-'`, lines[0])
	assert.Equal(t, "f.yaml:2:1: duration: want a duration > 0, e.g. 5m", lines[1])
}

func TestLoadResolvesServiceFileRelativeToScenario(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc.yaml"), []byte("services:\n  billing: {failure_threshold: 3, recovery_timeout: 10s}\n"), 0o644))
	path := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: x\nduration: 1m\nservices: svc.yaml\ndependencies:\n  - service: billing\n    breaker: {success_threshold: 3}\nload: {rate: 1/s}\n"), 0o644))
	sc, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, BreakerSpec{FailureThreshold: 3, SuccessThreshold: 3, RecoveryTimeout: 10 * time.Second, HalfOpenMaxCalls: 3}, sc.BreakerSpec(0))

	require.NoError(t, os.WriteFile(path, []byte("name: x\nduration: 1m\nservices: nope.yaml\ndependencies:\n  - name: a\nload: {rate: 1/s}\n"), 0o644))
	_, err = Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+":3:1: services: service configuration "+filepath.Join(dir, "nope.yaml")+": no such file",
		"the path as resolved, in the scenario's folder")

	// A problem inside the service file names it as resolved too.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc.yaml"), []byte("services:\n  billing: {failure_threshold: -3}\n"), 0o644))
	require.NoError(t, os.WriteFile(path, []byte("name: x\nduration: 1m\nservices: svc.yaml\ndependencies:\n  - service: billing\nload: {rate: 1/s}\n"), 0o644))
	_, err = Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "svc.yaml")+":2:13: services.billing.failure_threshold: want >= 0")
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{"200/s": 200, "120/m": 2, "5/ms": 5000, "3600/h": 1, "7.5": 7.5} {
		got, err := ParseRate(in)
		require.NoError(t, err, in)
		assert.InDelta(t, float64(want), float64(got), 1e-9, in)
	}
	for _, in := range []string{"", "fast", "-1/s", "5/d"} {
		_, err := ParseRate(in)
		assert.Error(t, err, in)
	}
}
