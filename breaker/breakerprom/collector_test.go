package breakerprom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestCollector(t *testing.T) {
	now := time.Unix(1700000000, 0)
	reg := breaker.NewRegistry()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	iam, err := reg.GetOrCreate("iam", breaker.Config{FailureThreshold: 2, Logger: quiet, Now: func() time.Time { return now }})
	require.NoError(t, err)
	_, err = reg.GetOrCreate("ubi", breaker.Config{Logger: quiet})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, iam.Execute(ctx, func(context.Context) error { return nil }))
	for range 3 {
		_ = iam.Execute(ctx, func(context.Context) error { return errors.New("down") })
	}

	want := `
# HELP breaker_calls_total Attempted calls by outcome: success, failure, ignored or rejected.
# TYPE breaker_calls_total counter
breaker_calls_total{breaker="iam",outcome="failure"} 2
breaker_calls_total{breaker="iam",outcome="ignored"} 0
breaker_calls_total{breaker="iam",outcome="rejected"} 1
breaker_calls_total{breaker="iam",outcome="success"} 1
breaker_calls_total{breaker="ubi",outcome="failure"} 0
breaker_calls_total{breaker="ubi",outcome="ignored"} 0
breaker_calls_total{breaker="ubi",outcome="rejected"} 0
breaker_calls_total{breaker="ubi",outcome="success"} 0
# HELP breaker_state 1 for the breaker's current state, 0 for the others.
# TYPE breaker_state gauge
breaker_state{breaker="iam",state="closed"} 0
breaker_state{breaker="iam",state="half-open"} 0
breaker_state{breaker="iam",state="open"} 1
breaker_state{breaker="ubi",state="closed"} 1
breaker_state{breaker="ubi",state="half-open"} 0
breaker_state{breaker="ubi",state="open"} 0
# HELP breaker_opened_timestamp_seconds When the circuit last opened, as a Unix time; 0 if never.
# TYPE breaker_opened_timestamp_seconds gauge
breaker_opened_timestamp_seconds{breaker="iam"} 1.7e+09
breaker_opened_timestamp_seconds{breaker="ubi"} 0
`
	c := NewCollector(reg)
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want),
		"breaker_calls_total", "breaker_state", "breaker_opened_timestamp_seconds"))
	require.Equal(t, 2*(3+6+1+5+4), testutil.CollectAndCount(c), "per breaker: 3 states, 6 transitions, open seconds, 5 gauges, 4 outcomes")

	pr := prometheus.NewPedanticRegistry()
	require.NoError(t, pr.Register(c), "descriptors must be consistent")
	_, err = pr.Gather()
	require.NoError(t, err)
}

// step is one line of a timeline: at an offset from the start, do something.
type step struct {
	at time.Duration
	do string // fail, ok, reset, force, scrape
}

