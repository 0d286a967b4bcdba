package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/breakerlab/breakerlab/scenarios"
)

// TestShapePacer: vegeta waits until each call is due, and stops when the
// profile makes no more calls.
func TestShapePacer(t *testing.T) {
	wait, stop := shapePacer{scenarios.Constant{PerSecond: 1}}.Pace(500*time.Millisecond, 2)
	assert.False(t, stop)
	assert.Equal(t, 1500*time.Millisecond, wait, "vegeta waits until call 2 is due at 2s")
	_, stop = shapePacer{scenarios.Constant{PerSecond: 0}}.Pace(0, 0+1)
	assert.True(t, stop, "a profile that makes no more calls stops the attack")
}
