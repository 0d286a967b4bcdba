// Package fakes provides fault-injecting fake dependencies for testing
// circuit breakers: in-process, as an http.Handler, through a socket-free
// http.RoundTripper, and as a loopback HTTP server with a control API.
//
// Each request's fault is decided from a source seeded by (seed, fake name,
// request sequence number), so the same seed and sequence numbers give the
// same faults whatever the concurrency. Faults: errors at a rate, latency
// from a distribution (fixed, uniform, normal, lognormal, Pareto), hang,
// timeout then close, connection reset, down, slow body, truncated body,
// overload beyond MaxInFlight, exact sequences, and schedules (phases,
// flapping, brown-out) that are pure functions of elapsed time. Every
// request is recorded ([Record]) and counted ([Counters]).
//
// The happy path:
//
//	iam, err := fakes.New(fakes.Config{Preset: "iam", Seed: 42,
//		Faults: fakes.Faults{ErrorRate: 0.3}})
//	if err != nil { … }
//	err = iam.Call(ctx)                        // in real time; errors.Is(err, fakes.ErrInjected)
//	lat, err := iam.Simulate(17)               // in virtual time: advance the clock by lat
//	client := &http.Client{Transport: fakes.NewRoundTripper(iam)} // no sockets
//	srv, err := fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", Fakes: []*fakes.Fake{iam}})
//	defer srv.Close()
//	_ = iam.SetFaults(fakes.Faults{Down: true}) // an outage, while load runs
//
// A scenario file decodes straight into [Faults], [Latency] and
// [Schedule]; their Validate methods return a [*FieldError] naming the key.
package fakes
