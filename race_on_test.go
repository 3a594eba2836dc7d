//go:build race

package moat_test

// raceEnabled: the race detector's instrumentation changes what escapes
// to the heap, so allocation counts are not the build's.
const raceEnabled = true
