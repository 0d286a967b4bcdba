package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bugTimelines plays each bug's timeline twice, clean and bugged: the clean
// breaker shows the want column, the bugged one the bug column. Steps
// without a bug column behave the same, so each bug changes exactly the
// behaviour it claims.
var bugTimelines = []struct {
	bug   Bug
	steps []step
}{
	{BugOffByOne, timeline(
		fails(4, 0, "closed"),
		step{do: "fail", want: "open", bug: "closed"},
		step{do: "fail", want: "rejected open", bug: "open"},
		step{at: 60 * sec, do: "look", want: "half-open"},
	)},
	{BugNoProbeLimit, timeline(
		fails(5, 0, "open"),
		step{at: 60 * sec, do: "begin A", want: "half-open"},
		step{at: 60 * sec, do: "begin B", want: "half-open"},
		step{at: 60 * sec, do: "begin C", want: "rejected half-open", bug: "half-open"},
		step{at: 60 * sec, do: "begin D", want: "rejected half-open", bug: "half-open"},
		step{at: 61 * sec, do: "end A ok", want: "half-open"},
		step{at: 61 * sec, do: "end B ok", want: "closed"},
	)},
	{BugSuccessNoReset, timeline(
		fails(4, 0, "closed"),
		step{at: 1 * sec, do: "ok", want: "closed"},
		step{at: 2 * sec, do: "fail", want: "closed", bug: "open"}, // the 5th failure in total
		step{at: 3 * sec, do: "ok", want: "closed", bug: "rejected open"},
	)},
	{BugTimeoutIgnored, timeline(
		step{do: "timeout", want: "closed"},
		step{do: "timeout", want: "closed"},
		step{do: "timeout", want: "closed"},
		step{do: "timeout", want: "closed"},
		step{do: "timeout", want: "open", bug: "closed"},
		step{do: "timeout", want: "rejected open", bug: "closed"},
		step{do: "fail", want: "rejected open", bug: "closed"}, // other failures still count: the first
	)},
	{BugTimerResetOnReject, timeline(
		fails(5, 0, "open"),
		step{at: 30 * sec, do: "ok", want: "rejected open"},
		step{at: 59 * sec, do: "ok", want: "rejected open"},
		step{at: 60 * sec, do: "look", want: "half-open", bug: "open"},    // the timer restarted at +59 s
		step{at: 119*sec - 1, do: "look", want: "half-open", bug: "open"}, // no call since +59 s
		step{at: 119 * sec, do: "look", want: "half-open"},                // 60 s after the last rejection
	)},
	{BugLateResultCounted, timeline(
		step{do: "begin A", want: "closed"},
		fails(5, 0, "open"),
		step{at: 1 * sec, do: "end A fail", want: "open"}, // admitted before the trip, fails late
		step{at: 60 * sec, do: "look", want: "half-open", bug: "open"},
		step{at: 61 * sec, do: "look", want: "half-open"}, // 60 s after the late failure
	)},
	{BugProbeFailureIgnored, timeline(
		fails(5, 0, "open"),
		step{at: 60 * sec, do: "fail", want: "open", bug: "half-open"},
		step{at: 61 * sec, do: "ok", want: "rejected open", bug: "half-open"},
		step{at: 62 * sec, do: "ok", want: "rejected open", bug: "closed"},
	)},
	{BugStateLies, timeline( // the breaker itself is correct: no deviation here (see TestServiceStateLies)
		fails(5, 0, "open"),
		step{at: 60 * sec, do: "ok", want: "half-open"},
		step{at: 61 * sec, do: "fail", want: "open"},
		step{at: 121 * sec, do: "ok", want: "half-open"},
		step{at: 121 * sec, do: "ok", want: "closed"},
	)},
	{BugEarlyProbe, timeline(
		fails(5, 0, "open"),
		step{at: 30*sec - 1, do: "ok", want: "rejected open"},
		step{at: 30 * sec, do: "look", want: "open", bug: "half-open"},
		step{at: 30 * sec, do: "ok", want: "rejected open", bug: "half-open"},
		step{at: 60 * sec, do: "look", want: "half-open"},
		step{at: 60 * sec, do: "ok", want: "half-open", bug: "closed"},
	)},
}

// TestBugs: each planted bug deviates exactly where its timeline says.
func TestBugs(t *testing.T) {
	covered := Bug(0)
	for _, tt := range bugTimelines {
		covered |= tt.bug
		t.Run(tt.bug.String(), func(t *testing.T) {
			deviations := 0
			for _, st := range tt.steps {
				if st.bug != "" && st.bug != st.want {
					deviations++
				}
			}
			if tt.bug == BugStateLies {
				require.Zero(t, deviations, "state-lies must not change the breaker's behaviour")
			} else {
				require.NotZero(t, deviations, "a bug timeline must show its deviation")
			}
			t.Run("clean", func(t *testing.T) { play(t, Config{}, tt.steps, false) })
			t.Run("bugged", func(t *testing.T) { play(t, Config{Bugs: tt.bug}, tt.steps, true) })
		})
	}
	for _, e := range bugs {
		assert.True(t, covered.Has(e.bug), "bug %s has no timeline", e.name)
	}
}

func TestParseBugs(t *testing.T) {
	b, err := parseBugs(0, "off-by-one, early-probe")
	require.NoError(t, err)
	b, err = parseBugs(b, "state-lies")
	require.NoError(t, err)
	assert.Equal(t, "off-by-one,state-lies,early-probe", b.String())
	assert.Equal(t, "none", Bug(0).String())

	_, err = parseBugs(0, "off-by-one,off-by-two")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown bug "off-by-two"`)
	for _, e := range bugs {
		assert.Contains(t, err.Error(), e.name)
	}
}
