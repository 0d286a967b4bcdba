package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// These tests are breakerlab's external mode at work: the service runs
// here, on loopback, with its own breaker; breakerlab serves its IAM
// dependency's fake, sends it load by nfr6-external.yaml, and judges the
// breaker from what the service answered and what reached the fake. The
// clean service passes; each planted bug fails the check that names it.
// Each run takes the scenario's 4.5 s.

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runExternal starts the service with bugs, runs nfr6-external.yaml
// against it and returns the verdict.
func runExternal(t *testing.T, bugs string) *record.Verdict {
	t.Helper()
	svcAddr, fakeAddr := freeAddr(t), freeAddr(t)
	args := []string{"--listen", svcAddr, "--dep", "iam=http://" + fakeAddr,
		"--recovery-timeout", "500ms", "--timeout", "200ms"}
	if bugs != "" {
		args = append(args, "--bug", bugs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard, io.Discard) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()

	sc, err := scenarios.Load("nfr6-external.yaml")
	require.NoError(t, err)
	sc.State.URL = "http://" + svcAddr + "/state"
	require.NoError(t, sc.Override("http://"+svcAddr, map[string]string{"iam": fakeAddr}))
	res, err := runner.Run(context.Background(), sc, runner.Options{Out: t.TempDir()})
	require.NoError(t, err)
	require.NotNil(t, res.Verdict)
	return res.Verdict
}

func TestExternalCleanServicePasses(t *testing.T) {
	v := runExternal(t, "")
	assert.True(t, v.Passed, "%s", describe(v))
	assert.Empty(t, v.Incomplete)
	for _, o := range v.Observed {
		assert.Equal(t, len(o.Values), o.Matching, "%s: %v, expected %v", o.Param, o.Values, o.Expected)
	}
	c, _ := v.Check("R2")
	assert.False(t, c.Skipped, "the state endpoint was read and compared")
	assert.GreaterOrEqual(t, v.Stats.Transitions, 8, "it opened, probed and closed several times")
}

// Each bug is caught by the check that names it, with the rule it breaks
// and evidence a person can follow.
func TestExternalCatchesEachBug(t *testing.T) {
	if testing.Short() {
		t.Skip("about 45 s of real time: skipped with -short")
	}
	for _, tt := range []struct {
		bug   string
		check string
		rule  int
		msg   string
	}{
		{"off-by-one", "I2", 1, "5 consecutive failures"},
		{"no-probe-limit", "I5", 4, "3 probes in flight"},
		{"success-no-reset", "I2", 1, "consistent with a success not resetting the count"},
		{"timeout-ignored", "I2", 8, "which is a failure: consistent with deadlines counted as ignored"},
		{"timer-reset-on-reject", "I4", 3, "the recovery timeout is 500ms"},
		{"late-result-counted", "I7", 6, "restarting the recovery timeout"},
		{"probe-failure-ignored", "I6", 5, "did not reopen the circuit"},
		{"state-lies", "R2", 0, "the breaker reports closed"},
		{"early-probe", "I4", 3, "want the recovery timeout 500ms"},
	} {
		t.Run(tt.bug, func(t *testing.T) {
			v := runExternal(t, tt.bug)
			require.False(t, v.Passed)
			c, ok := v.Check(tt.check)
			require.True(t, ok)
			require.False(t, c.Passed, "%s should fail:\n%s", tt.check, describe(v))
			require.NotEmpty(t, c.Violations)
			first := c.Violations[0]
			assert.Equal(t, tt.rule, first.Rule, first.Message)
			assert.Contains(t, first.Message, tt.msg)
			assert.NotEmpty(t, first.Context, "the events that led to it")
			t.Logf("%s (rule %d): %s", c.ID, first.Rule, first.Message)
		})
	}
}

// describe renders a verdict's failed checks for a failure message.
func describe(v *record.Verdict) string {
	var b strings.Builder
	for _, c := range v.Checks {
		if c.Passed {
			continue
		}
		fmt.Fprintf(&b, "%s %s\n", c.ID, c.Detail)
		for _, vi := range c.Violations {
			fmt.Fprintf(&b, "  %s\n", vi.Message)
		}
	}
	return b.String()
}
