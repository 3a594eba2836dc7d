//go:build linux

package vm

import (
	"fmt"
	"runtime"

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
	// Free takes the slot back; the first n bytes from byte 0 may have
	// been written since the memory took it: the memory's length, 0 after
	// Revoke or when nothing wrote them (Memory.FreeUnwritten). It is
	// called once, when the memory is freed or, failing that, when it
	// becomes unreachable (leaked is then true; n is the length).
	Free(n uint64, leaked bool)
	// Context is the slot's context region (nil: none): room outside the
	// Go heap, zeroed when the slot was taken, that the holder may use
	// until Free.
	Context() []byte
	// Record is the slot's reservation record, made with its pool, which
	// a memory made in a MemoryRoom uses while it holds the slot: no
	// record of its own in the Go heap per live memory.
	Record() *SlotRecord
}

// SlotRecord is a slot's reservation record (Slot.Record), which its
// pool keeps beside the slot.
type SlotRecord struct{ res reservation }

// slotHold is a MemoryRoom's hold on the slot its memory takes: the
// record of that slot while the memory holds it (nil otherwise), which
// the room's owner's cleanup gives back if the owner is dropped without
// Free. It is apart from the owner: the cleanup's argument must not keep
// the owner reachable.
type slotHold struct{ res *reservation }

// SlotContext is the context region of the slot that m takes (nil when
// m is not in a slot, or the slot has none): see Slot.Context.
func (m *Memory) SlotContext() []byte {
	if m.res == nil || m.res.slot == nil {
		return nil
	}
	return m.res.slot.Context()
}

// NewSlotMemory makes a memory of type t in a slot laid out as l:
// region is the slot's whole range (l.GuardBefore, then byte 0 and
// l.Reserve bytes of room, then l.GuardAfter), and its first length bytes
// from byte 0 are already read+write with the memory's initial contents.
// The memory can grow to l.Reserve bytes at most (and limitPages, and its
// type's maximum).
//
// room, when not nil and readied by AddSlotCleanup, is where the memory
// is made: no allocation, and its owner's cleanup gives the slot back if
// the owner is dropped without Free. Otherwise the memory is allocated,
// with a cleanup of its own.
func NewSlotMemory(t *wasm.MemoryType, limitPages uint32, l Layout, region []byte, length uint64, s Slot, room *MemoryRoom) (*Memory, error) {
	if uint64(len(region)) != l.GuardBefore+l.Reserve+l.GuardAfter || length > l.Reserve {
		return nil, fmt.Errorf("vm: slot of %#x bytes does not match %v with %#x bytes accessible", len(region), l, length)
	}
	var m *Memory
	var r *reservation
	var hold *slotHold
	if room != nil && room.hold != nil {
		m, r, hold = &room.mem, &s.Record().res, room.hold
	} else {
		m, r = new(Memory), new(reservation)
	}
	*m = Memory{Type: t, Limit: min(memoryLimit(t, limitPages), uint32(min(l.Reserve/wasm.PageSize, wasm.MaxPages)))}
	*r = reservation{mem: region, layout: l, slot: s, length: length, hold: hold}
	if hold != nil {
		hold.res = r
	}
	r.byte0 = &region[l.GuardBefore]
	m.res = r
	m.Bytes = r.bytes(length)
	if room == nil || m != &room.mem {
		// A memory the embedder drops without closing its store still
		// gives its slot back, counted as leaked.
		r.cleanup = runtime.AddCleanup(m, (*reservation).reclaim, r)
	}
	return m, nil
}

// AddSlotCleanup readies room, a field of *owner, for memories in slots
// (NewSlotMemory): once owner is unreachable, the slot of a memory still
// in room goes back to its pool, counted as leaked. owner keeps room for
// one memory after another (a recycled instance state), and pays for the
// cleanup once.
func AddSlotCleanup[T any](owner *T, room *MemoryRoom) {
	if room.hold == nil {
		room.hold = new(slotHold)
		runtime.AddCleanup(owner, (*slotHold).reclaim, room.hold)
	}
}

// Empty readies room for its next memory, keeping its hold (and its
// owner's cleanup). It reports false, and leaves room alone,
// while the memory in it still holds its slot (it was never freed).
func (room *MemoryRoom) Empty() bool {
	if room.hold != nil && room.hold.res != nil {
		return false
	}
	// The type stays: a closed store's handle may still read it (its
	// owner's next memory in the room has the same).
	room.mem = Memory{Type: room.mem.Type}
	return true
}

// reclaim is the cleanup of a room's owner whose memory in a slot was
// never freed: hold.res is nil once the memory is freed (release), so a
// record the slot's next holders use is never touched here.
func (h *slotHold) reclaim() {
	if r := h.res; r != nil {
		r.reclaim()
	}
}

// reclaim is the cleanup of a memory in a slot that was never freed.
func (r *reservation) reclaim() {
	if r.mem != nil {
		// Done with the record first, as release is.
		slot, n := r.slot, r.length
		if r.hold != nil {
			r.hold.res, r.hold = nil, nil
		}
		r.mem = nil
		slot.Free(n, true)
	}
}
