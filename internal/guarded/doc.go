// Package guarded is a small HTTP service for the tests of external mode and
// of the multi-attacker merge: one dependency behind the reference breaker,
// answering the way external mode reads answers by default — 200 on success,
// 503 when the breaker rejects, 502 when the dependency failed — and telling
// its breaker's state at /state as {"<name>":"open"}. Every other path is a
// call. It forwards the caller's vegeta seq (and, if asked, the attack name)
// to the dependency, as a service under test must for breakerlab to match
// requests to calls.
package guarded
