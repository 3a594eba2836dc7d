//go:build !race

package moat_test

const raceEnabled = false