// breaker_transitions_total agrees exactly with the transitions the breaker
// delivered to OnStateChange, and breaker_open_seconds_total is exact, at
// every scrape of a scripted timeline on an injected clock.
func TestTransitionsAndOpenSeconds(t *testing.T) {
	start := time.Unix(1700000000, 0)
	now := start
	var delivered []breaker.Transition
	reg := breaker.NewRegistry()
	b, err := reg.GetOrCreate("iam", breaker.Config{
		FailureThreshold: 2, SuccessThreshold: 1, RecoveryTimeout: 10 * time.Second,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		OnStateChange: func(tr breaker.Transition) { delivered = append(delivered, tr) },
	})
	require.NoError(t, err)
	c := NewCollector(reg)
	ctx := context.Background()
	s := time.Second
	timeline := []struct {
		step
		openSeconds string
	}{
		{step{0, "scrape"}, "0"},
		{step{0, "fail"}, "0"},
		{step{1 * s, "fail"}, "0"}, // closed → open at 1 s
		{step{3500 * time.Millisecond, "scrape"}, "2.5"},
		{step{11 * s, "ok"}, "10"},      // open → half-open at 11 s, then half-open → closed
		{step{20 * s, "force"}, "10"},   // closed → open, forced
		{step{50 * s, "scrape"}, "40"},  // forced: never half-open
		{step{50 * s, "reset"}, "40"},   // open → closed
		{step{51 * s, "reset"}, "40"},   // closed → closed
		{step{60 * s, "fail"}, "40"},    //
		{step{60 * s, "fail"}, "40"},    // closed → open at 60 s
		{step{70 * s, "fail"}, "50"},    // open → half-open at 70 s; the probe fails: half-open → open
		{step{200 * s, "scrape"}, "60"}, // half-open at 80 s, noticed by the scrape
		{step{200 * s, "ok"}, "60"},     // half-open → closed
	}
	for i, tl := range timeline {
		now = start.Add(tl.at)
		switch tl.do {
		case "fail":
			_ = b.Execute(ctx, func(context.Context) error { return errors.New("down") })
		case "ok":
			_ = b.Execute(ctx, func(context.Context) error { return nil })
		case "reset":
			b.Reset()
		case "force":
			b.ForceOpen()
		}
		// The scrape comes first: a snapshot may itself notice a half-open.
		want := "# HELP breaker_open_seconds_total Time spent open, forced open included, half-open not.\n" +
			"# TYPE breaker_open_seconds_total counter\n" +
			`breaker_open_seconds_total{breaker="iam"} ` + tl.openSeconds + "\n"
		require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "breaker_open_seconds_total"), "step %d: %s at %v", i, tl.do, tl.at)
		require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(transitionsText("iam", delivered)), "breaker_transitions_total"),
			"step %d: %s at %v", i, tl.do, tl.at)
	}
	require.Len(t, delivered, 11)
	want := `
# HELP breaker_transitions_total Transitions by the state left and the state entered, resets (to closed) and forced opens included.
# TYPE breaker_transitions_total counter
breaker_transitions_total{breaker="iam",from="closed",to="closed"} 1
breaker_transitions_total{breaker="iam",from="closed",to="open"} 3
breaker_transitions_total{breaker="iam",from="half-open",to="closed"} 2
breaker_transitions_total{breaker="iam",from="half-open",to="open"} 1
breaker_transitions_total{breaker="iam",from="open",to="closed"} 1
breaker_transitions_total{breaker="iam",from="open",to="half-open"} 3
`
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want), "breaker_transitions_total"))
}

// A pair of states a correct breaker never produces is exported once it
// occurs, so that a broken implementation shows.
func TestUnexpectedTransitionShows(t *testing.T) {
	var s breaker.Snapshot
	s.Name = "odd"
	s.Transitions.Add(breaker.Closed, breaker.HalfOpen)
	s.Transitions.Add(breaker.Closed, breaker.Open)
	want := `
# HELP breaker_transitions_total Transitions by the state left and the state entered, resets (to closed) and forced opens included.
# TYPE breaker_transitions_total counter
breaker_transitions_total{breaker="odd",from="closed",to="closed"} 0
breaker_transitions_total{breaker="odd",from="closed",to="half-open"} 1
breaker_transitions_total{breaker="odd",from="closed",to="open"} 1
breaker_transitions_total{breaker="odd",from="half-open",to="closed"} 0
breaker_transitions_total{breaker="odd",from="half-open",to="open"} 0
breaker_transitions_total{breaker="odd",from="open",to="closed"} 0
breaker_transitions_total{breaker="odd",from="open",to="half-open"} 0
`
	require.NoError(t, testutil.CollectAndCompare(NewCollector(snapshots{s}), strings.NewReader(want), "breaker_transitions_total"))
}

// snapshots is a fixed [Source].
type snapshots []breaker.Snapshot

func (s snapshots) Snapshot() []breaker.Snapshot { return s }

// transitionsText is the exposition a correct collector gives for the
// transitions delivered: the six series a correct breaker can produce, and
// any other pair that occurred.
func transitionsText(name string, delivered []breaker.Transition) string {
	counts := map[[2]string]int{
		{"closed", "open"}: 0, {"open", "half-open"}: 0, {"half-open", "closed"}: 0,
		{"half-open", "open"}: 0, {"open", "closed"}: 0, {"closed", "closed"}: 0,
	}
	for _, tr := range delivered {
		counts[[2]string{tr.From.String(), tr.To.String()}]++
	}
	var b strings.Builder
	b.WriteString("# HELP breaker_transitions_total Transitions by the state left and the state entered, resets (to closed) and forced opens included.\n")
	b.WriteString("# TYPE breaker_transitions_total counter\n")
	for k, n := range counts {
		fmt.Fprintf(&b, "breaker_transitions_total{breaker=%q,from=%q,to=%q} %d\n", name, k[0], k[1], n)
	}
	return b.String()
}
