package record

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMetaIncomplete(t *testing.T) {
	planned := int64(4 * time.Minute)
	for _, tc := range []struct {
		meta Meta
		want string
	}{
		{Meta{DurationNs: planned, EndedNs: planned}, ""},
		{Meta{DurationNs: planned, EndedNs: int64(45*time.Second + 123456789), Interrupted: true}, "interrupted after 45.123s of 4m0s"},
		{Meta{DurationNs: planned, Interrupted: true}, "interrupted"},
		{Meta{DurationNs: planned}, "cut short: meta.json records no end (the run was killed)"},
		{Meta{DurationNs: planned, EndedNs: planned, Shortfall: "8547/s of 12000/s (71%)"},
			"the load fell short of the scenario's rate: 8547/s of 12000/s (71%)"},
	} {
		assert.Equal(t, tc.want, tc.meta.Incomplete(), "%+v", tc.meta)
	}
}

// A verdict passes only when a check was judged, none failed and the run
// was complete; a skipped check counts for nothing.
func TestVerdictStatus(t *testing.T) {
	ok := Check{ID: "I1", Passed: true}
	bad := Check{ID: "I2", Passed: false}
	skipped := Check{ID: "I6", Passed: true, Skipped: true}
	for _, tc := range []struct {
		name       string
		v          Verdict
		incomplete string
		want       string
	}{
		{"all held", Verdict{Passed: true, Checks: []Check{ok, skipped}}, "", StatusPassed},
		{"a failure", Verdict{Passed: false, Checks: []Check{ok, bad}}, "", StatusFailed},
		{"a failure in an interrupted run", Verdict{Passed: false, Checks: []Check{bad}}, "interrupted", StatusFailed},
		{"interrupted", Verdict{Passed: true, Checks: []Check{ok}}, "interrupted after 1s of 4m0s", StatusIncomplete},
		{"short of its load", Verdict{Passed: true, Checks: []Check{ok}}, "the load fell short", StatusIncomplete},
		{"every check skipped", Verdict{Passed: true, Checks: []Check{skipped}}, "", StatusNotChecked},
		{"no checks", Verdict{Passed: true}, "", StatusNotChecked},
		{"failed for no check's reason", Verdict{Passed: false, Checks: []Check{ok}}, "", StatusFailed},
	} {
		v := tc.v
		v.MarkIncomplete(tc.incomplete)
		assert.Equal(t, tc.want, v.Status(), tc.name)
		assert.Equal(t, tc.incomplete, v.Incomplete, tc.name)
		if tc.incomplete != "" {
			assert.False(t, v.Passed, "%s: an incomplete run does not pass", tc.name)
		}
	}
}
