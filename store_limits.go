package moat

import (
	"fmt"
	"math"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// StoreLimits bounds what one store may hold, so that one tenant cannot
// take what an engine shares between many (Wasmtime's StoreLimits). A zero
// field sets no limit beyond the engine's. Exceeding a limit when
// instantiating (or in NewMemory, NewTable) is an error wrapping
// ErrResourceLimit; growing a memory or table past one fails as the spec
// allows: memory.grow and table.grow return -1, Memory.Grow and Table.Grow
// report failure.
type StoreLimits struct {
	// MemorySize is the most bytes any one linear memory may have.
	MemorySize uint64
	// TableElements is the most elements any one table may have.
	TableElements uint64
	// Instances is the most instances alive in the store at once
	// (Instance.Close makes room).
	Instances int
	// Memories and Tables are the most memories and tables the store's
	// instances may define, with those made by NewMemory and NewTable.
	Memories int
	Tables   int
	// WasmStack is the most bytes of stack the wasm frames of one call
	// chain into the store may use, below the engine's
	// Config.MaxWasmStack (a larger value leaves the engine's); deeper
	// calls trap with TrapStackExhausted.
	WasmStack int
}

// storeCounts is what the limits are checked against.
type storeCounts struct {
	instances, memories, tables int32
}

// SetLimits sets the store's limits. They apply to what is made or grown
// afterwards: set them before instantiating. It fails with ErrStoreBusy
// while a call runs in the store and with ErrClosed once it is closed.
func (s *Store) SetLimits(l StoreLimits) error {
	if l.Instances < 0 || l.Memories < 0 || l.Tables < 0 || l.WasmStack < 0 {
		return fmt.Errorf("moat: SetLimits: negative limit in %+v", l)
	}
	if err := s.enterOpen(); err != nil {
		return err
	}
	defer s.leave()
	s.rareState().limits, s.limited = l, true
	// Above the engines' limits (at most 1 GiB), a limit leaves theirs.
	s.vs.MaxStackBytes = int32(min(l.WasmStack, math.MaxInt32))
	return nil
}

// Limits returns the store's limits.
func (s *Store) Limits() StoreLimits {
	if s.enter() != nil {
		return StoreLimits{} // a closed store's state may serve another store now
	}
	defer s.leave()
	return *s.limits()
}

// noLimits is the limits of a store without any (read only).
var noLimits StoreLimits

// limits bound what the store may hold (SetLimits).
func (s *storeState) limits() *StoreLimits {
	if !s.limited {
		return &noLimits
	}
	return &s.rare.limits
}

// limitError is the error for a store limit exceeded.
func limitError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrResourceLimit}, args...)...)
}

// checkInstantiation refuses an instantiation of m that would pass the
// store's limits.
func (s *storeState) checkInstantiation(m *wasm.Module) error {
	l, n := s.limits(), s.counts
	switch {
	case l.Instances > 0 && int(n.instances)+1 > l.Instances:
		return limitError("the store holds %d instances, its limit", l.Instances)
	case l.Memories > 0 && int(n.memories)+len(m.Memories) > l.Memories:
		return limitError("%d more memories would pass the store's limit of %d (it holds %d)", len(m.Memories), l.Memories, n.memories)
	case l.Tables > 0 && int(n.tables)+len(m.Tables) > l.Tables:
		return limitError("%d more tables would pass the store's limit of %d (it holds %d)", len(m.Tables), l.Tables, n.tables)
	}
	for _, t := range m.Memories {
		if err := s.checkMemory(t.Limits.Min); err != nil {
			return err
		}
	}
	for _, t := range m.Tables {
		if err := s.checkTable(t.Type.Limits.Min); err != nil {
			return err
		}
	}
	return nil
}

// checkMemory refuses a memory of min pages past the store's limit.
func (s *storeState) checkMemory(min uint64) error {
	if max := s.limits().MemorySize; max != 0 && min > max/wasm.PageSize {
		return limitError("memory of %d pages, the store's limit is %d bytes", min, max)
	}
	return nil
}

// checkTable refuses a table of min elements past the store's limit.
func (s *storeState) checkTable(min uint64) error {
	if max := s.limits().TableElements; max != 0 && min > max {
		return limitError("table of %d elements, the store's limit is %d", min, max)
	}
	return nil
}

// limitMemory caps a memory the store makes at its limit.
func (s *storeState) limitMemory(m *vm.Memory) {
	if max := s.limits().MemorySize; max != 0 {
		m.Limit = uint32(min(uint64(m.Limit), max/wasm.PageSize))
	}
}

// limitTable caps a table the store makes at its limit.
func (s *storeState) limitTable(t *vm.Table) {
	if max := s.limits().TableElements; max != 0 {
		t.Limit = uint32(min(uint64(t.Limit), max))
	}
}
