package vm

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm/sigtrap"
)

// Layout says how a linear memory is placed in address space when it
// leaves the Go heap (MapNative):
//
//	[GuardBefore][Reserve: byte 0 up, accessible below the length][GuardAfter]
//
// All of it is reserved at once, so the memory never moves; everything
// but the accessible pages is PROT_NONE.
type Layout struct {
	// Reserve is the address space from byte 0; a memory whose limit is
	// larger reserves its limit.
	Reserve uint64
	// GuardBefore and GuardAfter are inaccessible regions around it.
	GuardBefore, GuardAfter uint64
	// Trap registers the whole reservation with the signal handler
	// (guard-page mode): generated code may access any address in it
	// without a bounds check, and a fault there is an out-of-bounds trap.
	// The reservation must then be at least sigtrap.MinReservation bytes.
	Trap bool
	// Limits are what the reservation is charged against (zero fields:
	// DefaultLimits).
	Limits Limits
}

// Unchecked is how many bytes from byte 0 a memory laid out as l lets
// generated code access without a bounds check: every access to them
// either succeeds (below the length) or faults and traps. 0 without Trap.
func (l Layout) Unchecked() uint64 {
	if !l.Trap {
		return 0
	}
	return l.Reserve + l.GuardAfter
}

// Satisfies reports whether a memory mapped as l can serve code compiled
// for want: at least as much reserved and guarded, and faults trapping
// where want relies on them.
func (l Layout) Satisfies(want Layout) bool {
	return l.Unchecked() >= want.Unchecked() && (!want.Trap || l.GuardBefore >= want.GuardBefore)
}

func (l Layout) String() string {
	mode := "explicit"
	if l.Trap {
		mode = "guard"
	}
	return fmt.Sprintf("%s reservation of %#x bytes, guards %#x before and %#x after", mode, l.Reserve, l.GuardBefore, l.GuardAfter)
}

// check reports a layout that cannot be mapped.
func (l Layout) check() error {
	total := l.GuardBefore + l.Reserve + l.GuardAfter
	if l.GuardBefore > sigtrap.MaxRange || l.Reserve > sigtrap.MaxRange || l.GuardAfter > sigtrap.MaxRange || total > sigtrap.MaxRange {
		return fmt.Errorf("vm: memory layout too large (%v; at most %#x bytes in all)", l, uint64(sigtrap.MaxRange))
	}
	if l.Trap && total < sigtrap.MinReservation {
		return fmt.Errorf("vm: a guard-page memory needs at least %#x bytes reserved (%v)", uint64(sigtrap.MinReservation), l)
	}
	return nil
}
