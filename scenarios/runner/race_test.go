package runner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// racyStress is a stress run of a few goroutines, enough for the race
// detector to see unguarded writes overlap.
const racyStress = stressBase + "stress: {goroutines: 4, iterations: 200}\n"

// racy is the reference breaker with a planted data race: a call counter
// nobody guards.
type racy struct {
	Breaker
	calls int
}

func (b *racy) Execute(ctx context.Context, fn func(context.Context) error) error {
	b.calls++ // the race
	return b.Breaker.Execute(ctx, fn)
}

var racyImpl = Implementation{Name: "racy", New: func(cfg breaker.Config) (Breaker, error) {
	b, err := Reference.New(cfg)
	return &racy{Breaker: b}, err
}}

// raceOutEnv tells TestHelperRacyStress, run by TestRaceFailsTheRun in a
// child process, where to record its run.
const raceOutEnv = "BREAKERLAB_RUNNER_RACE_OUT"

// TestHelperRacyStress runs the racy breaker in stress mode, as a user of
// go test -race would; a deliberate race fails a test binary built with
// -race, so TestRaceFailsTheRun runs it in a child process.
func TestHelperRacyStress(t *testing.T) {
	out := os.Getenv(raceOutEnv)
	if out == "" {
		t.Skip("run by TestRaceFailsTheRun")
	}
	sc, err := scenarios.Parse("racy.yaml", []byte(racyStress))
	require.NoError(t, err)
	res, err := Run(context.Background(), sc, Options{Out: out, Breaker: racyImpl})
	require.NoError(t, err)
	t.Logf("verdict: %s", res.Verdict.Status())
}

// TestRaceFailsTheRun: under -race, a data race in the breaker fails the
// run's verdict on the race check, which quotes the two accesses, and the
// reports show it (summary.md, summary.json, junit.xml); the testing
// package still fails the test that ran it, and the race detector's report
// still reaches stderr. Without -race the race check is not checked, and
// says why.
func TestRaceFailsTheRun(t *testing.T) {
	out := t.TempDir()
	if !raceEnabled {
		sc, err := scenarios.Parse("racy.yaml", []byte(racyStress))
		require.NoError(t, err)
		res, err := Run(context.Background(), sc, Options{Out: out})
		require.NoError(t, err)
		c, ok := res.Verdict.Check(record.RaceCheckID)
		require.True(t, ok)
		assert.True(t, c.Skipped)
		assert.Equal(t, "not checked: the binary was built without the race detector (go test -race, or go build -race ./cmd/breakerlab)", c.Detail)
		assert.True(t, res.Passed(), "a check not checked fails nothing")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperRacyStress$", "-test.v")
	cmd.Env = append(os.Environ(), raceOutEnv+"="+out)
	output, err := cmd.CombinedOutput()
	require.Error(t, err, "the child test must fail:\n%s", output)
	assert.Contains(t, string(output), "WARNING: DATA RACE", "the report still reaches stderr")
	assert.Contains(t, string(output), "race detected during execution of test", "the testing package still fails the test")
	assert.Contains(t, string(output), "verdict: failed")

	dir := filepath.Join(out, "x@racy")
	v, err := record.ReadVerdict(dir)
	require.NoError(t, err, "%s", output)
	assert.False(t, v.Passed)
	c, ok := v.Check(record.RaceCheckID)
	require.True(t, ok)
	assert.False(t, c.Passed)
	assert.False(t, c.Skipped)
	assert.Equal(t, record.KindInvariant, c.Kind)
	assert.Equal(t, "no data race under the race detector", c.Name)
	require.NotEmpty(t, c.Violations, "%+v", c)
	vi := c.Violations[0]
	assert.Regexp(t, `^data race: (read|write) by goroutine \d+ in github.com/breakerlab/breakerlab/scenarios/runner.\(\*racy\).Execute \(race_test.go:\d+\), previous (read|write) by goroutine \d+ in github.com/breakerlab/breakerlab/scenarios/runner.\(\*racy\).Execute \(race_test.go:\d+\)$`, vi.Message)
	require.Len(t, vi.Context, 6, "each access and the top frame of its stack")
	assert.Contains(t, vi.Context[1], "runner.(*racy).Execute()")
	assert.Positive(t, vi.AtNs)
	run, err := record.Read(dir)
	require.NoError(t, err)
	require.NotNil(t, run.Meta.Race)
	assert.True(t, run.Meta.Race.Detector)
	assert.Equal(t, c.ViolationsTotal, run.Meta.Race.Reports)
	assert.Empty(t, run.Meta.Race.Note)

	require.NoError(t, reports.WriteDir(dir))
	for _, f := range []string{"summary.md", "summary.json", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		assert.Contains(t, string(b), "in github.com/breakerlab/breakerlab/scenarios/runner.(*racy).Execute (race_test.go:", f)
	}
}

// A race report as the race detector prints it, with lines cut across
// reads and other output around it.
const raceReport = `progress 10%
==================
WARNING: DATA RACE
Read at 0x00c000094028 by goroutine 10:
  main.main.func2()
      /tmp/x/main.go:29 +0x7b

Previous write at 0x00c000094028 by main goroutine:
  main.(*T).Inc()
      /tmp/x/t.go:12 +0x8d

Goroutine 10 (running) created at:
  main.main()
      /tmp/x/main.go:29 +0x1b9
==================
done
`

func TestRaceParser(t *testing.T) {
	var p raceParser
	var got [][]string
	for i := 0; i < len(raceReport); i += 7 {
		got = append(got, p.feed([]byte(raceReport[i:min(i+7, len(raceReport))]))...)
	}
	require.Len(t, got, 1)
	summary, lines := quoteRace(got[0])
	assert.Equal(t, "read by goroutine 10 in main.main.func2 (main.go:29), previous write by main goroutine in main.(*T).Inc (t.go:12)", summary)
	assert.Equal(t, []string{
		"Read at 0x00c000094028 by goroutine 10:", "  main.main.func2()", "      /tmp/x/main.go:29 +0x7b",
		"Previous write at 0x00c000094028 by main goroutine:", "  main.(*T).Inc()", "      /tmp/x/t.go:12 +0x8d",
	}, lines)

	// A report of a shape it does not know is quoted by its first lines.
	summary, lines = quoteRace([]string{"something else", "  f()"})
	assert.Equal(t, "something else   f()", summary)
	assert.Len(t, lines, 2)
	assert.Empty(t, p.feed([]byte(strings.Repeat("x", 3*tapMaxLine)+"\n")))
	assert.Empty(t, p.line, "a long line is dropped once it ends")
}
