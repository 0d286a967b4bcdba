//go:build race

package runner

import "runtime"

// raceEnabled reports whether the binary was built with -race.
const raceEnabled = true

// raceErrors is how many data races the race detector has reported in this
// process so far.
func raceErrors() int { return runtime.RaceErrors() }
