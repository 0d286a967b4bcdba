package gate

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseFraction reads a threshold written as a percentage ("10%") or a
// fraction ("0.1") and returns the fraction. Negative values are errors.
func ParseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q: want a non-negative percentage like 10%% or a fraction like 0.1", s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}
