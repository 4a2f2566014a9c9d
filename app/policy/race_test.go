//go:build race

package policy

// raceEnabled skips the biggest hostile files: the race detector makes them
// slow and has nothing to find in a parser that runs on one goroutine.
const raceEnabled = true
