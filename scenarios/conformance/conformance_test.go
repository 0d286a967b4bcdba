package conformance_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/conformance"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// The reference breaker conforms: every scenario and check passes or is
// skipped for a window the scenario never reaches.
func TestReferenceConforms(t *testing.T) {
	out := t.TempDir()
	var reported []string
	conformance.Run(t, runner.Reference, conformance.Options{
		Scenarios: []string{"nfr6-iam-outage", "probe-fails-reopens"},
		Out:       out,
		Report: func(dir string) error {
			reported = append(reported, filepath.Base(dir))
			return os.WriteFile(filepath.Join(dir, "report.txt"), []byte("ok"), 0o644)
		},
	})
	assert.Equal(t, []string{"nfr6-iam-outage", "probe-fails-reopens"}, reported)
	v, err := record.ReadVerdict(filepath.Join(out, "nfr6-iam-outage"))
	require.NoError(t, err)
	assert.True(t, v.Passed)
}

// Default picks what an implementation can run: the simulated library with
// a clock, the real-time scenarios without one.
func TestDefault(t *testing.T) {
	withClock := conformance.Default(runner.Reference)
	assert.Contains(t, withClock, "nfr6-iam-outage")
	assert.NotContains(t, withClock, "race-stress")
	noClock := runner.Reference
	noClock.Clock = false
	without := conformance.Default(noClock)
	assert.Contains(t, without, "race-stress")
	assert.NotContains(t, without, "nfr6-iam-outage")
}

// TestHelperBroken is run by TestBrokenBreakerFails in a child process: a
// breaker that opens at the fourth failure instead of the fifth, tested as
// a user would.
func TestHelperBroken(t *testing.T) {
	if os.Getenv("BREAKERLAB_CONFORMANCE_HELPER") == "" {
		t.Skip("run by TestBrokenBreakerFails")
	}
	opts := conformance.Options{Scenarios: []string{"nfr6-iam-outage"}}
	if os.Getenv("BREAKERLAB_CONFORMANCE_HELPER") == "streamed" {
		opts.CheckWindowCalls = 8
	}
	conformance.Run(t, runner.Implementation{
		Name:  "early",
		New:   func(cfg breaker.Config) (runner.Breaker, error) { return &early{cfg: cfg}, nil },
		Clock: true,
	}, opts)
}

// TestBrokenBreakerFails: a breaker that breaks a rule fails its subtests,
// naming the check, the rule and the evidence; judged with every call in
// memory, or streamed through windows (Options.CheckWindowCalls).
func TestBrokenBreakerFails(t *testing.T) {
	for _, helper := range []string{"full", "streamed"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperBroken$", "-test.v")
		cmd.Env = append(os.Environ(), "BREAKERLAB_CONFORMANCE_HELPER="+helper)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, "the child test must fail:\n%s", out)
		assert.Contains(t, string(out), "--- FAIL: TestHelperBroken/nfr6-iam-outage/I2", helper)
		assert.Contains(t, string(out), "(rule 1)", helper)
		assert.Contains(t, string(out), "opened after 4 consecutive failures, want 5", helper)
		assert.Contains(t, string(out), "--- PASS: TestHelperBroken/nfr6-iam-outage/I8", helper)
		if helper == "streamed" {
			assert.Contains(t, string(out), "warning: judged at the windows level, streamed from a full record", helper)
		}
	}
}

// early is a minimal breaker, Execute only, that opens after
// FailureThreshold-1 consecutive failures and otherwise follows NFR-6
// loosely enough for the test: it never half-opens.
type early struct {
	cfg   breaker.Config
	mu    sync.Mutex
	fails int
	open  bool
}

func (b *early) Execute(ctx context.Context, fn func(context.Context) error) error {
	b.mu.Lock()
	if b.open {
		b.mu.Unlock()
		return breaker.ErrOpen
	}
	b.mu.Unlock()
	err := fn(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err == nil:
		b.fails = 0
	case !errors.Is(err, context.Canceled):
		if b.fails++; b.fails >= b.cfg.FailureThreshold-1 {
			b.open = true
		}
	}
	return err
}
