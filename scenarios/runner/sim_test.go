package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSimDeterministic runs one scenario twice with one seed: every file
// must hold the same records (read as JSON lines: the compressed bytes of
// calls.bin and dependency.bin depend on where the timed flushes fell).
func TestSimDeterministic(t *testing.T) {
	// Random latencies and overlapping calls; random cancellations.
	for _, name := range []string{"nfr6-eris-outage", "caller-cancellations"} {
		sc, err := scenarios.Builtin(name)
		require.NoError(t, err)
		a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
		ra, err := Run(context.Background(), sc, Options{Out: a})
		require.NoError(t, err)
		_, err = Run(context.Background(), sc, Options{Out: b})
		require.NoError(t, err)
		_, err = Run(context.Background(), sc, Options{Out: c, Seed: sc.Seed + 1})
		require.NoError(t, err)
		assert.Positive(t, ra.Stats.Calls)
		for _, f := range []string{record.MetaFile, record.CallsFile, record.TransitionsFile, record.DependencyFile, record.SnapshotsFile, record.VerdictFile} {
			x := readFile(t, filepath.Join(a, sc.Name, f))
			y := readFile(t, filepath.Join(b, sc.Name, f))
			assert.True(t, x == y, "%s: %s differs between two runs with one seed", name, f)
		}
		assert.NotEqual(t, readFile(t, filepath.Join(a, sc.Name, record.CallsFile)), readFile(t, filepath.Join(c, sc.Name, record.CallsFile)),
			"%s: another seed gives other calls", name)
	}
}

// readFile returns the file's records as JSON lines (record.Cat).
func readFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var b strings.Builder
	_, err = record.Cat(&b, f, path)
	require.NoError(t, err)
	return b.String()
}

// spawning is the reference breaker with a defect that makes sim runs
// irreproducible: each admitted call starts a goroutine that lives until
// its result comes back.
type spawning struct{ reference }

func (s spawning) Allow() (Ticket, error) {
	t, err := s.reference.Allow()
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { <-done }()
	return spawningTicket{t, done}, nil
}

type spawningTicket struct {
	Ticket
	done chan struct{}
}

func (t spawningTicket) Done(err error) {
	t.Ticket.Done(err)
	close(t.done)
}

// executeOnly hides the reference's two-step form: sim mode bridges its
// Execute with goroutines of the runner's own.
type executeOnly struct{ Breaker }

// executeAsync is an Execute-only breaker that runs fn on a goroutine of
// its own and waits for it, as one with its own timeout does.
type executeAsync struct{ Breaker }

func (e executeAsync) Execute(ctx context.Context, fn func(context.Context) error) error {
	return e.Breaker.Execute(ctx, func(ctx context.Context) error {
		res := make(chan error)
		go func() { res <- fn(ctx) }()
		return <-res
	})
}

// retrying is an Execute-only breaker that retries a failed call once.
type retrying struct{ Breaker }

func (r retrying) Execute(ctx context.Context, fn func(context.Context) error) error {
	ran := false
	err := r.Breaker.Execute(ctx, func(ctx context.Context) error {
		ran = true
		return fn(ctx)
	})
	if err == nil || !ran {
		return err
	}
	return r.Breaker.Execute(ctx, fn)
}

// TestSimWarnsOfBreakerGoroutines: a breaker that starts goroutines gets a
// warning in meta.json and the verdict, naming it, from the first call that
// starts one; the runner's own goroutines (the bridges to an Execute-only
// breaker, which start and end on every call) and the rest of the process's
// (which come and go all the time here) do not count.
func TestSimWarnsOfBreakerGoroutines(t *testing.T) {
	sc, err := scenarios.Parse("x.yaml", []byte("name: x\nduration: 30s\ndependencies:\n  - name: dep\n    faults: {latency: {p50: 150ms, dist: fixed}}\nload: {rate: 20/s}\n"))
	require.NoError(t, err)
	// Goroutines of the process's own, outside the run, come and go.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				done := make(chan struct{})
				go close(done)
				<-done
			}
		}
	}()
	for _, tc := range []struct {
		impl Implementation
		want string
	}{
		{Reference, ""},
		{wrapped("execute-only", func(r reference) Breaker { return executeOnly{r} }), ""},
		{wrapped("execute-async", func(r reference) Breaker { return executeAsync{executeOnly{r}} }), `^sim: breaker "execute-async" started 1 goroutine\(s\) by 0s of the run \(github\.com/breakerlab/breakerlab/scenarios/runner\.\S*executeAsync\.Execute\.func1\): `},
		{wrapped("spawning", func(r reference) Breaker { return spawning{r} }), `^sim: breaker "spawning" started 1 goroutine\(s\) by 0s of the run \(github\.com/breakerlab/breakerlab/scenarios/runner\.spawning\.Allow\.func1\): `},
	} {
		res, err := Run(context.Background(), sc, Options{Out: t.TempDir(), Breaker: tc.impl})
		require.NoError(t, err)
		run, err := record.Read(res.Dir)
		require.NoError(t, err)
		if tc.want == "" {
			assert.Empty(t, run.Meta.Warnings, tc.impl.Name)
			assert.Empty(t, res.Verdict.Warnings, tc.impl.Name)
			continue
		}
		require.Len(t, run.Meta.Warnings, 1)
		assert.Regexp(t, tc.want, run.Meta.Warnings[0])
		assert.Equal(t, run.Meta.Warnings, res.Verdict.Warnings, "the checker copies the runner's warnings")
		assert.True(t, res.Passed(), "a warning fails no check")
	}
}

