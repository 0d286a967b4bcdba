// Package breaker is a circuit breaker with the semantics of requirement NFR-6:
// open after 5 consecutive failures, stay open 60 s, then half-open, close after
// 2 consecutive probe successes, reopen on a probe failure.
//
// The happy path:
//
//	b, err := breaker.New(breaker.Config{Name: "iam"}) // NFR-6 defaults
//	if err != nil {
//		return err
//	}
//	err = b.Execute(ctx, func(ctx context.Context) error {
//		return iam.Check(ctx, token)
//	})
//	if errors.Is(err, breaker.ErrOpen) {
//		// rejected without calling IAM; serve a fallback
//	}
//
// # Rules
//
//  1. Closed → Open when FailureThreshold consecutive failures are recorded. A success resets the count.
//  2. Open: every call is rejected without running; the error matches [ErrOpen].
//  3. Open → HalfOpen once Now() >= openedAt + RecoveryTimeout. [Breaker.State] reports it at that moment, without waiting for a call.
//  4. HalfOpen admits at most HalfOpenMaxCalls calls in flight; others are rejected with [ErrTooManyProbes].
//  5. HalfOpen → Closed after SuccessThreshold consecutive probe successes; HalfOpen → Open on any probe failure.
//  6. Every transition starts a new generation. A call's result counts only in the generation that admitted it.
//  7. A panic in the protected function is recorded as a failure and re-panics.
//  8. A call whose error is (or wraps) context.Canceled is neither success nor failure.
//  9. [Breaker.Reset] returns to Closed with zero counts (a transition, reason "reset").
//  10. The function always runs outside any lock; the closed-state success path makes no allocation.
//
// # Asynchronous calls, cancellation and deadlines
//
// An asynchronous call (the seed's call_async) is [Breaker.Execute] with a
// context: run it in a goroutine if you like, and cancel the context to give up.
// The breaker classifies what the function returns:
//   - nil: a success;
//   - an error that is or wraps context.Canceled: ignored — the caller gave up,
//     which says nothing about the dependency;
//   - an error that is or wraps context.DeadlineExceeded: a failure — the
//     dependency was too slow, which is what a breaker exists to notice;
//   - any other error: a failure, unless Config.IsFailure says otherwise.
//
// The breaker never cancels the function itself: a timeout belongs in the
// context the caller passes.
//
// # Forms
//
// [Breaker.Execute] runs a func(context.Context) error. [Do] returns a value and
// takes an optional fallback used when the call is rejected or fails.
// [Breaker.Allow] and [Ticket.Done] split a call in two for middleware and
// proxies. [Registry] holds one breaker per dependency.
//
// # Observing
//
// [Breaker.State] and [Breaker.Snapshot] read the state (a snapshot also
// counts transitions by from and to state, and the time spent open, for
// metrics); Config.OnStateChange
// receives every [Transition] in order, outside the lock, and Config.Logger
// gets one structured record per transition. The Prometheus collector lives in
// a subpackage so this package needs only the standard library.
package breaker
