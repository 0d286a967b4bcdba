package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// The progress line fits the terminal whatever its width: a line that wraps
// is not erased by the next redraw, and the redraws pile up.
func TestProgressLineFitsTheTerminal(t *testing.T) {
	p := runner.Progress{Label: "nfr6-data-governance-outage@seedport", Elapsed: 83*time.Second + 420*time.Millisecond,
		Duration: 4 * time.Minute, Rate: 12000}
	for _, dep := range []string{"iam", "eris", "policy", "llm-gateway", "data-governance"} {
		p.States = append(p.States, runner.DepState{Dep: dep, State: breaker.HalfOpen})
	}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{200, "nfr6-data-governance-outage@seedport 1m23.4s/4m0s 12000 calls/s iam=half-open eris=half-open policy=half-open llm-gateway=half-open data-governance=half-open"},
		{120, "nfr6-data-governance-outage@seedport 1m23.4s/4m0s 12000 calls/s iam=H eris=H policy=H llm-gateway=H data-governance=H"},
		{80, "nfr6-data-governance-outage@seedport 1m23.4s/4m0s 12000 calls/s iam=H eris=H p…"},
		{20, "nfr6-data-governan…"},
	} {
		var out strings.Builder
		l := &progressLine{w: &out, width: func() int { return tc.width }}
		l.show(p)
		line, ok := strings.CutPrefix(out.String(), "\r\033[K")
		assert.True(t, ok, "each redraw starts by erasing the line")
		assert.Equal(t, tc.want, line, "width %d", tc.width)
		assert.Less(t, utf8.RuneCountInString(line), tc.width, "the last column stays free")
		l.clear()
		assert.True(t, strings.HasSuffix(out.String(), "\r\033[K"))
	}
}

func TestTermWidthFallsBackToColumns(t *testing.T) {
	t.Setenv("COLUMNS", "57")
	assert.Equal(t, 57, termWidth(nil), "no terminal: $COLUMNS")
	t.Setenv("COLUMNS", "")
	assert.Equal(t, defaultWidth, termWidth(nil))
}
