package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/mutants"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// TestSeedportPassesTheRuleScenarios: the seed's single-mutex port passes
// the scenarios written to make each rule visible (those that catch the
// mutants of package mutants) and the stress scenarios that tell a
// threshold from its neighbour and catch a probe admission race. Its
// runner adapter lives here, with the CLI's wiring (bench/ imports breaker
// only), so this is where it is tested.
func TestSeedportPassesTheRuleScenarios(t *testing.T) {
	out := t.TempDir()
	for _, name := range append(mutants.RuleScenarios, "threshold-stress", "probe-race-stress") {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Builtin(name)
			require.NoError(t, err)
			res, err := runner.Run(context.Background(), sc, runner.Options{Out: out, Breaker: seedPort})
			require.NoError(t, err)
			for _, c := range res.Verdict.Checks {
				assert.True(t, c.Passed, "%s %s: %s %v", c.ID, c.Name, c.Detail, c.Violations)
			}
			assert.True(t, res.Passed())
		})
	}
}
