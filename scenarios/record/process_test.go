package record

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verdictOf is a passing verdict with I11 (failed when leaked), then R1.
func verdictOf(leaked bool) Verdict {
	i11 := Check{ID: "I11", Kind: KindInvariant, Passed: true}
	if leaked {
		i11 = Check{ID: "I11", Kind: KindInvariant, ViolationsTotal: 1,
			Violations: []Violation{{ID: "I11", AtNs: 7, Event: "end of run", Message: "1 goroutines outlived the run"}}}
	}
	return Verdict{Passed: !leaked, Checks: []Check{{ID: "I1", Kind: KindInvariant, Passed: true}, i11, {ID: "R1", Kind: KindReport, Passed: true}}}
}

// The race check: after the invariants, not checked (saying why) when no
// race could be seen, failed with the quoted reports when one was; none
// when the runner did not watch (meta.json has no race).
func TestAddProcessChecksRace(t *testing.T) {
	quoted := RaceReport{AtNs: 5, Summary: "write by goroutine 3 in p.f (f.go:1), previous read by goroutine 4 in p.f (f.go:2)", Lines: []string{"Write at 0x1 by goroutine 3:"}}
	for _, tc := range []struct {
		name    string
		meta    Meta
		passed  bool
		skipped bool
		detail  string
		message string
	}{
		{"no detector", Meta{Mode: ModeStress, Race: &Race{}}, true, true, "not checked: the binary was built without the race detector (go test -race, or go build -race ./cmd/breakerlab)", ""},
		{"clean", Meta{Mode: ModeStress, Race: &Race{Detector: true}}, true, false, "the race detector reported no data race", ""},
		{"clean, not captured", Meta{Mode: ModeSim, Race: &Race{Detector: true, Note: "stderr is not captured on windows: the reports are on stderr"}}, true, false,
			"the race detector reported no data race (stderr is not captured on windows: the reports are on stderr)", ""},
		{"race", Meta{Mode: ModeStress, Race: &Race{Detector: true, Reports: 2, Quoted: []RaceReport{quoted}}}, false, false,
			"the race detector reported 2 data race(s)", "data race: " + quoted.Summary},
		{"race, not captured", Meta{Mode: ModeStress, EndedNs: 9, Race: &Race{Detector: true, Reports: 1, Note: "stderr is not captured on windows: the reports are on stderr"}}, false, false,
			"the race detector reported 1 data race(s)", "the race detector reported 1 data race(s) while the run went; not quoted: stderr is not captured on windows: the reports are on stderr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verdictOf(false)
			v.AddProcessChecks(&tc.meta)
			v.AddProcessChecks(&tc.meta) // once is enough
			require.Len(t, v.Checks, 4)
			assert.Equal(t, []string{"I1", "I11", RaceCheckID, "R1"}, []string{v.Checks[0].ID, v.Checks[1].ID, v.Checks[2].ID, v.Checks[3].ID})
			c := v.Checks[2]
			assert.Equal(t, KindInvariant, c.Kind)
			assert.Equal(t, tc.passed, c.Passed)
			assert.Equal(t, tc.skipped, c.Skipped)
			assert.Equal(t, tc.detail, c.Detail)
			assert.Equal(t, tc.passed, v.Passed)
			assert.NotNil(t, c.Violations)
			if tc.message == "" {
				assert.Empty(t, c.Violations)
				return
			}
			require.NotEmpty(t, c.Violations)
			assert.Equal(t, tc.message, c.Violations[0].Message)
			assert.Equal(t, tc.meta.Race.Reports, c.ViolationsTotal)
		})
	}
}

func TestAddProcessChecksNoRace(t *testing.T) {
	v := verdictOf(false)
	v.AddProcessChecks(&Meta{Mode: ModeExternal})
	assert.Equal(t, verdictOf(false), v)
}

// I11's violation names each leaked goroutine by its stack.
func TestAddProcessChecksLeaks(t *testing.T) {
	m := Meta{Mode: ModeStress, Race: &Race{}, Leaks: []Leak{{Goroutine: 42, State: "chan receive", Top: "p.(*b).watch",
		CreatedBy: "p.New", Stack: []string{"p.(*b).watch(...)", "/x/b.go:10 +0x1d"}}}}
	v := verdictOf(true)
	v.AddProcessChecks(&m)
	c, ok := v.Check("I11")
	require.True(t, ok)
	assert.Equal(t, []Violation{{ID: "I11", AtNs: 7, Event: "end of run",
		Message: "goroutine 42 [chan receive] outlived the run: p.(*b).watch on top of its stack, created by p.New",
		Context: []string{"p.(*b).watch(...)", "/x/b.go:10 +0x1d"}}}, c.Violations)

	m.Leaks[0].Top, m.Leaks[0].Func = "time.Sleep", "p.(*b).watch"
	v = verdictOf(true)
	v.AddProcessChecks(&m)
	c, _ = v.Check("I11")
	assert.Equal(t, "goroutine 42 [chan receive] outlived the run: time.Sleep on top of its stack, in p.(*b).watch, created by p.New", c.Violations[0].Message)

	// A passing I11 is left alone.
	v = verdictOf(false)
	v.AddProcessChecks(&m)
	c, _ = v.Check("I11")
	assert.Empty(t, c.Violations)
}
