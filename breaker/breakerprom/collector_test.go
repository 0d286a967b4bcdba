package breakerprom

import (
	"context"
	"errors"
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
	require.Equal(t, 2*(3+5+4), testutil.CollectAndCount(c))

	pr := prometheus.NewPedanticRegistry()
	require.NoError(t, pr.Register(c), "descriptors must be consistent")
	_, err = pr.Gather()
	require.NoError(t, err)
}
