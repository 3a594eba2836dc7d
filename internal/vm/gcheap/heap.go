package gcheap

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/moat-run/moat/internal/wasm"
)

// The heap's geometry (see the package comment).
const (
	LineSize      = 128
	BlockSize     = 32 << 10
	linesPerBlock = BlockSize / LineSize
	// MaxSmall is the largest object allocated in lines; larger ones take
	// whole blocks.
	MaxSmall = BlockSize / 4
	// minTrigger is the least allocation between two collections.
	minTrigger = 4 << 20
	// MaxLimit caps a heap, so that every offset fits in 32 bits.
	MaxLimit = 4 << 30
	// bitmapWordsPerBlock is the uint64 words of a start or mark bitmap
	// covering one block (one bit per 8 bytes).
	bitmapWordsPerBlock = BlockSize / 8 / 64
)

// Block states.
const (
	blockFree      byte = iota // no object; free for either kind of allocation
	blockSmall                 // lines of small objects
	blockLarge                 // the first block of a large object
	blockLargeTail             // a following block of a large object
)

var (
	// ErrOutOfMemory: the live objects leave no room for the allocation
	// under the heap's limit, even after a collection.
	ErrOutOfMemory = errors.New("GC heap out of memory")
	// ErrTooLarge: the object alone is larger than the heap's limit.
	ErrTooLarge = errors.New("allocation size too large")
	// ErrClosed: the heap's store was closed.
	ErrClosed = errors.New("GC heap closed")
	// ErrInterrupted: Yield reported that the call allocating had been
	// interrupted while the allocation cleared or gave back memory.
	ErrInterrupted = errors.New("GC heap allocation interrupted")
)

// Heap is one store's heap. It is used by one goroutine at a time (the
// store's), like the rest of the store.
type Heap struct {
	mem      []byte // the arena; at least nblocks*BlockSize long
	reserved bool
	res      *reservation // the mapping behind mem, released by Close or a cleanup
	side     arena        // the side tables for the whole limit, where reserved with mem
	closed   bool
	limit    uint64 // bytes, a multiple of BlockSize
	nblocks  uint32 // blocks ever used: [0, nblocks)

	state  []byte   // per block
	fresh  []bool   // per block: never written since mapped (reads as zero)
	lines  []byte   // per line: 1 when a survivor of the last collection covers it
	starts []uint64 // a bit per 8 bytes: an object starts here
	marks  []uint64 // a bit per 8 bytes: the object starting here is marked

	// The current hole is [cursor, end). block is the block being carved
	// (-1 none) and line the next line of it to look at.
	cursor, end uint64
	block       int32
	line        uint32
	recycle     []uint32 // blocks with free lines after the last sweep, in address order
	nextFree    uint32   // where the search for a free block resumes
	largeScan   uint32   // where the search for a run of free blocks resumes
	// keep is the run of free blocks a collection started by a large
	// allocation keeps resident for it (keepRun).
	keep keptRun

	allocated uint64 // bytes handed out since the last collection
	live      uint64 // bytes that survived the last collection
	trigger   uint64

	types     types
	externs   []externEntry
	freeExtIx []uint32

	// Roots marks the store's roots; the heap never collects without it.
	Roots func(*Marker)
	// Yield, when set, is called between the chunks of long work: clearing
	// a large object's reused blocks (up to the whole heap), and giving
	// long runs of free blocks back to the kernel after a collection (the
	// madvise of 256 MiB took 30-50 ms). Memclr is assembly that the Go
	// runtime cannot preempt and madvise a system call, so the caller gets
	// to let the runtime in; and it reports whether the call that
	// allocates has been interrupted, which stops that work: the blocks
	// not yet given back stay in the heap, to be cleared when used, and
	// the allocation fails with ErrInterrupted.
	Yield    func() (stop bool)
	stopped  bool // Yield reported an interruption during this allocation
	markWork int  // words marked since the last Yield (markCharge)
	// pauseClock times the collection in progress in the thread's CPU
	// time, its calls of Yield left out.
	pauseClock pauseClock
	noCollect  int
	stack      []uint64 // mark stack

	stats Stats
}

// New returns an empty heap that may grow to limit bytes (rounded up to a
// block, capped at MaxLimit). Nothing is reserved until the first
// allocation.
func New(limit uint64) *Heap {
	limit = min(max(limit, BlockSize), MaxLimit)
	limit = (limit + BlockSize - 1) &^ (BlockSize - 1)
	h := &Heap{limit: limit, block: -1}
	h.trigger = h.minTrigger()
	return h
}

