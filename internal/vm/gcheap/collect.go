package gcheap

import (
	"encoding/binary"
	"time"

	"github.com/moat-run/moat/internal/wasm"
)

// Marker is handed to Heap.Roots during a collection to mark the roots.
type Marker struct{ h *Heap }

// Word marks a reference word known to be one (a global, table element,
// field or host-held reference of the any or extern hierarchy).
func (m *Marker) Word(w uint64) {
	if !m.h.stopped {
		m.h.markWord(w)
		m.h.markCharge(1)
	}
}

// Words marks reference words.
func (m *Marker) Words(ws []uint64) {
	h := m.h
	for len(ws) > 0 && !h.stopped {
		chunk := ws[:min(len(ws), h.markBudget())]
		for _, w := range chunk {
			h.markWord(w)
		}
		ws = ws[len(chunk):]
		h.markCharge(len(chunk))
	}
}

// Conservative marks the words of ws that may be references: an object
// word counts only if an object starts exactly there, an extern word only
// if it names a live entry. Other words (numbers, stale slots) are
// ignored; one that happens to look like a live reference keeps its
// target alive until the next collection that does not see it.
func (m *Marker) Conservative(ws []uint64) {
	h := m.h
	size := uint64(h.nblocks) * BlockSize
	for len(ws) > 0 && !h.stopped {
		chunk := ws[:min(len(ws), h.markBudget())]
		for _, w := range chunk {
			switch {
			case w == 0 || w&1 == 1:
			case w&7 == 0:
				if w < size && h.startBit(w) {
					h.markObject(w)
				}
			case w&3 == 2:
				if i := w >> 2; i < uint64(len(h.externs)) && h.externs[i].used {
					h.externs[i].marked = true
				}
			}
		}
		ws = ws[len(chunk):]
		h.markCharge(len(chunk))
	}
}

func (h *Heap) markWord(w uint64) {
	switch {
	case w == 0 || w&1 == 1:
	case w&3 == 2:
		if i := w >> 2; i < uint64(len(h.externs)) {
			h.externs[i].marked = true
		}
	case w&7 == 0:
		h.markObject(w)
	}
}

func (h *Heap) markObject(o uint64) {
	b := o >> 3
	if h.marks[b>>6]&(1<<(b&63)) != 0 {
		return
	}
	h.marks[b>>6] |= 1 << (b & 63)
	h.stack = append(h.stack, o)
}

// markChunk is how many words marking looks at between two calls of
// Yield: tens of microseconds. Marking is in proportion to the live
// references, and an array of 64M of them took 0.5-0.8 s to mark on a
// loaded machine.
const markChunk = 32 << 10

// markBudget is how many words marking may look at before its next call
// of Yield is due.
func (h *Heap) markBudget() int { return markChunk - h.markWork }

// markCharge counts n words of marking work and calls Yield each time
// markChunk of them are done (the hot loops charge their work a chunk at
// a time, which costs nothing measurable, where a check per word made
// marking twice as slow); it reports whether Yield stopped the
// collection, which then marks nothing more and is abandoned (Collect).
func (h *Heap) markCharge(n int) bool {
	if h.markWork += n; h.markWork >= markChunk {
		h.markWork = 0
		if !h.stopped && h.yield() {
			h.stopped = true
		}
	}
	return h.stopped
}

// drain traces the marked objects: their references are marked in turn,
// and the lines they cover are recorded as occupied. It stops early when
// Yield stops the collection.
func (h *Heap) drain() {
	mem := h.mem
	for n := len(h.stack); n > 0 && !h.stopped; n = len(h.stack) {
		o := h.stack[n-1]
		h.stack = h.stack[:n-1]
		hdr := binary.LittleEndian.Uint64(mem[o:])
		ti := &h.types.infos[uint32(hdr)]
		var size uint64
		if ti.Kind == wasm.CompStruct {
			size = uint64(ti.Size)
			for _, ro := range ti.RefOffsets {
				h.markWord(binary.LittleEndian.Uint64(mem[o+uint64(ro):]))
			}
			h.markCharge(1 + len(ti.RefOffsets))
		} else {
			size = ArraySize(uint32(hdr>>32), ti.ElemSize)
			h.markCharge(1)
			if ti.ElemRef {
				for p, end := o+HeaderSize, o+size; p < end && !h.stopped; {
					q := min(end, p+8*uint64(h.markBudget()))
					words := int((q - p) / 8)
					for ; p < q; p += 8 {
						h.markWord(binary.LittleEndian.Uint64(mem[p:]))
					}
					h.markCharge(words)
				}
			}
		}
		h.live += size
		if size <= MaxSmall {
			for l := o / LineSize; l <= (o+size-1)/LineSize; l++ {
				h.lines[l] = 1
			}
		}
	}
}

// Collect reclaims every object and extern-table entry the roots do not
// reach. It needs Roots.
func (h *Heap) Collect() {
	if h.Roots == nil || h.closed {
		return
	}
	h.stopped = false
	start := time.Now()
	h.pauseClock.begin(start)
	defer h.pauseClock.end()
	h.clearMarks()
	for i := range h.externs {
		h.externs[i].marked = false
	}
	live := h.live
	h.live, h.markWork = 0, 0
	h.Roots(&Marker{h})
	h.drain()
	if h.stopped {
		h.abandon(live)
		return
	}
	h.sweep()
	h.trigger = max(h.minTrigger(), h.live)
	h.allocated = 0
	h.cursor, h.end, h.block, h.line = 0, 0, -1, 0

	pause, cpu := time.Since(start), h.pauseClock.stop()
	s := &h.stats
	s.Collections++
	s.TotalPause += pause
	s.MaxPause = max(s.MaxPause, pause)
	s.TotalPauseCPU += cpu
	if len(s.Pauses) == maxPauses {
		s.Pauses = append(s.Pauses[:0], s.Pauses[1:]...)
		s.PausesCPU = append(s.PausesCPU[:0], s.PausesCPU[1:]...)
	}
	s.Pauses = append(s.Pauses, pause)
	s.PausesCPU = append(s.PausesCPU, cpu)
	if verifyAfterCollect.Load() {
		h.verifyAfterCollection()
	}
}

