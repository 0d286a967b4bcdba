package mutants_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/mutants"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// runStress runs the built-in stress scenario name against the mutant bug.
func runStress(t *testing.T, name, bug string) *runner.Result {
	t.Helper()
	sc, err := scenarios.Builtin(name)
	require.NoError(t, err)
	m, ok := mutants.Lookup(bug)
	require.True(t, ok)
	res, err := runner.Run(context.Background(), sc, runner.Options{Out: t.TempDir(), Breaker: m.Implementation()})
	require.NoError(t, err)
	require.NotNil(t, res.Verdict)
	return res
}

// firstViolation returns check id's first violation, failing the test if
// the check held.
func firstViolation(t *testing.T, v *record.Verdict, id string) record.Violation {
	t.Helper()
	c, ok := v.Check(id)
	require.True(t, ok)
	require.False(t, c.Passed, "%s held: %s", id, c.Detail)
	require.NotEmpty(t, c.Violations)
	return c.Violations[0]
}

// TestStressCatchesCheckThenAct: a breaker whose half-open admission is a
// check-then-act race passes every sim scenario (TestEveryMutantIsCaught:
// one goroutine never interleaves there). Stress callers do: more probes
// than HalfOpenMaxCalls get in (I5). The reference passes the same
// scenario (runner's TestBuiltinsPass).
func TestStressCatchesCheckThenAct(t *testing.T) {
	res := runStress(t, "probe-race-stress", "check-then-act")
	v := firstViolation(t, res.Verdict, "I5")
	assert.Equal(t, 4, v.Rule)
	assert.Equal(t, "slow", v.Dep)
	assert.Regexp(t, `probes in flight in generation|calls were in flight at once`, v.Message)
	t.Log(v.Message)
}

// TestThresholdStressTellsFiveFromSix: in real time, with a recovery
// timeout 200 times the tolerance, a breaker that opens at the 6th
// consecutive failure instead of the 5th is caught (I2).
func TestThresholdStressTellsFiveFromSix(t *testing.T) {
	res := runStress(t, "threshold-stress", "opens-at-6")
	v := firstViolation(t, res.Verdict, "I2")
	assert.Equal(t, 1, v.Rule)
	assert.Contains(t, v.Message, "5 consecutive failures")
	t.Log(v.Message)
}
