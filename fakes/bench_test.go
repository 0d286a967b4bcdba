package fakes_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
)

// The speed target: a decision without latency under 1 µs and at most a
// couple of allocations (go test -bench . -benchmem ./fakes).

func benchFake(b *testing.B, faults fakes.Faults) *fakes.Fake {
	f, err := fakes.New(fakes.Config{Name: "iam", Seed: 1, Faults: faults})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func BenchmarkDecide(b *testing.B) {
	f := benchFake(b, fakes.Faults{ErrorRate: 0.3})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = f.Decide(int64(i))
	}
}

func BenchmarkDecideLognormal(b *testing.B) {
	f := benchFake(b, fakes.Faults{ErrorRate: 0.3, Latency: fakes.Latency{P50: 15 * time.Millisecond, P99: 80 * time.Millisecond}})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = f.Decide(int64(i))
	}
}

func BenchmarkDecideSchedule(b *testing.B) {
	f := benchFake(b, fakes.Faults{})
	_ = f.SetSchedule(&fakes.Schedule{
		Phases:   []fakes.Phase{{At: 0}, {At: time.Hour, Faults: fakes.Faults{ErrorRate: 1}}, {At: 2 * time.Hour}},
		Flap:     &fakes.Flap{Period: time.Minute, At: 3 * time.Hour},
		Brownout: &fakes.Brownout{At: 4 * time.Hour, RampUp: time.Hour, Peak: 0.5},
	})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = f.Decide(int64(i))
	}
}

// BenchmarkSimulate is a decision plus its record and counters.
func BenchmarkSimulate(b *testing.B) {
	f := benchFake(b, fakes.Faults{ErrorRate: 0.3})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = f.Simulate(int64(i))
	}
}

// BenchmarkCallParallel is the in-process call without latency, from all
// Ps at once (the ring's mutex is the shared point).
func BenchmarkCallParallel(b *testing.B) {
	f := benchFake(b, fakes.Faults{ErrorRate: 0.3})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = f.Call(ctx)
		}
	})
}

// BenchmarkServeHTTP is the HTTP handler without a network.
func BenchmarkServeHTTP(b *testing.B) {
	f := benchFake(b, fakes.Faults{})
	req := httptest.NewRequest(http.MethodGet, "/v1/token", nil)
	req.Header.Set(fakes.HeaderVegetaSeq, "17")
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		f.ServeHTTP(w, req)
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
