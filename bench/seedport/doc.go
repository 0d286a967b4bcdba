// Package seedport is the comparison baseline of the benchmarks: a faithful
// port of the seed's circuit breaker design, plus one variant of it.
//
// The seed guarded its state and counts with one mutex, taken before the call
// (to decide whether to admit it) and again after it (to record the outcome),
// and read the wall clock for each of those decisions. [Breaker] keeps exactly
// that design, with the NFR-6 semantics of the reference breaker (consecutive
// failure threshold, recovery timeout, half-open probe limit, success threshold,
// generations, panics as failures, context.Canceled ignored), so that the
// benchmarks measure the design and not a difference in behaviour.
//
// [RWBreaker] is the obvious first improvement: the same state machine behind a
// sync.RWMutex, with the decisions that change nothing (admitting a call while
// closed, rejecting one while open, a success while closed with no failure
// counted) taken under the read lock.
//
// [Breaker] also has the two-step form breakerlab's scenario runner drives
// (Allow, then Ticket.Done), a Snapshot with totals per outcome, and a clock
// and transition listener in [Config], so that `breakerlab run --breaker
// seedport` checks the seed's design against every scenario. Its listener is
// called under the lock, as the seed logged transitions.
//
// The happy path:
//
//	b, err := seedport.New(seedport.Config{}) // NFR-6 defaults: 5, 2, 60 s, 2
//	if err != nil {
//		return err
//	}
//	err = b.Execute(func() error { return dependency.Call() })
//	if errors.Is(err, seedport.ErrOpen) {
//		// rejected without calling the dependency
//	}
//	fmt.Println(b.State()) // closed
package seedport
