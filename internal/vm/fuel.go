package vm

import "math"

// Fuel meters a store's execution in polls: one unit per poll, and both
// engines poll at the same events, every function entry and every loop
// header reached (entering a loop, and each branch back to it), so a
// program uses the same fuel on either. Bulk operations and host functions
// use none.
//
// Running code holds a grant taken from the store's fuel ahead of time
// (the poll counter counts it down) and gives back what it did not use
// whenever it stops: at a return, a trap, a poll that visits Go, and
// before a host function runs, so the remaining fuel is exact whenever the
// host can look at it. A poll beyond the fuel traps with
// abi.TrapOutOfFuel.
//
// The zero value is disabled: code runs unmetered.
type Fuel struct {
	// word is the fuel not granted to running code (at most 2^63-1) and,
	// in its top bit, whether metering is on (fuelEnabled): one word
	// in every store rather than two.
	word uint64
}

// fuelEnabled is Fuel.word's bit that turns metering on.
const fuelEnabled = 1 << 63

// Enable turns metering on with no fuel: the first poll traps until Set
// adds some.
func (f *Fuel) Enable() { f.word |= fuelEnabled }

// Enabled reports whether execution is metered.
func (f *Fuel) Enabled() bool { return f.word&fuelEnabled != 0 }

// Set makes n units available (values beyond 2^63-1 count as 2^63-1).
func (f *Fuel) Set(n uint64) { f.word = f.word&fuelEnabled | min(n, math.MaxInt64) }

// Left is the fuel remaining.
func (f *Fuel) Left() uint64 { return f.word &^ fuelEnabled }

// take hands out a grant of up to want polls: all of them when metering is
// off.
func (f *Fuel) take(want int64) int64 {
	if f == nil || !f.Enabled() {
		return want
	}
	n := min(want, int64(f.Left()))
	f.word -= uint64(n)
	return n
}

// settle accounts a grant of which used polls ran: it gives the rest back
// and reports false when the code made more polls than it was granted (the
// poll that found the counter empty found no fuel either).
func (f *Fuel) settle(grant, used int64) bool {
	if f == nil || !f.Enabled() {
		return true
	}
	if used > grant {
		return false
	}
	// At most what take took: the count stays below the top bit.
	f.word += uint64(grant - used)
	return true
}

// Meter is a grant of polls in progress on a counter that counts down:
// running code decrements the counter at every poll and comes back to Go
// when it goes negative. The interpreter keeps its counter in a local
// variable; compiled code in the context (Context.PollCounter).
type Meter struct {
	fuel  *Fuel // the store's, or nil
	grant int64 // polls granted
	mark  int64 // the counter's value when granted: grant-1
}

// Attach makes the meter draw from f (nil: unmetered).
func (m *Meter) Attach(f *Fuel) { m.fuel = f }

// Grant takes a grant of up to want polls and returns the counter value
// that allows exactly that many: the poll after them finds it negative.
func (m *Meter) Grant(want int64) (counter int64) {
	m.grant = m.fuel.take(want)
	m.mark = m.grant - 1
	return m.mark
}

// Settle accounts the polls made since Grant, counter being the counter's
// value now, and gives the unused part back. It returns the polls made and
// false when they overdrew the fuel. The meter holds no grant afterwards.
func (m *Meter) Settle(counter int64) (used int64, ok bool) {
	used = m.mark - counter
	ok = m.fuel.settle(m.grant, used)
	m.grant, m.mark = 0, counter
	return used, ok
}

// Metered reports whether the meter draws from enabled fuel.
func (m *Meter) Metered() bool { return m.fuel != nil && m.fuel.Enabled() }
