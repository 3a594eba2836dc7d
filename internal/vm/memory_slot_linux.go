//go:build linux

package vm

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/moat-run/moat/internal/wasm"
)

// Slot is a memory's place in a mapping someone else owns (a pool's slot,
// internal/pool): the owner reserved the address space, registered it with
// the signal handler, and resets it when the memory is done with it.
type Slot interface {
	// Commit makes bytes [from, to) from byte 0 read+write (memory.grow).
	Commit(from, to uint64) error
	// Revoke empties the first n bytes and makes them inaccessible: the
	// memory's instance is closed while other code may still hold its
	// address (Memory.Release).
	Revoke(n uint64)
	// Free takes the slot back; the memory's length was n bytes (0 after
	// Revoke). It is called once, when the memory is freed or, failing
	// that, when it becomes unreachable (leaked is then true).
	Free(n uint64, leaked bool)
}

// NewSlotMemory makes a memory of type t in a slot laid out as l:
// region is the slot's whole range (l.GuardBefore, then byte 0 and
// l.Reserve bytes of room, then l.GuardAfter), and its first length bytes
// from byte 0 are already read+write with the memory's initial contents.
// The memory can grow to l.Reserve bytes at most (and limitPages, and its
// type's maximum).
func NewSlotMemory(t wasm.MemoryType, limitPages uint32, l Layout, region []byte, length uint64, s Slot) (*Memory, error) {
	if uint64(len(region)) != l.GuardBefore+l.Reserve+l.GuardAfter || length > l.Reserve {
		return nil, fmt.Errorf("vm: slot of %#x bytes does not match %v with %#x bytes accessible", len(region), l, length)
	}
	m := &Memory{Type: t, Limit: min(memoryLimit(t, limitPages), uint32(min(l.Reserve/wasm.PageSize, wasm.MaxPages)))}
	r := &reservation{mem: region, layout: l, slot: s, length: length}
	r.byte0 = &region[l.GuardBefore]
	r.base = uintptr(unsafe.Pointer(r.byte0))
	m.res = r
	m.Bytes = r.bytes(length)
	// A memory the embedder drops without closing its store still gives
	// its slot back, counted as leaked.
	r.cleanup = runtime.AddCleanup(m, (*reservation).reclaim, r)
	return m, nil
}

// reclaim is the cleanup of a memory in a slot that was never freed.
func (r *reservation) reclaim() {
	if r.mem != nil {
		r.slot.Free(r.length, true)
		r.mem = nil
	}
}