// wrapped is the reference implementation with its breakers wrapped.
func wrapped(name string, wrap func(reference) Breaker) Implementation {
	return Implementation{Name: name, Clock: true, New: func(cfg breaker.Config) (Breaker, error) {
		b, err := Reference.New(cfg)
		if err != nil {
			return nil, err
		}
		return wrap(b.(reference)), nil
	}}
}

// TestSimBridgesRetries: an Execute-only breaker that retries a failure
// gets the first attempt's result again at once (only the first attempt is
// simulated): the run ends, every call with an outcome, and the bridge is
// not taken for a goroutine of the breaker's.
func TestSimBridgesRetries(t *testing.T) {
	sc, err := scenarios.Parse("x.yaml", []byte("name: x\nduration: 5s\ndependencies:\n  - name: dep\n    faults: {latency: {p50: 10ms, dist: fixed}}\n    phases:\n      - {at: 1s, error_rate: 1.0}\n      - {at: 2s}\nload: {rate: 20/s}\n"))
	require.NoError(t, err)
	once, err := Run(context.Background(), sc, Options{Out: t.TempDir(), Breaker: wrapped("execute-only", func(r reference) Breaker { return executeOnly{r} })})
	require.NoError(t, err)
	twice, err := Run(context.Background(), sc, Options{Out: t.TempDir(), Breaker: wrapped("retrying", func(r reference) Breaker { return retrying{executeOnly{r}} })})
	require.NoError(t, err)
	assert.Positive(t, once.Stats.Failure)
	assert.Equal(t, once.Stats.Calls, twice.Stats.Calls, "every call came to an outcome")
	assert.Equal(t, once.Stats.Success, twice.Stats.Success)
	for _, w := range twice.Verdict.Warnings {
		assert.NotContains(t, w, "sim: breaker")
	}
}

// TestCountLabelled reads a goroutine profile whose first record is a
// labelled goroutine that has not run yet, right after the header.
func TestCountLabelled(t *testing.T) {
	profile := "goroutine profile: total 5\n" +
		"1 @ 0x102c021 0x4d22e1\n# labels: {\"breakerlab-sim\":\"3\"}\n#\t0x102c020\tx.spawning.Allow.func1+0x0\t/x/sim_test.go:66\n\n" +
		"2 @ 0x46941c 0x4d22e1\n# labels: {\"breakerlab-sim\":\"3\", \"k\":\"v\"}\n#\t0x46941b\truntime.gopark+0x5\t/go/proc.go:1\n#\t0x102d1d9\tx.other+0x59\t/x/a.go:9\n\n" +
		"1 @ 0x46941c 0x4d22e1\n# labels: {\"breakerlab-sim\":\"31\"}\n#\t0x102d1d9\tx.another+0x59\t/x/a.go:9\n\n" +
		"1 @ 0x46941c 0x4d22e1\n#\t0x102d1d9\tx.unlabelled+0x59\t/x/a.go:9\n\n"
	n, first := countLabelled(profile, `"breakerlab-sim":"3"`)
	assert.Equal(t, 3, n)
	assert.Equal(t, "x.spawning.Allow.func1", first)
}

// TestSetupErrorIsNotJudged: a breaker that refuses the scenario's config
// is a setup error, not the breaker's failure: no verdict, and nothing of
// the run is left in its directory.
func TestSetupErrorIsNotJudged(t *testing.T) {
	sc, err := scenarios.Parse("x.yaml", []byte("name: x\nduration: 5s\ndependencies:\n  - name: dep\nload: {rate: 20/s}\n"))
	require.NoError(t, err)
	refusing := Implementation{Name: "refusing", Clock: true, New: func(breaker.Config) (Breaker, error) {
		return nil, errors.New("failure_threshold 5: want at most 3")
	}}
	res, err := Run(context.Background(), sc, Options{Out: t.TempDir(), Breaker: refusing})
	require.ErrorIs(t, err, ErrSetup)
	assert.EqualError(t, err, `runner: the run's setup does not work: x: dependency dep: breaker "refusing" refuses the scenario's config: failure_threshold 5: want at most 3`)
	require.NotNil(t, res)
	assert.Nil(t, res.Verdict, "not judged")
	assert.False(t, res.Passed())
	entries, err := os.ReadDir(res.Dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing recorded is left")
}
