//go:build linux

package pool

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/sigtrap"
	"github.com/moat-run/moat/internal/wasm"
)

// ErrExhausted is returned when every slot of a pool is in use.
var ErrExhausted = errors.New("pool: every slot is in use")

// SlotConfig sizes a pool of memory slots.
type SlotConfig struct {
	// Slots is how many memories the pool holds at once.
	Slots int
	// Layout is each slot's: GuardBefore, then byte 0 and Reserve bytes of
	// room, then GuardAfter (at most GuardBefore: the next slot's guard
	// serves as this one's). Trap registers every slot with the signal
	// handler (guard-page mode). Limits are what the pool is charged
	// against.
	Layout vm.Layout
	// Accessible maps every slot read+write from the start (explicit
	// bounds checks: generated code never touches a byte past a memory's
	// length, so nothing needs protecting): the whole pool stays one
	// kernel mapping, whatever the number of slots in use.
	Accessible bool
	// MaxWarm bounds the free slots kept warm (a module's image still
	// mapped, pages still read+write) for the next instance.
	MaxWarm int
	// ContextBytes, when positive, gives each slot a context region of
	// that many bytes (rounded up to 64), outside the Go heap, in one more
	// mapping for all slots: room for the native state of the instance
	// whose memory takes the slot (vm.Memory.SlotContext). A slot given
	// back has its region zeroed.
	ContextBytes int
	// KeepResident is how many bytes of the pages a warm slot's memory
	// wrote are reset in place (restored to zero or to the image's bytes,
	// page by page, writing only the pages that differ) rather than given
	// back to the kernel, so that the next memory in the slot finds them
	// resident (Wasmtime's linear_memory_keep_resident; see reset).
	// Rounded up to pages; 0: every page is given back.
	KeepResident uint64
}

// Slots is a pool of memory slots laid out back to back in one mapping,
// reserved once:
//
//	[guard][slot 0: byte 0 ... Reserve][guard][slot 1 ...]...[slot N-1 ...][guard]
//	        ^ accessible below the length, the rest PROT_NONE (guard-page mode)
//	        ^ all read+write, checks keep code below the length (explicit mode)
//
// A slot given back is reset at once (reset_linux.go): its first
// KeepResident bytes in place, the rest of its memory's length with
// madvise(MADV_DONTNEED) (pages of a mapped image go back to the image's
// contents, all others to zero). Its protection and image stay (a warm
// slot) for the next memory of the same module, up to MaxWarm warm
// slots; beyond, the slot is returned to its pristine state by giving
// back all its pages and re-mapping it. With SlotConfig.ContextBytes, each
// slot has a context region as well, in a second mapping (doc.go).
type Slots struct {
	cfg    SlotConfig
	mem    []byte // the whole mapping
	stride uint64 // from one slot's guard to the next's
	page   uint64
	keep   uint64 // KeepResident, in whole pages, at most Reserve
	scan   uint64 // how far a reset looks for written pages to keep (scanKept)
	// copyLimit is the largest full image copied into a slot in explicit
	// mode rather than mapped (Image.copyable).
	copyLimit uint64
	// mapped counts the slots with an image mapped in explicit mode, and
	// mapCap bounds them (mapBudget): past it, images are copied.
	mapped, mapCap atomic.Int64

	// warmFree and coldFree hold the free slots, warm (image and
	// protection in place) and pristine; inUse, warm and leaked count
	// them (inUse is taken before a slot is, so it never passes Slots).
	warmFree, coldFree *FreeList[int32]
	state              []slotState
	inUse              atomic.Int64
	warm               atomic.Int64
	leaked             atomic.Int64
	// queue holds warm slots given back that wait to be reset together
	// (reset_batch_linux.go).
	queue resetQueue
	// handles are the slots as vm.Slot values, made once, and records
	// their reservation records (vm.Slot.Record).
	handles []slot
	records []vm.SlotRecord
	// contexts holds the slots' context regions, ctxBytes each (nil:
	// none), read+write from the start.
	contexts []byte
	ctxBytes int
}

