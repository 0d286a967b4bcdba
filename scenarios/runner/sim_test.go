package runner

import (
	"context"
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

// TestSimWarnsOfBreakerGoroutines: a breaker that starts goroutines gets a
// warning in meta.json and the verdict, naming it; the runner's own
// goroutines (the bridges to an Execute-only breaker) and the rest of the
// process's do not count.
func TestSimWarnsOfBreakerGoroutines(t *testing.T) {
	sc, err := scenarios.Parse("x.yaml", []byte("name: x\nduration: 10s\ndependencies:\n  - name: dep\n    faults: {latency: {p50: 150ms, dist: fixed}}\nload: {rate: 10/s}\n"))
	require.NoError(t, err)
	impl := func(name string, wrap func(reference) Breaker) Implementation {
		return Implementation{Name: name, Clock: true, New: func(cfg breaker.Config) (Breaker, error) {
			b, err := Reference.New(cfg)
			if err != nil {
				return nil, err
			}
			return wrap(b.(reference)), nil
		}}
	}
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
		{impl("execute-only", func(r reference) Breaker { return executeOnly{r} }), ""},
		{impl("spawning", func(r reference) Breaker { return spawning{r} }), `sim: breaker "spawning" started 1 goroutine(s) by 0s of the run (github.com/breakerlab/breakerlab/scenarios/runner.spawning.Allow.func1)`},
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
		assert.True(t, strings.HasPrefix(run.Meta.Warnings[0], tc.want), run.Meta.Warnings[0])
		assert.Equal(t, run.Meta.Warnings, res.Verdict.Warnings, "the checker copies the runner's warnings")
		assert.True(t, res.Passed(), "a warning fails no check")
	}
}
