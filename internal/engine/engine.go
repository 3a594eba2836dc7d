package engine

import (
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Engine compiles validated modules. One Engine serves many modules and
// instances concurrently; it keeps no per-instance state.
type Engine interface {
	// Compile prepares code for every defined function of m, which the
	// validator has accepted. The result is shared by all instances of m.
	Compile(m *wasm.Module) (Code, error)
}

// BodyValidating is implemented by engines that validate function bodies
// as they compile them, in one walk over each body instead of two.
// CompileValidating is Compile for a module of which only the module-level
// parts are validated (validate.ModuleDeferred); when a body is invalid,
// its error is the one validate.ModuleFeatures would have returned.
type BodyValidating interface {
	CompileValidating(m *wasm.Module, d *validate.Deferred) (Code, error)
}

// Code is a module's compiled code.
type Code interface {
	// Bind sets Code on each function that inst defines and sets
	// inst.Engine to the instance's state, a vm.Executor (inst.Exec), so
	// inst can run. Imports are already resolved; segments are not yet
	// applied.
	Bind(inst *vm.Instance) error
}

// LazyFunctions is implemented by code whose Bind gives the instance's
// defined functions their references itself, without their vm.Function:
// the public layer then leaves those entries of Instance.Funcs nil, and
// vm.Instance.Func makes each on first use. ReserveFuncRefs runs before
// any initialiser can take one of inst's references: it gives them their
// place (descriptors the module kept from a released store, when it has
// some), so that they do not move when Bind runs. inst.Engine may hold
// the KeptState of the module's last instance in the same vm.Instance.
type LazyFunctions interface {
	LazyFunctions()
	ReserveFuncRefs(inst *vm.Instance) error
}

// KeptState is implemented by an instance's engine state
// (vm.Instance.Engine) that its engine may keep for the next instance of
// the module made in the same vm.Instance: once the instance's store is
// released, Kept reports whether the state was emptied for that (it then
// holds nothing of the released store). The public layer leaves such a
// state in vm.Instance.Engine when it recycles the instance's room, and
// LazyFunctions.ReserveFuncRefs finds it there.
type KeptState interface {
	Kept() bool
}

// StoreMaker is implemented by engines whose stores need engine state from
// the start (the compiler encodes funcrefs as function descriptors). The
// public layer makes every store of such an engine with NewStore.
type StoreMaker interface {
	NewStore() *vm.Store
}

// StoreRecycler is implemented by a StoreMaker whose stores can serve
// again once released (vm.Store.Release): RecycleStore empties s, made by
// NewStore, back to the state NewStore returns it in.
type StoreRecycler interface {
	RecycleStore(s *vm.Store)
}

// ArtifactEngine is implemented by engines whose code can be stored in an
// artifact (internal/artifact) and loaded back without compiling.
type ArtifactEngine interface {
	// Target is what the engine's code depends on, for the artifact
	// header and the cache key.
	Target() artifact.Target
	// ArtifactSections returns the sections that hold c.
	ArtifactSections(c Code) ([]artifact.SectionData, error)
	// LoadArtifact makes the code of m, decoded from f's module section,
	// from f's other sections. f is verified and its header checked.
	LoadArtifact(m *wasm.Module, f *artifact.File) (Code, error)
}

// MemoryMaker is implemented by code that makes the memories its
// instances define itself (the compiler maps them outside the Go heap, with
// the module's data already in place where it can). The public layer calls
// it for each defined memory in order, instead of vm.NewMemory.
type MemoryMaker interface {
	// NewMemory makes defined memory idx (in the module's memory index
	// space) of t.Limits.Min pages, capped at limitPages (0: no cap).
	// withData reports that every active data segment of the module is
	// already applied to it, and that the spec's instantiation could not
	// have trapped before applying them (see pool.PlanImage): the caller
	// then skips them. room, when not nil, is the caller's storage for a
	// memory that takes a pool's slot (vm.MemoryRoom).
	NewMemory(idx uint32, limitPages uint32, room *vm.MemoryRoom) (mem *vm.Memory, withData bool, err error)
}

// TableLender is implemented by compiled code that can lend storage
// outside the Go heap for an instance's first table (the context region
// of the pool slot its memory takes). LendTableRoom returns all-zero room
// for at least elems elements (its capacity all of it) for inst, whose
// memories are made and whose other tables are not, or nil. The room is
// the instance's while its memory holds the slot; the engine keeps it so
// while the instance's code or table may still be reached after the
// instance is closed (engine.InstanceCloser), and the caller marks the
// table (vm.Table.Lent) and never keeps the room past the instance.
type TableLender interface {
	LendTableRoom(inst *vm.Instance, elems uint64) []uint64
}

// InstanceCloser is implemented by an engine's per-instance state
// (vm.Instance.Engine) whose code must be cut off the instance's memories
// when the embedder closes the instance, before they are given back:
// other instances of the store may still call that code. An error leaves
// the code as it was; the embedder then keeps the memories (emptied) until
// the store is closed.
type InstanceCloser interface {
	CloseInstance() error
}

// HostSharer is implemented by engines whose funcref words are their own
// descriptors (the compiler's): ShareHost fills desc, storage as long-lived
// as f, as the descriptor of f, a host function shared by every store of
// the engine (vm.Share), and returns its word.
// ShareDomain is what the engine's stores' codec resolves shared words
// for (vm.SharedFunc): no other engine's stores take them.
type HostSharer interface {
	ShareHost(f *vm.Function, desc []uint64) uint64
	ShareDomain() any
}
