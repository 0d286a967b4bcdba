//go:build race

package scenarios

// raceEnabled reports whether the binary was built with -race.
const raceEnabled = true