// minTrigger is the least allocation between collections: 4 MiB, or a
// quarter of a smaller heap.
func (h *Heap) minTrigger() uint64 { return min(minTrigger, h.limit/4) }

// Limit is the most bytes the heap may use.
func (h *Heap) Limit() uint64 { return h.limit }

// Bytes is the arena: object o's bytes start at Bytes()[o]. The slice
// changes when the heap grows (on platforms without mmap), so read it
// again after any allocation.
func (h *Heap) Bytes() []byte { return h.mem }

// Close frees the arena at once. The heap refuses allocations afterwards.
func (h *Heap) Close() {
	if h.res != nil {
		h.res.release()
	}
	*h = Heap{closed: true, limit: h.limit, block: -1}
}

// arena is what reserve returns: the mapping to release, the arena itself
// and, where the platform maps them with it (growable is false), the side
// tables for the whole limit, which the heap's own are prefixes of.
type arena struct {
	mapping       []byte
	mem           []byte
	lines         []byte
	starts, marks []uint64
}

// sideSize is the bytes of side tables for an arena of limit bytes: a
// byte per line, and the start and mark bitmaps (a bit per 8 bytes each).
func sideSize(limit uint64) uint64 { return limit/LineSize + 2*(limit/64) }

// reservation owns the arena's mapping. A heap that is dropped without
// Close releases it through a cleanup (Store.Close is the deterministic
// way); the reservation holds nothing that leads back to the heap.
type reservation struct{ mem []byte }

func (r *reservation) release() {
	if r.mem != nil {
		release(r.mem)
		r.mem = nil
	}
}

// PreventCollection and AllowCollection bracket code during which the
// roots cannot all be found (such as compiled frames without stack maps):
// allocation then grows the heap up to its limit instead of collecting.
func (h *Heap) PreventCollection() { h.noCollect++ }
func (h *Heap) AllowCollection()   { h.noCollect-- }

func (h *Heap) canCollect() bool { return h.Roots != nil && h.noCollect == 0 }

// Header reads the header word of object o.
func (h *Heap) Header(o uint64) uint64 { return binary.LittleEndian.Uint64(h.mem[o:]) }

// TypeOf is the type id of object o.
func (h *Heap) TypeOf(o uint64) uint32 { return uint32(h.Header(o)) }

// ArrayLen is the length of array o.
func (h *Heap) ArrayLen(o uint64) uint32 { return uint32(h.Header(o) >> 32) }

// objectSize is the size of the object with header hdr.
func (h *Heap) objectSize(hdr uint64) uint64 {
	ti := &h.types.infos[uint32(hdr)]
	if ti.Kind == wasm.CompStruct {
		return uint64(ti.Size)
	}
	s := ArraySize(uint32(hdr>>32), ti.ElemSize)
	return s
}

// Stats describes the heap's collections.
type Stats struct {
	Collections int
	TotalPause  time.Duration
	MaxPause    time.Duration
	Pauses      []time.Duration // the last maxPauses pauses, oldest first
	// TotalPauseCPU and PausesCPU are the CPU time the collecting thread
	// spent (0 where the platform cannot tell): on a loaded machine, the
	// pause less the time other processes had the CPU.
	TotalPauseCPU  time.Duration
	PausesCPU      []time.Duration
	LiveBytes      uint64 // after the last collection
	HeapBytes      uint64 // blocks in use (committed at most)
	AllocatedBytes uint64 // bytes handed out over the heap's life
}

const maxPauses = 4096

// Stats returns a copy of the heap's statistics.
func (h *Heap) Stats() Stats {
	s := h.stats
	s.Pauses = append([]time.Duration(nil), s.Pauses...)
	s.PausesCPU = append([]time.Duration(nil), s.PausesCPU...)
	s.LiveBytes = h.live
	s.HeapBytes = uint64(h.nblocks) * BlockSize
	return s
}

// startBit, setStart and clearStart manage the start bitmap.
func (h *Heap) startBit(o uint64) bool {
	b := o >> 3
	return h.starts[b>>6]&(1<<(b&63)) != 0
}

func (h *Heap) setStart(o uint64) {
	b := o >> 3
	h.starts[b>>6] |= 1 << (b & 63)
}