// slotState is what a slot's pages hold beyond the pristine state. Only
// its current holder (or the pool, under mu, for a free slot) touches it.
//
// A free slot's bytes are img's contents where it is mapped, copied's data
// where it was copied, and zero everywhere else: each reset restores that
// over what its memory could have written.
type slotState struct {
	img    *Image // mapped at byte 0 (nil: anonymous pages only)
	copied *Image // explicit mode: its data copied in at byte 0
	// intact is how far copied's data is whole from byte 0 (a reset
	// gives back the pages past what it keeps, which then read zero).
	intact uint64
	// charged: img is mapped in explicit mode, charged against the
	// process's mappings (imageMappings).
	charged    bool
	kept       uint64 // pages a reset kept resident lie below this byte
	accessible uint64 // bytes from byte 0 read+write (guard-page mode)
	warm       bool
	// region is the state of the slot's context region (regionFree,
	// regionLent, regionDetached): atomic, for a detached region goes back
	// (ReleaseContext) while another holder has the slot.
	region atomic.Int32
}

// The states of a slot's context region. A region is lent to the slot's
// holder that asks for it (slot.Context), and give zeroes it then; an
// untouched region stays as it is, zero. A holder that must keep using
// the region past the slot (its code's descriptors are there, and other
// code of its store may call through them) detaches it (DetachContext)
// before giving the slot back: the slot's next holders get no region
// (slot.Context is nil, and the compiler keeps their context in the Go
// heap) until ReleaseContext zeroes it and makes it free.
const (
	regionFree int32 = iota
	regionLent
	regionDetached
)

// scanKept is how many times KeepResident bytes a reset looks through
// for written pages to keep resident (reset).
const scanKept = 2

// affinityScan is how many free slots Acquire looks through for one that
// already maps the wanted image.
const affinityScan = 16

// NewSlots reserves a pool's address space (nothing is committed).
func NewSlots(cfg SlotConfig) (*Slots, error) {
	l := cfg.Layout
	page := uint64(unix.Getpagesize())
	if cfg.Slots <= 0 || l.Reserve == 0 || l.Reserve%page != 0 || l.GuardBefore%page != 0 || l.GuardAfter%page != 0 || l.GuardAfter > l.GuardBefore {
		return nil, fmt.Errorf("pool: bad slot layout (%d slots, %v)", cfg.Slots, l)
	}
	stride := l.GuardBefore + l.Reserve
	if uint64(cfg.Slots) > (sigtrap.MaxAddress-l.GuardAfter)/stride {
		return nil, fmt.Errorf("pool: %d slots of %#x bytes do not fit in the address space", cfg.Slots, stride)
	}
	total := uint64(cfg.Slots)*stride + l.GuardAfter
	if err := vm.ReserveSpace(l.Limits, "a pool of memory slots", total, 1); err != nil {
		return nil, err
	}
	prot := unix.PROT_NONE
	if cfg.Accessible {
		prot = unix.PROT_READ | unix.PROT_WRITE
	}
	mem, err := unix.Mmap(-1, 0, int(total), prot, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		vm.ReleaseSpace(total, 1)
		return nil, &vm.SpaceError{What: "a pool of memory slots", Bytes: total, Mappings: 1, InUse: vm.SpaceInUse(), Err: err}
	}
	if cfg.Accessible {
		// Guards would split the mapping; explicit checks need none.
		for i := range cfg.Slots {
			_ = unix.Mprotect(mem[uint64(i)*stride:][:l.GuardBefore], unix.PROT_NONE)
		}
	}
	keep := min((cfg.KeepResident+page-1)&^(page-1), l.Reserve)
	p := &Slots{cfg: cfg, mem: mem, stride: stride, page: page, keep: keep, scan: min(scanKept*keep, l.Reserve), copyLimit: max(CopyLimit, keep),
		state: make([]slotState, cfg.Slots), handles: make([]slot, cfg.Slots), records: make([]vm.SlotRecord, cfg.Slots),
		warmFree: NewFreeList[int32](cfg.MaxWarm), coldFree: NewFreeList[int32](cfg.Slots)}
	p.mapCap.Store(mapBudget(l.Limits))
	if b := batchFor(cfg.Slots); b > 0 {
		p.queue = resetQueue{batch: b, pending: make([]pendingReset, 0, b)}
	}
	for i := range p.handles {
		p.handles[i] = slot{p, int32(i)}
	}
	for i := cfg.Slots - 1; i >= 0; i-- {
		p.coldFree.Put(int32(i))
	}
	m := poolMapping{mem: mem, stride: stride, slots: cfg.Slots, guardAfter: l.GuardAfter}
	if cfg.ContextBytes > 0 {
		if p.contexts, err = mapContexts(cfg); err != nil {
			m.unmap()
			return nil, err
		}
		p.ctxBytes = contextStride(cfg.ContextBytes)
		m.contexts = p.contexts
	}
	if l.Trap {
		for i := range cfg.Slots {
			if err := sigtrap.RegisterReservation(m.slotRange(i)); err != nil {
				m.unregister(i)
				m.unmap()
				return nil, fmt.Errorf("pool: %w", err)
			}
			m.registered = i + 1
		}
	}
	// Every memory in a slot holds the pool: once the pool is
	// unreachable, no slot is in use, and the mapping can go.
	runtime.AddCleanup(p, poolMapping.unmap, m)
	return p, nil
}

