package gcheap

import (
	"encoding/binary"
	"runtime"
	"slices"
)

// Alloc returns a new object of size bytes (a multiple of 8, at least
// HeaderSize) whose header word is hdr and whose other bytes are zero. It
// may collect first, so every reference the caller still needs must be
// reachable from the roots. It fails with ErrTooLarge, ErrOutOfMemory,
// ErrInterrupted or ErrClosed.
func (h *Heap) Alloc(size uint64, hdr uint64) (uint64, error) {
	if size > MaxSmall {
		return h.allocLarge(size, hdr)
	}
	if h.cursor+size > h.end {
		if err := h.refill(size); err != nil {
			return 0, err
		}
	}
	o := h.cursor
	h.cursor += size
	h.setStart(o)
	binary.LittleEndian.PutUint64(h.mem[o:], hdr)
	h.stats.AllocatedBytes += size
	return o, nil
}

// refill finds a hole of at least size bytes, collecting when the
// allocation budget is spent or no hole is left.
func (h *Heap) refill(size uint64) error {
	if h.closed {
		return ErrClosed
	}
	h.stopped = false
	if h.allocated >= h.trigger && h.canCollect() {
		h.Collect()
	}
	if h.stopped {
		return ErrInterrupted
	}
	if h.nextHole(size) {
		return nil
	}
	if h.canCollect() {
		h.Collect()
		if h.stopped {
			return ErrInterrupted
		}
		if h.nextHole(size) {
			return nil
		}
	}
	return ErrOutOfMemory
}

// nextHole moves the bump pointer to the next run of free lines that
// holds size bytes, taking recycled, free and new blocks in turn.
func (h *Heap) nextHole(size uint64) bool {
	for {
		if h.block >= 0 {
			b := uint32(h.block)
			lines := h.lines[b*linesPerBlock : (b+1)*linesPerBlock]
			for h.line < linesPerBlock {
				l := h.line
				for l < linesPerBlock && lines[l] != 0 {
					l++
				}
				e := l
				for e < linesPerBlock && lines[e] == 0 {
					e++
				}
				h.line = e
				if e == l {
					break
				}
				start := uint64(b)*BlockSize + uint64(l)*LineSize
				stop := uint64(b)*BlockSize + uint64(e)*LineSize
				if stop-start < size {
					continue
				}
				if !h.fresh[b] {
					clear(h.mem[start:stop])
				}
				h.fresh[b] = false
				h.cursor, h.end = start, stop
				h.allocated += stop - start
				return true
			}
			h.block = -1
		}
		b, ok := h.takeBlock()
		if !ok {
			return false
		}
		h.block, h.line = int32(b), 0
	}
}

// takeBlock returns a block to carve holes from: a recycled one, a free
// one, or a new one within the limit.
func (h *Heap) takeBlock() (uint32, bool) {
	if len(h.recycle) > 0 {
		b := h.recycle[0]
		h.recycle = h.recycle[1:]
		return b, true
	}
	for ; h.nextFree < h.nblocks; h.nextFree++ {
		if b := h.nextFree; h.state[b] == blockFree {
			h.state[b] = blockSmall
			h.nextFree++
			return b, true
		}
	}
	if !h.grow(1) {
		return 0, false
	}
	b := h.nblocks - 1
	h.state[b] = blockSmall
	h.nextFree = h.nblocks
	return b, true
}

// grow adds n fresh blocks at the end of the heap.
func (h *Heap) grow(n uint32) bool {
	if h.closed || uint64(h.nblocks+n)*BlockSize > h.limit {
		return false
	}
	if !h.reserved {
		a, err := reserve(h.limit)
		if err != nil {
			return false
		}
		h.mem, h.reserved, h.side = a.mem, true, a
		h.res = &reservation{mem: a.mapping}
		runtime.AddCleanup(h, (*reservation).release, h.res)
	}
	end := uint64(h.nblocks+n) * BlockSize
	if growable && uint64(len(h.mem)) < end {
		if uint64(cap(h.mem)) < end {
			m := make([]byte, end, min(max(2*uint64(cap(h.mem)), end), h.limit))
			copy(m, h.mem)
			h.mem = m
		}
		h.mem = h.mem[:end]
	}
	if h.nblocks == 0 {
		defer func() { h.lines[0] = 1 }() // offset 0 is null: no object there
	}
	h.nblocks += n
	h.state = slices.Grow(h.state, int(n))
	h.fresh = slices.Grow(h.fresh, int(n))
	for range n {
		h.state = append(h.state, blockFree)
		h.fresh = append(h.fresh, true)
	}
	if growable {
		h.lines = append(h.lines, make([]byte, n*linesPerBlock)...)
		h.starts = append(h.starts, make([]uint64, n*bitmapWordsPerBlock)...)
		h.marks = append(h.marks, make([]uint64, n*bitmapWordsPerBlock)...)
	} else {
		// Views of the reservation's side tables, which read as zero
		// past the blocks in use: nothing to clear or copy.
		h.lines = h.side.lines[:h.nblocks*linesPerBlock]
		h.starts = h.side.starts[:h.nblocks*bitmapWordsPerBlock]
		h.marks = h.side.marks[:h.nblocks*bitmapWordsPerBlock]
	}
	return true
}

