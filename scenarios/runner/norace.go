//go:build !race

package runner

// raceEnabled reports whether the binary was built with -race.
const raceEnabled = false

// raceErrors is how many data races the race detector has reported in this
// process so far: none without it.
func raceErrors() int { return 0 }
