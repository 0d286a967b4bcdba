package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// commands start servers, load generators and record writers.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
