package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/check"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// stressBase is the start of a stress scenario with one dependency (line 5
// is "  - name: dep").
const stressBase = "name: x\nmode: stress\nduration: 5s\ndependencies:\n  - name: dep\n"

// TestRunModeMismatch: --mode cannot turn a stress scenario into a sim run,
// nor a sim scenario into a stress run.
func TestRunModeMismatch(t *testing.T) {
	stress, err := scenarios.Parse("s.yaml", []byte(stressBase+"stress: {goroutines: 2, iterations: 2}\n"))
	require.NoError(t, err)
	_, err = Run(context.Background(), stress, Options{Out: t.TempDir(), Mode: scenarios.ModeSim})
	assert.ErrorIs(t, err, scenarios.ErrModeMismatch)
	sim, err := scenarios.Builtin("nfr6-iam-outage")
	require.NoError(t, err)
	_, err = Run(context.Background(), sim, Options{Out: t.TempDir(), Mode: scenarios.ModeStress})
	assert.ErrorIs(t, err, scenarios.ErrModeMismatch)

}

// flappingStress is a stress scenario whose circuit opens, probes and
// closes many times: the dependency fails half its calls in the first third
// of every 300 ms, and the recovery timeout is 2 ms.
const flappingStress = `name: flapping-stress
mode: stress
seed: 5
duration: 20s
dependencies:
  - name: flaky
    breaker: {failure_threshold: 5, success_threshold: 2, recovery_timeout: 2ms}
    faults:
      latency: {p50: 200us, p99: 1ms}
    flap: {at: 30ms, period: 300ms, duty: 0.34, faults: {error_rate: 0.5}}
stress: {goroutines: 32, iterations: 400, backoff: 200us}
expect:
  min_opens: 5
  max_rejection_p99: 50ms # -race on a busy machine: see race-stress
`

// TestStressRunPasses runs a stress scenario against the reference breaker
// — under -race with `go test -race` — and checks every invariant on what
// it recorded.
func TestStressRunPasses(t *testing.T) {
	sc, err := scenarios.Parse("flapping-stress.yaml", []byte(flappingStress))
	require.NoError(t, err)
	res, err := Run(context.Background(), sc, Options{Out: t.TempDir()})
	require.NoError(t, err)
	keepOnFailure(t, res)
	require.NotNil(t, res.Verdict)
	for _, c := range res.Verdict.Checks {
		assert.True(t, c.Passed, "%s %s: %s %v", c.ID, c.Name, c.Detail, c.Violations)
	}
	require.True(t, res.Passed())
	race, ok := res.Verdict.Check(record.RaceCheckID)
	require.True(t, ok, "a stress run says whether the race detector was on")
	assert.Equal(t, !raceEnabled, race.Skipped, race.Detail)
	assert.True(t, race.Passed)
	assert.Equal(t, scenarios.ModeStress, res.Mode)
	require.NotNil(t, res.Stress)
	assert.Equal(t, StressStats{Goroutines: 32, Iterations: 400, Planned: 12800, Calls: 12800, Rate: res.Stress.Rate, Race: raceEnabled}, *res.Stress)
	assert.Equal(t, 12800, res.Stats.Calls)
	assert.Less(t, res.Elapsed, sc.Duration)

	run, err := record.Read(res.Dir)
	require.NoError(t, err)
	assert.Empty(t, run.Warnings)
	assert.Equal(t, record.ModeStress, run.Meta.Mode)
	assert.Equal(t, "stress", run.Meta.Load.Kind)
	assert.Equal(t, 32, run.Meta.Load.Workers)
	assert.Positive(t, run.Meta.Load.Rate, "the achieved rate")
	assert.Greater(t, len(run.Snapshots), 2, "the observer took snapshots while the callers ran")

	// Every call once, each caller's in its own range of seqs.
	seqs := make([]uint64, 0, len(run.Calls))
	admitted := 0
	for _, c := range run.Calls {
		seqs = append(seqs, c.Seq)
		if c.Outcome == record.OutcomeSuccess || c.Outcome == record.OutcomeFailure {
			admitted++
		}
	}
	slices.Sort(seqs)
	assert.Equal(t, uint64(0), seqs[0])
	assert.Equal(t, uint64(12799), seqs[len(seqs)-1])
	assert.Len(t, slices.Compact(seqs), 12800)
	assert.Len(t, run.DepRequests, admitted, "every admitted call reached the fake, and only those")

	// The run was concurrent for real: many calls in flight at once.
	assert.Greater(t, maxInFlight(run.Calls), 8)
	var opens, closes int
	for _, tr := range run.Transitions {
		switch {
		case tr.To == record.StateOpen:
			opens++
		case tr.From == record.StateHalfOpen && tr.To == record.StateClosed:
			closes++
		}
	}
	assert.GreaterOrEqual(t, opens, 5)
	assert.Positive(t, closes)
}

