package gcheap

import "encoding/binary"

// Compiled code allocates inline: it bumps a copy of the heap's cursor
// within the current hole and writes each object's header, without
// setting start bits or counting bytes (docs/gc.md). Before Go touches the
// heap again, the runtime hands the copy back with AdoptBump, which walks
// the objects the code made, header to header, and does both; after, the
// code gets the cursor and end again from Bump. The walk is exact
// because a hole is a contiguous run of objects from the heap's cursor.

// Bump is the current hole, [cursor, end), for compiled code to allocate
// in (cursor == end when there is none).
func (h *Heap) Bump() (cursor, end uint64) { return h.cursor, h.end }

// AdoptBump takes back the cursor compiled code advanced to from the one
// Bump gave: every object in between gets its start bit and counts in the
// statistics. A cursor outside the hole, or a walk that does not land on it
// exactly, is a compiler bug: it panics rather than corrupt the heap.
func (h *Heap) AdoptBump(cursor uint64) {
	if cursor == h.cursor {
		return
	}
	if cursor < h.cursor || cursor > h.end {
		panic("gcheap: compiled code's cursor is outside the hole")
	}
	o := h.cursor
	for o < cursor {
		hdr := binary.LittleEndian.Uint64(h.mem[o:])
		if uint32(hdr) == 0 || uint32(hdr) >= uint32(len(h.types.infos)) {
			panic("gcheap: compiled code left an object without a type")
		}
		size := h.objectSize(hdr)
		h.setStart(o)
		o += size
	}
	if o != cursor {
		panic("gcheap: compiled code's objects do not end at its cursor")
	}
	// (The collection budget counts whole holes as they are handed out.)
	h.stats.AllocatedBytes += cursor - h.cursor
	h.cursor = cursor
}
