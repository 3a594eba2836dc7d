package vm

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm/sigtrap"
	"github.com/moat-run/moat/internal/wasm"
)

// Memory is a linear memory. Bytes is exactly the current size (a multiple of
// the page size); engines index it directly after their own bounds checks and
// must reload it after anything that can grow the memory (memory.grow, calls).
type Memory struct {
	Bytes []byte
	Type  wasm.MemoryType
	// Limit is the effective maximum in pages: the declared maximum, capped by
	// the engine's configured limit and by 4 GiB.
	Limit uint32

	// res is the mapping that holds Bytes after MapNative (nil while
	// Bytes lives in the Go heap).
	res *reservation
}

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

// NewMemory allocates a memory of t.Limits.Min pages. limitPages caps growth
// (0 means no cap beyond the type's own maximum and 65536 pages).
func NewMemory(t wasm.MemoryType, limitPages uint32) *Memory {
	limit := uint32(wasm.MaxPages)
	if t.Limits.HasMax && t.Limits.Max < limit {
		limit = t.Limits.Max
	}
	if limitPages != 0 && limitPages < limit {
		limit = limitPages
	}
	return &Memory{Bytes: make([]byte, uint64(t.Limits.Min)*wasm.PageSize), Type: t, Limit: limit}
}

// Pages is the current size in pages.
func (m *Memory) Pages() uint32 { return uint32(uint64(len(m.Bytes)) / wasm.PageSize) }

// Grow adds delta pages. It returns the old size in pages, or ok=false (and
// leaves the memory unchanged) when the result would pass the limit.
func (m *Memory) Grow(delta uint32) (old uint32, ok bool) {
	old = m.Pages()
	if uint64(old)+uint64(delta) > uint64(m.Limit) {
		return old, false
	}
	if delta == 0 {
		return old, true
	}
	newLen := (uint64(old) + uint64(delta)) * wasm.PageSize
	if m.res != nil {
		return old, m.growMapped(newLen)
	}
	if newLen <= uint64(cap(m.Bytes)) {
		// Capacity past len was allocated zeroed and never written.
		m.Bytes = m.Bytes[:newLen]
		return old, true
	}
	// Grow geometrically (bounded by the limit) so repeated small grows stay linear.
	newCap := uint64(cap(m.Bytes)) * 2
	if newCap < newLen {
		newCap = newLen
	}
	if max := uint64(m.Limit) * wasm.PageSize; newCap > max {
		newCap = max
	}
	b := make([]byte, newLen, newCap)
	copy(b, m.Bytes)
	m.Bytes = b
	return old, true
}

// Release empties a memory whose owner is closed: its size and limit
// become 0, so every later access is out of bounds, and the pages of a
// mapped memory become inaccessible and go back to the kernel at once
// (code compiled without bounds checks faults on them and traps). The
// address space is returned once m is unreachable.
func (m *Memory) Release() {
	if m.res != nil {
		m.releaseMapped()
	}
	m.Bytes, m.Limit = nil, 0
}