// poolMapping is a pool's mapping, for its cleanup.
type poolMapping struct {
	mem        []byte
	stride     uint64
	slots      int
	guardAfter uint64
	registered int // slots registered with the signal handler
	contexts   []byte
}

// slotRange is slot i's range as the signal handler knows it: its guard
// before and its room (the next slot's guard is its guard after), and for
// the last slot the final guard too.
func (m poolMapping) slotRange(i int) (uintptr, uintptr) {
	// mem is outside the Go heap and stays mapped until unmap.
	start := uintptr(unsafe.Pointer(&m.mem[0])) + uintptr(uint64(i)*m.stride)
	size := m.stride
	if i == m.slots-1 {
		size += m.guardAfter
	}
	return start, uintptr(size)
}

// unregister removes slots [0, n) from the signal handler's table.
func (m poolMapping) unregister(n int) {
	for i := range n {
		sigtrap.UnregisterReservation(m.slotRange(i))
	}
}

// unmap unregisters and unmaps the pool and returns its charge.
func (m poolMapping) unmap() {
	m.unregister(m.registered)
	_ = unix.Munmap(m.mem)
	vm.ReleaseSpace(uint64(len(m.mem)), 1)
	if m.contexts != nil {
		_ = unix.Munmap(m.contexts)
		vm.ReleaseSpace(uint64(len(m.contexts)), 1)
	}
}

// contextStride is a slot's context region's size: n rounded up to 64
// bytes, so that every region starts aligned for any Go type.
func contextStride(n int) int { return (n + 63) &^ 63 }

// mapContexts maps the context regions of cfg's slots, back to back,
// read+write (the kernel commits a page when it is first touched).
func mapContexts(cfg SlotConfig) ([]byte, error) {
	page := unix.Getpagesize()
	total := uint64((cfg.Slots*contextStride(cfg.ContextBytes) + page - 1) &^ (page - 1))
	if err := vm.ReserveSpace(cfg.Layout.Limits, "the context regions of a pool's slots", total, 1); err != nil {
		return nil, err
	}
	mem, err := unix.Mmap(-1, 0, int(total), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		vm.ReleaseSpace(total, 1)
		return nil, &vm.SpaceError{What: "the context regions of a pool's slots", Bytes: total, Mappings: 1, InUse: vm.SpaceInUse(), Err: err}
	}
	return mem, nil
}

// context is slot i's context region, or nil when the pool has none.
func (p *Slots) context(i int32) []byte {
	if p.contexts == nil {
		return nil
	}
	off := int(i) * p.ctxBytes
	return p.contexts[off : off+p.ctxBytes : off+p.ctxBytes]
}

// byte0 is the offset of slot i's byte 0 in mem.
func (p *Slots) byte0(i int32) uint64 { return uint64(i)*p.stride + p.cfg.Layout.GuardBefore }

// pages is slot i's bytes [from, to) from byte 0.
func (p *Slots) pages(i int32, from, to uint64) []byte {
	off := p.byte0(i)
	return p.mem[off+from : off+to]
}

