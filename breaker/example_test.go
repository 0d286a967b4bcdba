package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func ExampleBreaker_Execute() {
	b, _ := breaker.New(breaker.Config{Name: "iam", Logger: quiet})
	down := errors.New("iam: connection refused")
	for range 5 {
		_ = b.Execute(context.Background(), func(context.Context) error { return down })
	}
	err := b.Execute(context.Background(), func(context.Context) error {
		panic("not called while open")
	})
	fmt.Println(b.State(), errors.Is(err, breaker.ErrOpen))
	// Output: open true
}

func ExampleDo() {
	b, _ := breaker.New(breaker.Config{Name: "policy", FailureThreshold: 1, Logger: quiet})
	ctx := context.Background()
	decide := func(context.Context) (string, error) { return "", errors.New("policy: 503") }
	fallback := func(_ context.Context, err error) (string, error) {
		if errors.Is(err, breaker.ErrOpen) {
			return "deny (circuit open)", nil
		}
		return "deny (policy failed)", nil
	}
	first, _ := breaker.Do(ctx, b, decide, fallback)
	second, _ := breaker.Do(ctx, b, decide, fallback)
	fmt.Println(first)
	fmt.Println(second)
	// Output:
	// deny (policy failed)
	// deny (circuit open)
}

func ExampleBreaker_Allow() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b, _ := breaker.New(breaker.Config{
		Name: "eris", FailureThreshold: 1, Logger: quiet,
		Now: func() time.Time { return now },
		OnStateChange: func(t breaker.Transition) {
			fmt.Printf("%v -> %v (%s)\n", t.From, t.To, t.Reason)
		},
	})
	// A proxy asks first, forwards the request, then reports the result.
	ticket, err := b.Allow()
	if err == nil {
		ticket.Done(errors.New("502 from upstream"))
	}
	_, err = b.Allow()
	var rejected *breaker.RejectedError
	if errors.As(err, &rejected) {
		fmt.Println("retry after", rejected.RetryAfter(now))
	}
	now = now.Add(time.Minute)
	ticket, _ = b.Allow() // a probe
	fmt.Println(ticket.Done(nil), b.State())
	// Output:
	// closed -> open (1 consecutive failures)
	// retry after 1m0s
	// open -> half-open (recovery timeout elapsed)
	// success half-open
}

func ExampleRegistry() {
	services := []string{"iam", "eris", "policy", "llm-gateway", "data-governance", "ubi"}
	reg := breaker.NewRegistry()
	for _, name := range services {
		_, _ = reg.GetOrCreate(name, breaker.Config{FailureThreshold: 5, RecoveryTimeout: time.Minute, Logger: quiet})
	}
	llm, _ := reg.Get("llm-gateway")
	llm.ForceOpen()
	for _, s := range reg.Snapshot() {
		fmt.Printf("%-16s %s\n", s.Name, s.State)
	}
	// Output:
	// data-governance  closed
	// eris             closed
	// iam              closed
	// llm-gateway      open
	// policy           closed
	// ubi              closed
}
