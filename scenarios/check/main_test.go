package check_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The driver's record.Writer runs a flushing goroutine per run.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
