package compiler

import (
	"fmt"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// instance is an instance's native state: its context and the arrays the
// context points at. inst.Engine holds it, which keeps them alive.
type instance struct {
	// context is ctx's storage: one allocation with the instance.
	context vm.Context
	inst    *vm.Instance
	mc      *moduleCode
	refs    *storeRefs
	ctx     *vm.Context
	mem     *vm.Memory // memory 0 or nil
	// memories are the descriptors of every memory (abi.MemoryDesc*):
	// base and length words per memory index.
	memories []uint64
	globals  []uint64 // cell address per global index
	tables   []uint64 // descriptors: elements address, length
	funcs    []uint64 // descriptor address per function index
	runner   *vm.Runner
	// caught is the exception the code last caught: the context's payload
	// address points into it (exceptions.go).
	caught *vm.Exception
}

// boundFunc is vm.Function.Code of a compiled function.
type boundFunc struct {
	st    *instance
	entry uintptr // entry stub address
}

// Bind builds inst's native context and attaches the code.
func (mc *moduleCode) Bind(inst *vm.Instance) error {
	m := mc.m
	if uint32(len(inst.Funcs)) != m.NumFuncs() {
		return fmt.Errorf("compiler: instance has %d functions, module %d", len(inst.Funcs), m.NumFuncs())
	}
	if inst.Store == nil {
		return fmt.Errorf("compiler: instance without a store")
	}
	refs, ok := inst.Store.RefCodec().(*storeRefs)
	if !ok || refs.eng != mc.eng {
		return fmt.Errorf("compiler: the store was not made by this engine")
	}
	if mc.eng.guard {
		// Guard pages need the handler in front of the Go runtime's.
		if err := vm.EnsureFaultTraps(); err != nil {
			return fmt.Errorf("compiler: %w", err)
		}
	}
	st := &instance{inst: inst, mc: mc, refs: refs}
	st.ctx = &st.context
	st.ctx.UseFuel(&inst.Store.Fuel)
	// Every memory is mapped where it can grow without moving, so its
	// base address is fixed in the context and the descriptors.
	st.memories = make([]uint64, max(2*len(inst.Memories), 2))
	for i, mem := range inst.Memories {
		if err := mem.MapNative(mc.eng.layoutOf(m.MemoryTypeOf(uint32(i)))); err != nil {
			return err
		}
		st.memories[2*i+abi.MemoryDescBase/8] = uint64(mem.Base())
	}
	st.ctx.Memories = uintptr(unsafe.Pointer(&st.memories[0]))
	if len(inst.Memories) > 0 {
		st.mem = inst.Memories[0]
		st.ctx.MemoryBase = st.mem.Base()
	}
	// The globals' cells, the table descriptors and the function table in
	// one allocation (each at least one word, so that its address exists).
	nGlobals, nTables, nFuncs := max(len(inst.Globals), 1), max(2*len(inst.Tables), 2), max(len(inst.Funcs), 1)
	words := make([]uint64, nGlobals+nTables+nFuncs)
	st.globals = words[:nGlobals:nGlobals]
	for i, g := range inst.Globals {
		st.globals[i] = uint64(uintptr(unsafe.Pointer(&g.Lo)))
	}
	st.ctx.GlobalsBase = uintptr(unsafe.Pointer(&st.globals[0]))
	st.tables = words[nGlobals : nGlobals+nTables : nGlobals+nTables]
	st.ctx.TablesBase = uintptr(unsafe.Pointer(&st.tables[0]))
	for i, f := range inst.Funcs {
		if f == nil {
			return fmt.Errorf("compiler: function %d is not resolved", i)
		}
	}
	bound := make([]boundFunc, len(m.Funcs)) // one allocation for all
	for i := range m.Funcs {
		f := inst.Funcs[m.NumImportedFuncs+uint32(i)]
		bound[i] = boundFunc{st: st, entry: mc.code.Addr() + uintptr(mc.tables.entry(i))}
		f.Code = &bound[i]
	}
	st.funcs = words[nGlobals+nTables:]
	stubs := mc.hostStubs()
	for i, f := range inst.Funcs {
		ref, err := inst.Store.Ref(f)
		if err != nil {
			return fmt.Errorf("compiler: function %d: %w", i, err)
		}
		st.funcs[i] = ref
		if i >= int(m.NumImportedFuncs) {
			d := refs.desc(ref)
			def := i - int(m.NumImportedFuncs)
			d[abi.FuncDescCode/8] = uint64(mc.code.Addr() + uintptr(mc.tables.funcStart(def)))
			d[abi.FuncDescContext/8] = uint64(uintptr(unsafe.Pointer(st.ctx)))
			d[abi.FuncDescTypeID/8] = uint64(mc.typeIDs[m.Funcs[def]])
			d[abi.FuncDescHostCall/8] = uint64(stubs[m.Funcs[def]])
		}
	}
	st.ctx.FuncTable = uintptr(unsafe.Pointer(&st.funcs[0]))
	if len(mc.typeIDs) > 0 {
		// mc outlives st (st holds it), so the array stays put and alive.
		st.ctx.TypeIDs = uintptr(unsafe.Pointer(&mc.typeIDs[0]))
	}
	st.runner = &vm.Runner{
		PollInterval: mc.eng.cfg.PollInterval,
		EpochPolls:   mc.eng.epoch,
		HostCall:     st.hostCall,
		Exit:         st.exit,
		Trap:         st.trap,
		Unwind:       st.unwind,
		Fault:        st.fault,
	}
	st.refresh()
	inst.Engine = st
	inst.Exec = executor{}
	return nil
}

// refresh copies what may have changed behind the code's back (memory
// grown by a host function or another instance, tables grown or moved)
// into the context and the table descriptors. It runs before every entry
// and after every exit that may have run other code.
func (st *instance) refresh() {
	st.refreshGC()
	if st.mem != nil {
		st.ctx.MemoryLen = uint64(len(st.mem.Bytes))
	}
	for i, mem := range st.inst.Memories {
		st.memories[2*i+abi.MemoryDescLen/8] = uint64(len(mem.Bytes))
	}
	for i, t := range st.inst.Tables {
		var addr uint64
		if len(t.Elems) > 0 {
			addr = uint64(uintptr(unsafe.Pointer(&t.Elems[0])))
		}
		st.tables[2*i+abi.TableDescElems/8] = addr
		st.tables[2*i+abi.TableDescLen/8] = uint64(len(t.Elems))
	}
}

// refreshGC gives the code the store heap's base, the instance's type ids
// and the current hole to allocate in (abi.CtxGCBase, CtxGCTypes,
// CtxGCCursor, CtxGCEnd).
func (st *instance) refreshGC() {
	store := st.inst.Store
	st.ctx.GCBase = store.GCBase()
	if ids := st.inst.GCTypes; len(ids) > 0 {
		// The instance holds its ids for its life, and st lives no
		// longer than the instance: the array stays put and alive.
		st.ctx.GCTypes = uintptr(unsafe.Pointer(&ids[0]))
	}
	st.ctx.GCCursor, st.ctx.GCEnd = store.GCBump()
	st.ctx.GCDisplays = store.GCDisplays()
}

// syncGC takes back the cursor of the code's inline allocations before Go
// code may use the heap: at every exit that runs Go code on the store and
// when a run ends.
func (st *instance) syncGC() { st.inst.Store.AdoptGCBump(st.ctx.GCCursor) }

// payloadAddr is the address of an exception's payload words for the
// catching code to read. The caller keeps the exception alive
// (instance.caught) until the code has read them; Go heap objects do not
// move.
func payloadAddr(p []uint64) uintptr { return uintptr(unsafe.Pointer(&p[0])) }