// NewMemory takes a free slot for a memory of type t (its minimum size,
// capped at limitPages, and at the slot's room), with img, if not nil,
// at byte 0. The memory is made in room when it is not nil (see
// vm.MemoryRoom).
func (p *Slots) NewMemory(t *wasm.MemoryType, limitPages uint32, img *Image, room *vm.MemoryRoom) (*vm.Memory, error) {
	length := t.Limits.Min * wasm.PageSize
	l := p.cfg.Layout
	if t.Limits.Min > l.Reserve/wasm.PageSize {
		return nil, fmt.Errorf("pool: a memory of %d pages does not fit in a slot of %#x bytes", t.Limits.Min, l.Reserve)
	}
	if img != nil && img.Size() > length {
		return nil, fmt.Errorf("pool: memory image of %#x bytes is larger than the memory (%#x)", img.Size(), length)
	}
	i, err := p.acquire(img)
	if err != nil {
		return nil, err
	}
	if err := p.prepare(i, img, length); err != nil {
		p.give(i, 0, false, true)
		return nil, err
	}
	region := p.mem[p.byte0(i)-l.GuardBefore : p.byte0(i)+l.Reserve+l.GuardAfter]
	return vm.NewSlotMemory(t, limitPages, l, region, length, &p.handles[i], room)
}

// acquire takes a free slot: a warm one, preferring one that holds img,
// or else a pristine one. Taking and giving back slots take no common
// lock (FreeList): the count of slots in use is reserved first, so once
// it fits a free slot exists or is being given back.
func (p *Slots) acquire(img *Image) (int32, error) {
	if p.inUse.Add(1) > int64(len(p.state)) {
		p.inUse.Add(-1)
		return 0, fmt.Errorf("%w (%d)", ErrExhausted, p.cfg.Slots)
	}
	holds := func(i int32) bool { st := &p.state[i]; return st.img == img || (img != nil && st.copied == img) }
	for {
		if i, ok := p.warmFree.Take(holds, affinityScan); ok {
			p.state[i].warm = false
			p.warm.Add(-1)
			return i, nil
		}
		if i, ok := p.coldFree.Take(nil, 0); ok {
			return i, nil
		}
		if p.drainQueue() {
			continue // the slots waiting for their reset are free now
		}
		// A slot counted free is still on its way back (give counts it
		// free after putting it in a list): wait for it.
		runtime.Gosched()
	}
}

// imageMappings is what an image mapped into a slot in explicit mode
// adds to the kernel's mappings: it splits the pool's mapping in two more.
const imageMappings = 2

// mapBudget is how many images a pool in explicit mode maps into its
// slots at most: a quarter of the mappings left under l when it is made
// (about 7,000 images under the default vm.max_map_count; the rest stay
// for the process, other pools, stacks and code, and each image is
// charged as well, since others map and unmap meanwhile).
func mapBudget(l vm.Limits) int64 {
	if l.Mappings == 0 {
		l.Mappings = vm.DefaultLimits().Mappings
	}
	return max(0, int64(l.Mappings-vm.SpaceInUse().Mappings)/4/imageMappings)
}

// prepare maps img into slot i, whose pages are reset, and leaves exactly
// its first length bytes accessible. In explicit mode, images are copied
// rather than mapped where mapping would split the pool's one mapping
// too often: a small one always (a slot that still holds it from the
// module's last instance needs no copy at all, or only of what its last
// reset gave back), a larger one once the pool's images have taken their
// share of the process's mappings (mapImage).
func (p *Slots) prepare(i int32, img *Image, length uint64) error {
	st := &p.state[i]
	mapped, copied := img, (*Image)(nil)
	if img != nil && p.cfg.Accessible && st.img != img &&
		(img.copyable(p.copyLimit) || st.copied == img || !p.chargeImage()) {
		mapped, copied = nil, img
	}
	if st.copied != nil && st.copied != copied {
		// Another module's data: back to zero first (explicit mode, so
		// every byte is accessible; the rest of the slot is zero).
		p.zeroCopied(i)
	}
	if st.img != mapped {
		if st.img != nil {
			if err := p.anonymous(i, st.img.Size()); err != nil {
				p.unchargeImage(mapped != nil && p.cfg.Accessible)
				return err
			}
			st.img = nil
			p.unchargeSlot(i)
		}
		if mapped != nil {
			b := p.pages(i, 0, mapped.Size())
			if _, err := unix.MmapPtr(mapped.FD(), 0, unsafe.Pointer(&b[0]), uintptr(len(b)),
				unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED); err != nil {
				p.unchargeImage(p.cfg.Accessible)
				// Each image mapped into a slot splits the pool's mapping
				// (two more): past vm.max_map_count the kernel refuses.
				return &vm.SpaceError{What: "a memory image in a pool's slot", Bytes: uint64(len(b)), Mappings: 2, InUse: vm.SpaceInUse(), Err: err}
			}
			st.img = mapped
			st.charged = p.cfg.Accessible
			st.accessible = max(st.accessible, mapped.Size())
		}
	}
	if !p.cfg.Accessible {
		switch {
		case st.accessible < length:
			if err := unix.Mprotect(p.pages(i, st.accessible, length), unix.PROT_READ|unix.PROT_WRITE); err != nil {
				return fmt.Errorf("pool: committing a slot: %w", err)
			}
		case st.accessible > length:
			if err := unix.Mprotect(p.pages(i, length, st.accessible), unix.PROT_NONE); err != nil {
				return fmt.Errorf("pool: protecting a slot: %w", err)
			}
		}
		st.accessible = length
	}
	if copied != nil {
		if st.copied != copied {
			st.copied, st.intact = copied, 0
		}
		if st.intact < copied.Size() {
			// The slot holds zeros from intact on: copy the rest.
			if err := copied.copyTo(p.pages(i, 0, copied.Size()), st.intact); err != nil {
				return err
			}
			st.intact = copied.Size()
		}
	}
	return nil
}

