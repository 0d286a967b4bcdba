package check

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSortEventsPacksTheOrder: the packed keys give the order the
// comparison of the tries gives, ties of every kind included.
func TestSortEventsPacksTheOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		d := &dep{}
		seqs := rng.Perm(300) // unique, as within a dependency
		for i := range 200 {
			start := int64(rng.IntN(20))
			end := start + int64(rng.IntN(3)) // zero-time calls too
			d.tries = append(d.tries, try{seq: uint64(seqs[i]), aLo: start, aHi: start, rLo: end, rHi: end})
			d.events = append(d.events,
				event{kind: evAttempt, lo: start, hi: start, at: start, try: int32(i)},
				event{kind: evResult, lo: end, hi: end, at: end, try: int32(i)})
		}
		for i := range 20 {
			at := int64(rng.IntN(20))
			d.events = append(d.events, event{kind: evSnapshot, lo: at, hi: at, at: at, try: int32(i)})
		}
		rng.Shuffle(len(d.events), func(i, j int) { d.events[i], d.events[j] = d.events[j], d.events[i] })
		slow := &dep{tries: d.tries, events: slices.Clone(d.events)}
		d.sortEvents()
		slow.sortEventsSlowly()
		require.Equal(t, slow.events, d.events, "round %d", round)
		require.Equal(t, slow.attemptEvent, d.attemptEvent, "round %d", round)
	}
}
