//go:build !race

package breaker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Rule 10 and the zero-allocation paths. Allocation counts are exact, not
// timings, so they are checked here; speed lives in bench/.
func TestNoAllocations(t *testing.T) {
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	b, c, _ := newTest(t, Config{})
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.Execute(ctx, ok) }), "closed success, Execute")
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		tk, _ := b.Allow()
		tk.Done(nil)
	}), "closed success, two-step")
	trip(b, 5)
	c.Add(time.Second)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = b.Execute(ctx, ok) }), "open rejection")
}
