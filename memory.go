package moat

import (
	"encoding/binary"
	"fmt"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Memory is a linear memory. Offsets are bytes; sizes are 64 KiB pages.
// Accessors return ok=false instead of reading or writing out of bounds.
type Memory struct {
	store storeRef
	mem   *vm.Memory
	// typ is mem's type, read when the handle is made: the handle of a
	// closed store reads it while mem may be rewritten for the next
	// store's instance (the state's recycling), and it never changes.
	typ *wasm.MemoryType
}

// NewMemory makes a zeroed memory of t.Limits.Min pages in store s, capped
// by the engine's MaxMemoryPages.
func NewMemory(s *Store, t MemoryType) (*Memory, error) {
	bound := uint64(wasm.MaxPages)
	if t.Is64 {
		bound = wasm.MaxPages64
	}
	if err := checkLimits("memory", t.Limits, bound); err != nil {
		return nil, err
	}
	if err := s.engine.checkMemoryMin(t.Limits.Min); err != nil {
		return nil, err
	}
	// The store's counts change: only while no call runs.
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := s.checkMemory(t.Limits.Min); err != nil {
		return nil, err
	}
	if l := s.limits().Memories; l > 0 && int(s.counts.memories) >= l {
		return nil, limitError("the store holds %d memories, its limit", l)
	}
	mem := vm.NewMemory(ptrTo(t.internal()), s.engine.cfg.MaxMemoryPages)
	s.limitMemory(mem)
	s.counts.memories++
	return &Memory{store: s.storeRef, mem: mem, typ: mem.Type}, nil
}

// checkMemoryMin refuses a memory whose initial size passes the engine's
// limit, or the 4 GiB every memory is held to at run time (a 64-bit
// memory's type may declare more, up to 2^48 pages, but it cannot grow
// past what the host gives it).
func (e *Engine) checkMemoryMin(pages uint64) error {
	limit := uint64(wasm.MaxPages)
	if l := e.cfg.MaxMemoryPages; l != 0 && uint64(l) < limit {
		limit = uint64(l)
	}
	if p := e.cfg.Pooling; p != nil && e.cfg.Engine == EngineCompiler && p.MaxMemorySize != 0 {
		limit = min(limit, p.MaxMemorySize/wasm.PageSize)
	}
	if pages > limit {
		return fmt.Errorf("%w: memory of %d pages, the limit is %d", ErrResourceLimit, pages, limit)
	}
	return nil
}

func checkLimits(what string, l Limits, most uint64) error {
	if l.Min > most || (l.HasMax && l.Max > most) {
		return fmt.Errorf("moat: %s size must be at most %d", what, most)
	}
	if l.HasMax && l.Max < l.Min {
		return fmt.Errorf("moat: %s maximum %d is below its minimum %d", what, l.Max, l.Min)
	}
	return nil
}

// Type returns the memory's type (its declared limits).
func (m *Memory) Type() MemoryType { return fromMemoryType(*m.typ) }

// Size is the current size in pages (0 once the store is closed, or
// while another goroutine has a call running in it).
func (m *Memory) Size() uint32 {
	if m.store.enter() != nil {
		return 0
	}
	defer m.store.leave()
	return m.mem.Pages() // the length alone: nothing handed out
}

// enterBytes enters the memory's store and returns its contents; false,
// with nothing entered, once the store is closed (the vm.Memory may then
// hold another store's memory: it is recycled with its instance's state)
// and while another goroutine has a call running in the store (which may
// be closing it). A host function enters nested in its own call. A true
// is paired with a leave, after the access: a store cannot close, and its
// memory go to another store, while it is entered. The memory is marked
// written (its slot's reset then looks at its pages), as a slice handed
// out may be written at any time until the store closes.
func (m *Memory) enterBytes() ([]byte, bool) {
	if m.store.enter() != nil {
		return nil, false
	}
	m.mem.Written = true
	return m.mem.Bytes, true
}

// Grow adds delta pages, returning the previous size, or ok=false when the
// memory would pass its maximum or the engine's limit, and (with a size of
// 0, as Size reads then) while another goroutine has a call running in the
// memory's store or once it is closed.
func (m *Memory) Grow(delta uint32) (previous uint32, ok bool) {
	if m.store.enter() != nil {
		return 0, false
	}
	defer m.store.leave()
	return m.mem.Grow(delta)
}

// Bytes is the whole memory. The slice is invalidated by growth (by Grow or
// by the guest's memory.grow): take it again after any call into wasm.
// A closed store's memory has none, and neither has one whose store
// another goroutine has a call running in.
func (m *Memory) Bytes() []byte {
	b, ok := m.enterBytes()
	if ok {
		m.store.leave()
	}
	return b
}

// Read returns a view of n bytes at offset, with the same validity as Bytes.
func (m *Memory) Read(offset, n uint32) ([]byte, bool) {
	b, ok := m.enterBytes()
	if !ok {
		return nil, false
	}
	defer m.store.leave()
	return window(b, offset, n)
}

// window is n bytes of b at offset, or false when they do not fit.
func window(b []byte, offset, n uint32) ([]byte, bool) {
	end := uint64(offset) + uint64(n)
	if end > uint64(len(b)) {
		return nil, false
	}
	return b[offset:end:end], true
}

// Write copies b into memory at offset; nothing is written unless all fits.
func (m *Memory) Write(offset uint32, b []byte) bool {
	mb, ok := m.enterBytes()
	if !ok {
		return false
	}
	defer m.store.leave()
	if uint64(offset)+uint64(len(b)) > uint64(len(mb)) {
		return false
	}
	copy(mb[offset:], b)
	return true
}

// The fixed-size accessors read and write under the store's mark (see
// enterBytes): the bytes are the store's until it leaves.

// ReadUint8 reads one byte.
func (m *Memory) ReadUint8(offset uint32) (byte, bool) {
	mb, ok := m.enterBytes()
	if !ok {
		return 0, false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 1); ok {
		return b[0], true
	}
	return 0, false
}

// WriteUint8 writes one byte.
func (m *Memory) WriteUint8(offset uint32, v byte) bool {
	mb, ok := m.enterBytes()
	if !ok {
		return false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 1); ok {
		b[0] = v
		return true
	}
	return false
}

// ReadUint16Le reads a little-endian uint16.
func (m *Memory) ReadUint16Le(offset uint32) (uint16, bool) {
	mb, ok := m.enterBytes()
	if !ok {
		return 0, false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 2); ok {
		return binary.LittleEndian.Uint16(b), true
	}
	return 0, false
}

// WriteUint16Le writes a little-endian uint16.
func (m *Memory) WriteUint16Le(offset uint32, v uint16) bool {
	mb, ok := m.enterBytes()
	if !ok {
		return false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 2); ok {
		binary.LittleEndian.PutUint16(b, v)
		return true
	}
	return false
}

// ReadUint32Le reads a little-endian uint32.
func (m *Memory) ReadUint32Le(offset uint32) (uint32, bool) {
	mb, ok := m.enterBytes()
	if !ok {
		return 0, false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 4); ok {
		return binary.LittleEndian.Uint32(b), true
	}
	return 0, false
}

// WriteUint32Le writes a little-endian uint32.
func (m *Memory) WriteUint32Le(offset uint32, v uint32) bool {
	mb, ok := m.enterBytes()
	if !ok {
		return false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 4); ok {
		binary.LittleEndian.PutUint32(b, v)
		return true
	}
	return false
}

// ReadUint64Le reads a little-endian uint64.
func (m *Memory) ReadUint64Le(offset uint32) (uint64, bool) {
	mb, ok := m.enterBytes()
	if !ok {
		return 0, false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 8); ok {
		return binary.LittleEndian.Uint64(b), true
	}
	return 0, false
}

// WriteUint64Le writes a little-endian uint64.
func (m *Memory) WriteUint64Le(offset uint32, v uint64) bool {
	mb, ok := m.enterBytes()
	if !ok {
		return false
	}
	defer m.store.leave()
	if b, ok := window(mb, offset, 8); ok {
		binary.LittleEndian.PutUint64(b, v)
		return true
	}
	return false
}

// ReadFloat32Le reads a little-endian float32.
func (m *Memory) ReadFloat32Le(offset uint32) (float32, bool) {
	v, ok := m.ReadUint32Le(offset)
	return DecodeF32(uint64(v)), ok
}

// WriteFloat32Le writes a little-endian float32.
func (m *Memory) WriteFloat32Le(offset uint32, v float32) bool {
	return m.WriteUint32Le(offset, uint32(EncodeF32(v)))
}

// ReadFloat64Le reads a little-endian float64.
func (m *Memory) ReadFloat64Le(offset uint32) (float64, bool) {
	v, ok := m.ReadUint64Le(offset)
	return DecodeF64(v), ok
}

// WriteFloat64Le writes a little-endian float64.
func (m *Memory) WriteFloat64Le(offset uint32, v float64) bool {
	return m.WriteUint64Le(offset, EncodeF64(v))
}
