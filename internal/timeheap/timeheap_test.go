package timeheap

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Values come out by time, and in push order at one time, whatever order
// they went in.
func TestHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type v struct {
		at  int64
		seq int
	}
	var h Heap[v]
	var want []v
	for i := range 2000 {
		x := v{rng.Int64N(50), i}
		want = append(want, x)
		h.Push(x.at, x)
		if i%7 == 0 { // interleave pops with pushes
			got := h.Pop()
			j := slices.IndexFunc(want, func(w v) bool { return w == got })
			assert.GreaterOrEqual(t, j, 0)
			for _, w := range want {
				assert.False(t, w.at < got.at || w.at == got.at && w.seq < got.seq, "popped %v before %v", got, w)
			}
			want = slices.Delete(want, j, j+1)
		}
	}
	slices.SortStableFunc(want, func(a, b v) int { return int(a.at - b.at) })
	for _, w := range want {
		assert.Equal(t, w.at, h.Min())
		assert.Equal(t, w, h.Pop())
	}
	assert.Zero(t, h.Len())
}
