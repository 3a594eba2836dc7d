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
	return &Memory{store: s.storeRef, mem: mem}, nil
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
func (m *Memory) Type() MemoryType { return fromMemoryType(*m.mem.Type) }

// Size is the current size in pages.
func (m *Memory) Size() uint32 {
	if !m.store.live() {
		return 0
	}
	return m.mem.Pages() // the length alone: nothing handed out
}

// bytes is the memory's contents, or nil once its store is closed: the
// vm.Memory may then hold another store's memory (it is recycled with its
// instance's state). Every access to the bytes goes through here, and a
// slice handed out may be written at any time until the store closes: the
// memory is marked written (its slot's reset then looks at its pages).
func (m *Memory) bytes() []byte {
	if !m.store.live() {
		return nil
	}
	m.mem.Written = true
	return m.mem.Bytes
}

// Grow adds delta pages, returning the previous size, or ok=false when the
// memory would pass its maximum or the engine's limit, and while another
// goroutine has a call running in the memory's store.
func (m *Memory) Grow(delta uint32) (previous uint32, ok bool) {
	if m.store.enter() != nil {
		return m.Size(), false
	}
	defer m.store.leave()
	return m.mem.Grow(delta)
}

// Bytes is the whole memory. The slice is invalidated by growth (by Grow or
// by the guest's memory.grow): take it again after any call into wasm.
// A closed store's memory has none.
func (m *Memory) Bytes() []byte { return m.bytes() }

// Read returns a view of n bytes at offset, with the same validity as Bytes.
func (m *Memory) Read(offset, n uint32) ([]byte, bool) {
	b := m.bytes()
	end := uint64(offset) + uint64(n)
	if end > uint64(len(b)) {
		return nil, false
	}
	return b[offset:end:end], true
}

// Write copies b into memory at offset; nothing is written unless all fits.
func (m *Memory) Write(offset uint32, b []byte) bool {
	mb := m.bytes()
	if uint64(offset)+uint64(len(b)) > uint64(len(mb)) {
		return false
	}
	copy(mb[offset:], b)
	return true
}

func (m *Memory) span(offset, n uint32) []byte {
	b, _ := m.Read(offset, n)
	return b
}

// ReadUint8 reads one byte.
func (m *Memory) ReadUint8(offset uint32) (byte, bool) {
	if b := m.span(offset, 1); b != nil {
		return b[0], true
	}
	return 0, false
}

// WriteUint8 writes one byte.
func (m *Memory) WriteUint8(offset uint32, v byte) bool {
	if b := m.span(offset, 1); b != nil {
		b[0] = v
		return true
	}
	return false
}

// ReadUint16Le reads a little-endian uint16.
func (m *Memory) ReadUint16Le(offset uint32) (uint16, bool) {
	if b := m.span(offset, 2); b != nil {
		return binary.LittleEndian.Uint16(b), true
	}
	return 0, false
}

// WriteUint16Le writes a little-endian uint16.
func (m *Memory) WriteUint16Le(offset uint32, v uint16) bool {
	if b := m.span(offset, 2); b != nil {
		binary.LittleEndian.PutUint16(b, v)
		return true
	}
	return false
}

// ReadUint32Le reads a little-endian uint32.
func (m *Memory) ReadUint32Le(offset uint32) (uint32, bool) {
	if b := m.span(offset, 4); b != nil {
		return binary.LittleEndian.Uint32(b), true
	}
	return 0, false
}

// WriteUint32Le writes a little-endian uint32.
func (m *Memory) WriteUint32Le(offset uint32, v uint32) bool {
	if b := m.span(offset, 4); b != nil {
		binary.LittleEndian.PutUint32(b, v)
		return true
	}
	return false
}

// ReadUint64Le reads a little-endian uint64.
func (m *Memory) ReadUint64Le(offset uint32) (uint64, bool) {
	if b := m.span(offset, 8); b != nil {
		return binary.LittleEndian.Uint64(b), true
	}
	return 0, false
}

// WriteUint64Le writes a little-endian uint64.
func (m *Memory) WriteUint64Le(offset uint32, v uint64) bool {
	if b := m.span(offset, 8); b != nil {
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
