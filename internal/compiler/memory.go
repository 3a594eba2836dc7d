package compiler

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/sigtrap"
	"github.com/moat-run/moat/internal/wasm"
)

// BoundsChecks says how compiled loads and stores are kept inside linear
// memory.
type BoundsChecks int

const (
	// BoundsChecksAuto is BoundsChecksGuardPages where the signal handler
	// exists (linux/amd64), BoundsChecksExplicit elsewhere.
	BoundsChecksAuto BoundsChecks = iota
	// BoundsChecksGuardPages (Wasmtime's signals-based traps): each 32-bit
	// memory reserves MemoryConfig.Reservation (4 GiB) plus guard regions
	// of PROT_NONE address space before and after it, and a load or store
	// whose offset and width fit in the reservation and the guard after
	// it has no bounds check: out of bounds, it faults, and the signal
	// handler makes the fault a trap. Larger offsets keep a check.
	BoundsChecksGuardPages
	// BoundsChecksExplicit checks every access against the memory's
	// length; memories reserve only their limit, and no signal handler is
	// needed.
	BoundsChecksExplicit
)

func (b BoundsChecks) String() string {
	switch b {
	case BoundsChecksAuto:
		return "auto"
	case BoundsChecksGuardPages:
		return "guard pages"
	case BoundsChecksExplicit:
		return "explicit"
	}
	return fmt.Sprintf("BoundsChecks(%d)", int(b))
}

// Wasmtime's defaults for guard-page mode.
const (
	// DefaultMemoryReservation is the address space reserved from byte 0
	// of each memory in guard-page mode: all a 32-bit index can reach.
	DefaultMemoryReservation = 4 << 30
	// DefaultMemoryGuardSize is the guard region after the reservation
	// (and before byte 0) in guard-page mode: a load or store whose
	// static offset plus width is at most this needs no check.
	DefaultMemoryGuardSize = 32 << 20
)

// NoGuard as MemoryConfig.GuardSize asks for no guard regions at all.
const NoGuard = ^uint64(0)

// MemoryConfig lays out linear memories. Zero fields take the defaults.
type MemoryConfig struct {
	Checks BoundsChecks
	// Reservation is the address space reserved from byte 0 of each
	// memory (default: DefaultMemoryReservation with guard pages, the
	// memory's own limit otherwise). A memory whose limit is larger
	// reserves its limit: memories never move. With guard pages, a
	// reservation and guard smaller than 4 GiB lets no access go
	// unchecked.
	Reservation uint64
	// GuardSize is the PROT_NONE region after the reservation, and before
	// byte 0 (default: DefaultMemoryGuardSize with guard pages, none
	// otherwise; NoGuard: none).
	GuardSize uint64
	// Limits bound the address space and kernel mappings the runtime's
	// mappings may hold in this process before instantiation fails with a
	// *vm.SpaceError (zero fields: vm.DefaultLimits).
	Limits vm.Limits
}

// errGuardPagesUnsupported is New's error for guard pages off linux/amd64.
var errGuardPagesUnsupported = errors.New("compiler: guard-page bounds checks need the signal handler, which this platform lacks")

// layout resolves c into the layout of every memory the engine binds. It
// returns whether the signal handler is needed.
func (c MemoryConfig) layout() (vm.Layout, bool, error) {
	guard := c.Checks == BoundsChecksGuardPages || (c.Checks == BoundsChecksAuto && vm.FaultTrapsSupported)
	if guard && !vm.FaultTrapsSupported {
		return vm.Layout{}, false, errGuardPagesUnsupported
	}
	if c.Checks < BoundsChecksAuto || c.Checks > BoundsChecksExplicit {
		return vm.Layout{}, false, fmt.Errorf("compiler: unknown bounds-check mode %d", int(c.Checks))
	}
	l := vm.Layout{Reserve: c.Reservation, GuardAfter: c.GuardSize, Limits: c.Limits}
	if guard {
		if l.Reserve == 0 {
			l.Reserve = DefaultMemoryReservation
		}
		if l.GuardAfter == 0 {
			l.GuardAfter = DefaultMemoryGuardSize
		}
	}
	if l.GuardAfter == NoGuard {
		l.GuardAfter = 0
	}
	if l.Reserve > sigtrap.MaxRange/2 || l.GuardAfter > sigtrap.MaxRange/4 {
		return vm.Layout{}, false, fmt.Errorf("compiler: memory reservation %#x or guard %#x too large (at most %#x and %#x)",
			l.Reserve, l.GuardAfter, uint64(sigtrap.MaxRange/2), uint64(sigtrap.MaxRange/4))
	}
	l.GuardBefore = l.GuardAfter
	// Faults are relied on only when some access can go unchecked: when
	// the reservation and its guard cover every 32-bit index.
	l.Trap = guard && l.Reserve+l.GuardAfter >= 1<<32
	return l, guard, nil
}

// layoutOf is the layout a memory of type mt is mapped with: the
// engine's for every memory with 32-bit addresses, each in a reservation
// of its own (so that a memory keeps a layout fit for memory 0 of any
// instance that imports it), although only memory 0's accesses may go
// unchecked (the frontend's uncheckedAccess: the others are reached
// through descriptors and always checked); for a 64-bit memory, whose
// every access is checked, an explicit layout (its limit reserved, no
// guards, no faults relied on).
func (e *compilerEngine) layoutOf(mt wasm.MemoryType) vm.Layout {
	if !mt.Is64 {
		return e.layout
	}
	return vm.Layout{Limits: e.layout.Limits}
}