// chargeImage charges an image mapping against the pool's budget and the
// process's mappings, and reports whether it may be mapped. A refusal
// from the process's count sets the pool's budget to what it holds, so
// that later images are copied without asking again.
func (p *Slots) chargeImage() bool {
	if p.mapped.Add(1) > p.mapCap.Load() {
		p.mapped.Add(-1)
		return false
	}
	if vm.ReserveSpace(p.cfg.Layout.Limits, "a memory image in a pool's slot", 0, imageMappings) != nil {
		p.mapCap.Store(p.mapped.Add(-1))
		return false
	}
	return true
}

// unchargeImage returns chargeImage's charge when charged is set.
func (p *Slots) unchargeImage(charged bool) {
	if charged {
		p.mapped.Add(-1)
		vm.ReleaseSpace(0, imageMappings)
	}
}

// unchargeSlot returns the charge of the image slot i mapped, if any.
func (p *Slots) unchargeSlot(i int32) {
	st := &p.state[i]
	p.unchargeImage(st.charged)
	st.charged = false
}

// zeroCopied returns the pages of slot i's copied image that are still
// whole to zero; the slot then holds no copied image.
func (p *Slots) zeroCopied(i int32) {
	st := &p.state[i]
	for _, r := range st.copied.runs {
		if r.from < st.intact {
			restore(p.pages(i, r.from, min(r.to, st.intact)), nil)
		}
	}
	st.copied, st.intact = nil, 0
}

// anonymous replaces slot i's first n bytes with fresh anonymous pages,
// read+write in explicit mode and inaccessible in guard-page mode.
func (p *Slots) anonymous(i int32, n uint64) error {
	prot := unix.PROT_NONE
	if p.cfg.Accessible {
		prot = unix.PROT_READ | unix.PROT_WRITE
	}
	b := p.pages(i, 0, n)
	if _, err := unix.MmapPtr(-1, 0, unsafe.Pointer(&b[0]), uintptr(n), prot,
		unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_FIXED|unix.MAP_NORESERVE); err != nil {
		return fmt.Errorf("pool: resetting a slot: %w", err)
	}
	if !p.cfg.Accessible {
		p.state[i].accessible = 0
	}
	return nil
}

// give takes slot i back: its memory's first n bytes are reset (reset);
// a slot past the warm bound, or one whose state is unknown (cold), is
// returned to its pristine state.
func (p *Slots) give(i int32, n uint64, leaked, cold bool) {
	st := &p.state[i]
	// The context region goes back empty: the next holder's instance
	// sees nothing of this one's context.
	if st.region.Load() == regionLent {
		clear(p.context(i))
		st.region.Store(regionFree)
	}
	if !cold {
		if p.warm.Add(1) > int64(p.cfg.MaxWarm) {
			p.warm.Add(-1)
			cold = true
		} else {
			st.warm = true
		}
	}
	if leaked {
		p.leaked.Add(1)
	}
	switch {
	case cold:
		p.release(i, n)
	case p.queues(i, n):
		// Reset with others, and made free then (reset_batch_linux.go).
		p.enqueue(i, n)
		p.inUse.Add(-1)
		return
	default:
		p.reset(i, n)
	}
	if cold {
		p.coldFree.Put(i)
	} else {
		p.warmFree.Put(i)
	}
	p.inUse.Add(-1)
}

