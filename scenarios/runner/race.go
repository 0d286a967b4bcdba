//go:build race

package runner

// raceEnabled reports whether the binary was built with -race.
const raceEnabled = true