// abandon ends a collection that Yield stopped while marking, leaving the
// heap as it was but for its holes: nothing is freed and the live bytes
// are the last finished collection's, but marking had cleared the lines
// of small blocks that it had not yet set again, so the blocks that the
// last sweep found holes in are no longer offered (their lines are
// cleared again and set anew by the next collection, and free blocks have
// none set), and the current hole is dropped: no small block is carved
// until a collection finishes.
func (h *Heap) abandon(live uint64) {
	h.stack = h.stack[:0]
	h.live = live
	h.recycle = h.recycle[:0]
	h.cursor, h.end, h.block, h.line = 0, 0, -1, 0
}

// clearMarks readies the mark bitmap and the line table for marking. The
// last marking left marks and occupied lines only in small blocks and in
// the first word of a large object's marks (sweep then freed every block
// with neither, and nothing else writes either), so only those are
// cleared, not the whole tables: for a heap of 512 MiB that held one
// array, clearing its 12 MiB of side tables took milliseconds of memclr
// that neither the Go runtime nor a cancellation can interrupt.
func (h *Heap) clearMarks() {
	for b := uint32(0); b < h.nblocks; b++ {
		bs := b * bitmapWordsPerBlock
		switch h.state[b] {
		case blockSmall:
			clear(h.marks[bs : bs+bitmapWordsPerBlock])
			clear(h.lines[b*linesPerBlock : (b+1)*linesPerBlock])
		case blockLarge:
			h.marks[bs] = 0
		}
	}
	if h.nblocks > 0 {
		h.lines[0] = 1 // offset 0 is null: no object there
	}
}

// sweep frees what marking did not reach: lines and blocks, large
// objects, extern entries. Start bits of dead objects are cleared, so that
// only live objects and those allocated later start anywhere.
func (h *Heap) sweep() {
	h.recycle = h.recycle[:0]
	h.nextFree, h.largeScan = 0, 0
	freeRun := uint32(0)
	for b := uint32(0); b < h.nblocks; b++ {
		bs := b * bitmapWordsPerBlock
		switch h.state[b] {
		case blockSmall:
			occupied, hasFree := false, false
			for _, l := range h.lines[b*linesPerBlock : (b+1)*linesPerBlock] {
				if l != 0 {
					occupied = true
				} else {
					hasFree = true
				}
			}
			switch {
			case !occupied:
				h.state[b] = blockFree
				clear(h.starts[bs : bs+bitmapWordsPerBlock])
			case hasFree:
				h.recycle = append(h.recycle, b)
				fallthrough
			default:
				for i := bs; i < bs+bitmapWordsPerBlock; i++ {
					h.starts[i] &= h.marks[i]
				}
			}
		case blockLarge:
			if h.marks[bs]&1 == 0 {
				h.starts[bs] = 0
				h.state[b] = blockFree
				for t := b + 1; t < h.nblocks && h.state[t] == blockLargeTail; t++ {
					h.state[t] = blockFree
				}
			}
		}
		// Give long runs of free blocks back to the kernel.
		if h.state[b] == blockFree && !h.fresh[b] {
			freeRun++
		} else {
			h.discardRun(b, freeRun)
			freeRun = 0
		}
	}
	h.discardRun(h.nblocks, freeRun)
	for i := range h.externs {
		e := &h.externs[i]
		if e.used && !e.marked {
			*e = externEntry{}
			h.freeExtIx = append(h.freeExtIx, uint32(i))
		}
	}
}

// keptRun is a run of free blocks that a collection started by a large
// allocation (collectFor) keeps resident for it: the first run of at
// least want free blocks that the sweep would give back to the kernel.
// Giving it back only for the allocation to fault it in again costs far
// more than clearing it: a guest that allocates a 256 MiB array in a loop
// made 65,536 page faults per array (about 100 µs of every 256 KiB chunk
// of its first fill) after a madvise of 256 MiB.
type keptRun struct {
	want  uint32 // blocks the allocation needs; 0: no allocation waits
	at    uint32 // the run's first block, when found
	found bool
}

// discardMin is the shortest run of free blocks returned to the kernel.
const discardMin = 32

// discardChunk is how many blocks discardRun gives back between two
// calls of Yield (1 MiB: 0.2-0.5 ms of madvise of resident pages at a
// load of 10 on 2 CPUs, where 4 MiB took 0.2-1 ms, and up to 30 ms, and
// 256 MiB at once 30-50 ms).
const discardChunk = 32

// discardRun gives the run of n free blocks ending before block end back
// to the kernel, when it is long enough, in chunks with Yield between
// them; it stops giving back once Yield reports an interruption.
func (h *Heap) discardRun(end, n uint32) {
	if n < discardMin || h.stopped {
		return
	}
	if k := &h.keep; k.want != 0 && !k.found && n >= k.want {
		// The allocation that started the collection takes the run's
		// first blocks: they stay resident.
		k.at, k.found = end-n, true
		if n -= k.want; n < discardMin {
			return
		}
	}
	for start := end - n; start < end; start += discardChunk {
		stop := min(start+discardChunk, end)
		if discard(h.mem[uint64(start)*BlockSize : uint64(stop)*BlockSize]) {
			for b := start; b < stop; b++ {
				h.fresh[b] = true
			}
		}
		if stop < end && h.yield() {
			h.stopped = true
			return
		}
	}
}
