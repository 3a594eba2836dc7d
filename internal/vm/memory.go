package vm

import "github.com/moat-run/moat/internal/wasm"

// Memory is a linear memory. Bytes is exactly the current size (a multiple of
// the page size); engines index it directly after their own bounds checks and
// must reload it after anything that can grow the memory (memory.grow, calls).
type Memory struct {
	Bytes []byte
	Type  *wasm.MemoryType
	// Limit is the effective maximum in pages: the declared maximum, capped by
	// the engine's configured limit and by 4 GiB.
	Limit uint32
	// GrowRefusals counts grows refused because they would pass Limit, so
	// an embedder can tell a guest that ran out of memory from one that
	// failed for another reason.
	GrowRefusals uint32
	// Imported is set once another instance imports the memory: closing
	// the instance that defined it may then not free it (Free) while the
	// importer's code can still reach its address.
	Imported bool
	// Written records that m's bytes may have been written other than by
	// the calls into its store, which its owner accounts for itself: its
	// bytes were handed out, a data segment was copied in, it grew, or
	// another instance imported it. FreeUnwritten looks at it.
	Written bool

	// res is the mapping that holds Bytes after MapNative (nil while
	// Bytes lives in the Go heap).
	res *reservation
}

// MemoryRoom is storage for a memory in a pool's slot, which its owner
// keeps from one memory to the next (a recycled instance state): the
// memory, and the hold its owner's cleanup reclaims the slot through, are
// made once (NewSlotMemory, AddSlotCleanup). The reservation record is
// the slot's own (Slot.Record).
type MemoryRoom struct {
	mem  Memory
	hold *slotHold
}

// NewMemory allocates a memory of t.Limits.Min pages. limitPages caps growth
// (0 means no cap beyond the type's own maximum and 65536 pages).
func NewMemory(t *wasm.MemoryType, limitPages uint32) *Memory {
	return &Memory{Bytes: make([]byte, uint64(t.Limits.Min)*wasm.PageSize), Type: t, Limit: memoryLimit(t, limitPages)}
}

// memoryLimit is the effective maximum in pages of a memory of type t
// under the engine's cap limitPages (0: none).
func memoryLimit(t *wasm.MemoryType, limitPages uint32) uint32 {
	limit := uint32(wasm.MaxPages)
	if t.Limits.HasMax && t.Limits.Max < uint64(limit) {
		limit = uint32(t.Limits.Max)
	}
	if limitPages != 0 && limitPages < limit {
		limit = limitPages
	}
	return limit
}

// Pages is the current size in pages.
func (m *Memory) Pages() uint32 { return uint32(uint64(len(m.Bytes)) / wasm.PageSize) }

// Grow adds delta pages. It returns the old size in pages, or ok=false (and
// leaves the memory unchanged) when the result would pass the limit.
func (m *Memory) Grow(delta uint32) (old uint32, ok bool) {
	m.Written = true
	old = m.Pages()
	if uint64(old)+uint64(delta) > uint64(m.Limit) {
		m.GrowRefusals++
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
	// The runtime zeroes a large allocation in preemptible chunks; the copy
	// of up to 2 GiB is chunked here too (a grow cannot stop half way, so
	// the chunks only yield).
	b := make([]byte, newLen, newCap)
	CopyBytes(b, m.Bytes, false, yieldOnly)
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
