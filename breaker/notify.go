package breaker

import (
	"context"
	"log/slog"
)

// unlockAndDeliver releases b.mu, then hands pending transitions to the logger
// and OnStateChange, outside the lock and in transition order. Only one
// goroutine delivers at a time; a transition raised meanwhile (even by a
// listener) is picked up by its loop, so a listener may call back into the
// breaker without deadlock. Requires b.mu held.
func (b *Breaker) unlockAndDeliver() {
	if b.delivering || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	b.delivering = true
	defer func() {
		// Reached normally with mu held; on a listener panic, without it.
		if r := recover(); r != nil {
			b.mu.Lock()
			b.delivering = false
			b.mu.Unlock()
			panic(r)
		}
		b.delivering = false
		b.mu.Unlock()
	}()
	for len(b.pending) > 0 {
		// The deliverer owns spare: queue the next transitions in the array of
		// the last batch, so that steady flapping allocates no event slots.
		batch := b.pending
		b.pending, b.spare = b.spare[:0], nil
		b.mu.Unlock()
		for _, ev := range batch {
			b.emit(ev)
		}
		clear(batch) // drop the reason strings
		b.mu.Lock()
		if cap(batch) <= maxSpare {
			b.spare = batch[:0]
		}
	}
}

// maxSpare is the largest event array kept for reuse after a burst.
const maxSpare = 64

// discards reports whether l is known to drop every record without looking at
// it: a logger on [slog.DiscardHandler].
func discards(l *slog.Logger) bool {
	// Interface comparison: a handler of any other dynamic type is unequal,
	// even an incomparable one.
	return l.Handler() == slog.DiscardHandler
}

// emit logs one transition and calls the listener.
func (b *Breaker) emit(ev event) {
	if l := b.cfg.Logger; l.Enabled(context.Background(), slog.LevelInfo) {
		l.LogAttrs(context.Background(), slog.LevelInfo, "breaker transition",
			slog.String("breaker", b.cfg.Name),
			slog.String("from", ev.From.String()),
			slog.String("to", ev.To.String()),
			slog.String("reason", ev.Reason),
			slog.Uint64("generation", ev.Generation),
			slog.Time("at", ev.At),
			slog.Int("consecutive_failures", ev.failures),
			slog.Int("consecutive_successes", ev.successes),
		)
	}
	if f := b.cfg.OnStateChange; f != nil {
		f(ev.Transition)
	}
}