// allocLarge gives an object of more than MaxSmall bytes whole blocks.
func (h *Heap) allocLarge(size uint64, hdr uint64) (uint64, error) {
	if h.closed {
		return 0, ErrClosed
	}
	if size > h.limit {
		return 0, ErrTooLarge
	}
	n := uint32((size + BlockSize - 1) / BlockSize)
	h.stopped = false
	var b uint32
	ok := false
	if h.allocated+uint64(n)*BlockSize > h.trigger && h.canCollect() {
		b, ok = h.collectFor(n)
	}
	if h.stopped {
		return 0, ErrInterrupted
	}
	if !ok {
		b, ok = h.freeRun(n)
	}
	if !ok && h.canCollect() {
		b, ok = h.collectFor(n)
		if h.stopped {
			return 0, ErrInterrupted
		}
		if !ok {
			b, ok = h.freeRun(n)
		}
	}
	if !ok {
		return 0, ErrOutOfMemory
	}
	fresh := true
	for i := b; i < b+n; i++ {
		fresh = fresh && h.fresh[i]
	}
	o := uint64(b) * BlockSize
	if !fresh && !h.clearChunked(h.mem[o:o+size]) {
		// The blocks stay free (partly cleared, which nothing relies on).
		return 0, ErrInterrupted
	}
	h.state[b] = blockLarge
	for i := b; i < b+n; i++ {
		if i > b {
			h.state[i] = blockLargeTail
		}
		h.fresh[i] = false
	}
	h.allocated += uint64(n) * BlockSize
	h.stats.AllocatedBytes += size
	h.setStart(o)
	binary.LittleEndian.PutUint64(h.mem[o:], hdr)
	return o, nil
}

// collectFor collects for an allocation of n blocks, and returns the run
// of n free blocks that the collection kept resident for it, if any.
func (h *Heap) collectFor(n uint32) (uint32, bool) {
	h.keep = keptRun{want: n}
	h.Collect()
	k := h.keep
	h.keep = keptRun{}
	if !k.found || h.stopped {
		return 0, false
	}
	h.largeScan = k.at + n
	return k.at, true
}

// freeRun finds n contiguous free blocks (next fit), growing the heap
// when none are free.
func (h *Heap) freeRun(n uint32) (uint32, bool) {
	for pass := 0; pass < 2; pass++ {
		start := h.largeScan
		if pass == 1 {
			start = 0
		}
		run := uint32(0)
		for b := start; b < h.nblocks; b++ {
			if h.state[b] != blockFree || (b == 0) {
				run = 0
				continue
			}
			run++
			if run == n {
				first := b + 1 - n
				h.largeScan = b + 1
				return first, true
			}
		}
	}
	// Extend: free blocks at the end of the heap count towards the run.
	// Block 0 is never part of one (its offset 0 is null): it becomes a
	// small block first.
	if h.nblocks == 0 {
		if !h.grow(1) {
			return 0, false
		}
		h.state[0] = blockSmall
	}
	tail := uint32(0)
	for b := h.nblocks; b > 1 && h.state[b-1] == blockFree && tail < n; b-- {
		tail++
	}
	if !h.grow(n - tail) {
		return 0, false
	}
	return h.nblocks - n, true
}

// clearChunk is how many bytes clearChunked zeroes between two calls of
// Yield: tens of microseconds of memclr.
const clearChunk = 256 << 10

// clearChunked zeroes b, calling h.Yield between chunks, and reports
// whether it got to the end (Yield did not stop it).
func (h *Heap) clearChunked(b []byte) bool {
	for h.Yield != nil && len(b) > clearChunk {
		clear(b[:clearChunk])
		b = b[clearChunk:]
		if h.yield() {
			h.stopped = true
			return false
		}
	}
	clear(b)
	return true
}
