//go:build race

package wasi_test

// raceEnabled: under the race detector sync.Pool drops some of what it is
// given and instrumentation moves values to the heap, so neither reuse nor
// allocation counts are the build's.
const raceEnabled = true
