//go:build race

package pool

// raceEnabled: the race detector is on; its instrumentation moves values
// to the heap and touches shadow pages, so allocation and page-fault
// counts differ.
const raceEnabled = true