// release returns slot i, whose memory had n bytes, to its pristine state:
// every page it or an earlier memory kept resident goes back to the
// kernel, and what is mapped over the pool's own mapping is re-mapped.
func (p *Slots) release(i int32, n uint64) {
	st := &p.state[i]
	if n = max(n, st.kept); n > 0 {
		_ = unix.Madvise(p.pages(i, 0, n), unix.MADV_DONTNEED)
	}
	st.copied, st.intact, st.kept = nil, 0, 0
	if rest := max(st.accessible, imageSize(st.img)); rest > 0 && (!p.cfg.Accessible || st.img != nil) {
		if p.anonymous(i, rest) == nil {
			st.img = nil
			p.unchargeSlot(i)
		}
	}
}

func imageSize(img *Image) uint64 {
	if img == nil {
		return 0
	}
	return img.Size()
}

// Stats counts the slots in use, the free ones kept warm, and the slots
// taken back from memories dropped without being freed (a leak the
// embedder made: the garbage collector's cleanup reclaimed them).
type Stats struct {
	InUse, Warm, Leaked int
}

// Stats reports the pool's counts.
func (p *Slots) Stats() Stats {
	return Stats{InUse: int(p.inUse.Load()), Warm: int(p.warm.Load()), Leaked: int(p.leaked.Load())}
}

// Len is how many slots the pool holds.
func (p *Slots) Len() int { return len(p.state) }

// slot is a vm.Slot: slot i of p.
type slot struct {
	p *Slots
	i int32
}

func (s *slot) Commit(from, to uint64) error {
	p := s.p
	st := &p.state[s.i]
	if p.cfg.Accessible || to <= st.accessible {
		return nil
	}
	if err := unix.Mprotect(p.pages(s.i, max(from, st.accessible), to), unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return err
	}
	st.accessible = to
	return nil
}

func (s *slot) Revoke(n uint64) {
	p := s.p
	st := &p.state[s.i]
	b := p.pages(s.i, 0, n)
	if !p.cfg.Accessible {
		_ = unix.Mprotect(b, unix.PROT_NONE)
		st.accessible = 0
	}
	_ = unix.Madvise(b, unix.MADV_DONTNEED)
	if n > 0 {
		// A copied image lies below the memory's length: its pages are
		// zero now, and the module's next instance copies it again.
		st.copied, st.intact = nil, 0
	}
}

func (s *slot) Free(n uint64, leaked bool) { s.p.give(s.i, n, leaked, false) }

func (s *slot) Record() *vm.SlotRecord { return &s.p.records[s.i] }

func (s *slot) Context() []byte {
	r := &s.p.state[s.i].region
	if r.Load() == regionLent || r.CompareAndSwap(regionFree, regionLent) {
		// Lent before to this holder, or now: only the slot's holder
		// lends its region. (Asked several times per instantiation: the
		// load first spares the asks after the first a locked
		// instruction.)
		return s.p.context(s.i)
	}
	return nil // detached by an earlier holder
}

// regionOf is the slot whose context region holds addr, or -1.
func (p *Slots) regionOf(addr uintptr) int32 {
	if p.contexts == nil {
		return -1
	}
	base := uintptr(unsafe.Pointer(&p.contexts[0]))
	if addr < base || addr-base >= uintptr(len(p.handles)*p.ctxBytes) {
		return -1
	}
	return int32((addr - base) / uintptr(p.ctxBytes))
}

// DetachContext keeps the context region that holds addr, lent to its
// slot's holder, from going back with the slot: give leaves it as it is,
// and the slot's next holders get none, until ReleaseContext. The caller
// is the slot's holder, before it gives the slot back. It reports false
// when addr is in no region lent.
func (p *Slots) DetachContext(addr uintptr) bool {
	i := p.regionOf(addr)
	return i >= 0 && p.state[i].region.CompareAndSwap(regionLent, regionDetached)
}

// ReleaseContext zeroes the detached context region that holds addr and
// makes it free for its slot's holders (the one holding the slot now, if
// any, asks for it from then on).
func (p *Slots) ReleaseContext(addr uintptr) {
	i := p.regionOf(addr)
	if i < 0 || p.state[i].region.Load() != regionDetached {
		return
	}
	clear(p.context(i))
	p.state[i].region.Store(regionFree)
}