// maxInFlight is the most admitted calls that overlapped at one instant.
func maxInFlight(calls []record.Call) int {
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	for _, c := range calls {
		if c.Outcome != record.OutcomeRejected && c.EndNs > c.StartNs {
			edges = append(edges, edge{c.StartNs, 1}, edge{c.EndNs, -1})
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.delta - b.delta
	})
	n, peak := 0, 0
	for _, e := range edges {
		n += e.delta
		peak = max(peak, n)
	}
	return peak
}

func failedIDs(res *Result) []string {
	var ids []string
	for _, c := range res.Verdict.Checks {
		if !c.Passed {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// TestStressStopsAtDuration: the duration bounds a stress run whose callers
// would take far longer; calls still running then are cancelled (ignored)
// and everything recorded still checks.
func TestStressStopsAtDuration(t *testing.T) {
	sc, err := scenarios.Parse("slow.yaml", []byte(`name: slow-stress
mode: stress
duration: 300ms
dependencies:
  - name: slow
    faults: {latency: {p50: 40ms, dist: fixed}}
stress: {goroutines: 8, iterations: 100000}
`))
	require.NoError(t, err)
	res, err := Run(context.Background(), sc, Options{Out: t.TempDir()})
	require.NoError(t, err)
	assert.True(t, res.Passed(), "%v", failedIDs(res))
	require.NotNil(t, res.Stress)
	assert.True(t, res.Stress.TimeBound)
	assert.Less(t, res.Stress.Calls, res.Stress.Planned)
	assert.Less(t, res.Elapsed, sc.Duration+time.Second)
	assert.False(t, res.Interrupted)
	assert.Positive(t, res.Stats.Ignored, "the calls in flight at the end were cancelled")
}

// TestStressInterrupted cancels a stress run (as Ctrl-C does): the callers
// stop, and the records and verdict of what ran are complete.
func TestStressInterrupted(t *testing.T) {
	sc, err := scenarios.Parse("slow.yaml", []byte(`name: slow-stress
mode: stress
duration: 1m
dependencies:
  - name: slow
    faults: {latency: {p50: 10ms, dist: fixed}}
stress: {goroutines: 8, iterations: 100000}
`))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := t.TempDir()
	res, err := Run(ctx, sc, Options{Out: out, ProgressEvery: 20 * time.Millisecond, Progress: func(p Progress) {
		if p.Calls >= 100 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, ErrInterrupted)
	require.NotNil(t, res)
	assert.True(t, res.Interrupted)
	assert.False(t, res.Stress.TimeBound)
	assert.Empty(t, failedIDs(res), "every check held on what ran")
	assert.Equal(t, record.StatusIncomplete, res.Verdict.Status(), "but the run was cut short: it does not pass")
	run, err := record.Read(filepath.Join(out, sc.Name))
	require.NoError(t, err)
	assert.True(t, run.Meta.Interrupted)
	assert.Empty(t, run.Warnings)
	v, err := check.Run(run, check.Options{})
	require.NoError(t, err)
	assert.Equal(t, res.Stats.Calls, v.Stats.Calls)
}

// keepOnFailure copies a failed run's directory to $BREAKERLAB_KEEP, when
// set, for a look at what the checker saw.
func keepOnFailure(t *testing.T, res *Result) {
	keep := os.Getenv("BREAKERLAB_KEEP")
	if keep == "" || res.Passed() {
		return
	}
	dst := filepath.Join(keep, fmt.Sprintf("%s-%d", res.Label, time.Now().UnixNano()))
	if err := os.CopyFS(dst, os.DirFS(res.Dir)); err != nil {
		t.Log(err)
	}
	t.Log("kept", dst)
}
