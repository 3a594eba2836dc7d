package compiler

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// instance is an instance's native state: its context (in its memory's
// slot, or in own: context.go) and the arrays the context points at.
// inst.Engine holds it, which keeps them alive.
type instance struct {
	inst *vm.Instance
	mc   *moduleCode
	ctx  *vm.Context
	// own is the context's storage when the slot of the instance's memory
	// has none to lend (no pool, no memory, or a closed instance), kept
	// from one instance to the next.
	own *nativeContext
	// memories is the first of the memory descriptors (abi.MemoryDesc*:
	// base and length words per memory index, memoryDescs), tables the
	// first of the table descriptors (elements address, length per
	// table: tableDescs), funcs the first of the function table's words
	// (a descriptor address per function index: funcTable). Each points
	// into the native context's words, or storage of the native state's
	// own, or the descriptor block (which the store keeps): a word each,
	// their lengths the instance's.
	memories *uint64
	tables   *uint64
	funcs    *uint64
	// exns holds the exceptions of the instance's code, made on its first
	// throw or catch (exceptions): most modules have none.
	exns *instanceExceptions
}

// refs is the codec and run state of the instance's store: Bind checked
// that the store is this engine's, and an instance never changes stores.
func (st *instance) refs() *storeRefs { return st.inst.Store.RefCodec().(*storeRefs) }

// instanceExceptions are the exceptions an instance's code handles.
type instanceExceptions struct {
	// caught is the exception the code last caught: the context's payload
	// address points into it (exceptions.go).
	caught *vm.Exception
	// thrown is the exception this instance's last throw made, until a
	// clause catches it or it leaves the run; spare is one such exception
	// that a clause without a reference caught, which the next throw
	// fills instead of allocating (exceptions.go).
	thrown, spare *vm.Exception
}

// exceptions is st.exns, made on first use and kept with the native
// state, emptied, from one instance to the next (emptiedExceptions).
func (st *instance) exceptions() *instanceExceptions {
	if st.exns == nil {
		st.exns = new(instanceExceptions)
	}
	return st.exns
}

// emptiedExceptions is st.exns emptied for the native state's next
// instance, or nil: nothing of this instance's exceptions stays.
func (st *instance) emptiedExceptions() *instanceExceptions {
	if st.exns != nil {
		*st.exns = instanceExceptions{}
	}
	return st.exns
}

// Bind builds inst's native context and attaches the code.
func (mc *moduleCode) Bind(inst *vm.Instance) error {
	m := mc.m
	if n := uint32(len(inst.Funcs)); n != m.NumFuncs() && n != m.NumImportedFuncs {
		// Defined functions may be left out (vm.Instance.Func).
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
	// The block (placed by a reference before, or now) comes with its
	// native state: a released store's instance's, emptied, or a new one.
	block := refs.bindBlock(inst, mc)
	st := block.native
	// A block kept with its native state holds that state's context
	// address in its descriptors already: still right if the context
	// takes the same place (the same slot, or the state's own storage). A
	// new state has no context yet.
	kept := block.mc == mc
	prevCtx := st.ctx
	*st = instance{inst: inst, mc: mc, own: st.own, exns: st.emptiedExceptions()}
	// Every memory is mapped where it can grow without moving, so its
	// base address is fixed in the context and the descriptors.
	for i, mem := range inst.Memories {
		if err := mem.MapNative(mc.eng.layoutOf(m.MemoryTypeOf(uint32(i)))); err != nil {
			return err
		}
	}
	// The defined functions' descriptors and the function table: the
	// module's template with this instance's context, in the block their
	// references point into (engine.LazyFunctions: no vm.Function is made
	// here). A block kept from a released store has the template and the
	// defined functions' table entries in place already.
	nDefs := len(m.Funcs) * descWords
	words := block.words()
	// A module without functions: an address all the same (the block
	// has a word).
	st.funcs = &words[min(nDefs, len(words)-1)]
	funcs := st.funcTable()
	if block.mc == nil {
		copy(words, mc.descTemplate())
		for k := range m.Funcs {
			funcs[int(m.NumImportedFuncs)+k] = block.addr() + uint64(k)*abi.FuncDescSize
		}
		block.mc = mc
	}
	for i, f := range inst.Funcs[:m.NumImportedFuncs] {
		if f == nil {
			return fmt.Errorf("compiler: function %d is not resolved", i)
		}
		ref, err := inst.Store.Ref(f)
		if err != nil {
			return fmt.Errorf("compiler: function %d: %w", i, err)
		}
		funcs[i] = ref
	}
	st.useContext(st.contextRoom())
	if !kept || prevCtx != st.ctx {
		st.placeContext(block)
	}
	// A defined function needs nothing per instance beyond its
	// descriptor: Call finds its state in inst.Engine and its entry stub
	// in the module's tables (boundOf). Its runs' runner is made per run
	// (instance.run), on the Go stack.
	st.refresh()
	inst.Engine = st
	return nil
}

// Call runs one of the instance's functions (vm.Executor: inst.Exec).
func (st *instance) Call(ctx context.Context, f *vm.Function, stack []uint64) error {
	return executor{}.Call(ctx, f, stack)
}

// memory0 is the instance's memory 0, or nil when it has none.
func (st *instance) memory0() *vm.Memory {
	if len(st.inst.Memories) == 0 {
		return nil
	}
	return st.inst.Memories[0]
}

// The instance serves its runs' exits (vm.RunHandler).
func (st *instance) HostCall(ctx context.Context, index uint32, stack []uint64) error {
	return st.hostCall(ctx, index, stack)
}
func (st *instance) Exit(ctx context.Context, c *vm.Context, e *vm.Exit) error {
	return st.exit(ctx, c, e)
}
func (st *instance) Trap(code abi.TrapCode, e *vm.Exit) *vm.Trap { return st.trap(code, e) }
func (st *instance) Unwind(exn *vm.Exception, e *vm.Exit) (vm.Exit, bool, error) {
	return st.unwind(exn, e)
}
func (st *instance) Fault(f *vm.Fault) (*vm.Trap, error) {
	if seen := st.mc.eng.faultSeen; seen != nil {
		seen(f)
	}
	return st.fault(f)
}

// LazyFunctions marks compiled code as engine.LazyFunctions: Bind gives
// the defined functions their descriptors without their vm.Function.
func (mc *moduleCode) LazyFunctions() {}

// ReserveFuncRefs readies inst for references to its defined functions
// before Bind (engine.LazyFunctions): until Bind, inst.Engine is mc, or
// the native state the module's last instance in inst left there
// (keptHere), so that a global's or a table's initialiser that takes one
// places the descriptor block in one the module kept from a released
// store (storeRefs.block). Otherwise Bind places it, in the region of the
// slot of the instance's memory when it fits there.
func (mc *moduleCode) ReserveFuncRefs(inst *vm.Instance) error {
	refs, ok := inst.Store.RefCodec().(*storeRefs)
	if !ok || refs.eng != mc.eng {
		return fmt.Errorf("compiler: the store was not made by this engine")
	}
	if st, ok := inst.Engine.(*instance); ok && st.Kept() && st.mc == mc {
		inst.Engine = unbound{st}
		return nil
	}
	inst.Engine = mc
	return nil
}

// unbound is inst.Engine between ReserveFuncRefs and Bind when the
// instance's vm.Instance kept the native state of the module's last
// instance in it: not an Executor, as nothing of the instance runs before
// Bind. (A struct of one pointer: boxing it allocates nothing.)
type unbound struct{ st *instance }

// unboundCode is the module whose code ReserveFuncRefs readied inst for,
// and the native state kept for it in inst (nil: none), or nil before
// ReserveFuncRefs.
func unboundCode(inst *vm.Instance) (*moduleCode, *instance) {
	switch e := inst.Engine.(type) {
	case *moduleCode:
		return e, nil
	case unbound:
		return e.st.mc, e.st
	}
	return nil, nil
}

// keptHere takes the native state inst kept for mc (ReserveFuncRefs), or
// returns nil.
func keptHere(inst *vm.Instance, mc *moduleCode) *instance {
	if from, st := unboundCode(inst); from == mc && st != nil {
		inst.Engine = mc
		return st
	}
	return nil
}

// Kept reports whether st was emptied when its store was released, kept
// in its vm.Instance for the module's next instance there
// (engine.KeptState; storeRefs.Release).
func (st *instance) Kept() bool { return st.inst == nil && st.mc != nil }

// keepHere empties st, the native state of a released store's instance
// whose descriptor block was in its slot's region, and leaves it in the
// instance's vm.Instance (inst.Engine, where Bind put it) for the
// module's next instance made there: the context's storage and place
// stay, as keepBlock's do. Nothing of the released store stays reachable
// from it.
func (st *instance) keepHere(mc *moduleCode) {
	*st = instance{mc: mc, ctx: st.ctx, own: st.own, exns: st.emptiedExceptions()}
}

// descTemplate returns the descriptors of the module's defined functions
// with every field but the context filled in (code, type id, host call
// stub), built once per module and copied into each instance's block.
func (mc *moduleCode) descTemplate() []uint64 {
	mc.templateOnce.Do(func() {
		m := mc.m
		stubs := mc.hostStubs()
		t := make([]uint64, len(m.Funcs)*descWords)
		for def, ti := range m.Funcs {
			d := t[def*descWords : (def+1)*descWords]
			d[abi.FuncDescCode/8] = uint64(mc.code.Addr() + uintptr(mc.tables.funcStart(def)))
			d[abi.FuncDescTypeID/8] = uint64(mc.typeIDs[ti])
			d[abi.FuncDescHostCall/8] = uint64(stubs[ti])
		}
		mc.template = t
	})
	return mc.template
}

// maxKeptBlocks bounds the descriptor blocks a module keeps for reuse.
const maxKeptBlocks = 64

// keptBlock is a released store's descriptor block and the native state
// of the instance it served (made with the block), both for the next
// instance of the module.
type keptBlock struct {
	words  []uint64
	native *instance
}

// takeBlock returns a descriptor block kept from a released store of this
// module, template in place, or a zero keptBlock.
func (mc *moduleCode) takeBlock() keptBlock {
	b, ok := mc.keptBlocks.Take(nil, 0)
	if ok {
		mc.keptCount.Add(-1)
	}
	return b
}

// keepBlock keeps a released store's block for the next instance. Its
// native state is emptied first: nothing of the released store stays
// reachable from it. Neither takes a lock common to every store of the
// module (pool.FreeList).
func (mc *moduleCode) keepBlock(b keptBlock) {
	if b.native != nil {
		// The context's storage and place stay: the next instance of the
		// module whose context takes the same place (its own storage, or
		// the same slot's region) finds the descriptors holding it.
		*b.native = instance{ctx: b.native.ctx, own: b.native.own, exns: b.native.emptiedExceptions()}
	}
	if mc.keptCount.Add(1) > maxKeptBlocks {
		mc.keptCount.Add(-1)
		return
	}
	mc.keptBlocks.Put(b)
}

// boundOf returns the native state of f's instance and the address of
// f's entry stub, or false when f is not a function defined by an
// instance bound to this engine.
func boundOf(f *vm.Function) (*instance, uintptr, bool) {
	if f.Instance == nil {
		return nil, 0, false
	}
	st, ok := f.Instance.Engine.(*instance)
	if !ok || st.inst != f.Instance {
		return nil, 0, false
	}
	def := int64(f.Index) - int64(st.mc.m.NumImportedFuncs)
	if def < 0 || def >= int64(len(st.mc.m.Funcs)) || st.inst.Lookup(f.Index) != f {
		return nil, 0, false
	}
	return st, st.mc.code.Addr() + uintptr(st.mc.tables.entry(int(def))), true
}

// refresh copies what may have changed behind the code's back (memory
// grown by a host function or another instance, tables grown or moved)
// into the context and the table descriptors. It runs before every entry
// and after every exit that may have run other code.
func (st *instance) refresh() {
	st.refreshGC()
	// A closed instance's code reaches no memory (CloseInstance), not
	// even one it imported that lives on.
	closed := st.inst.Closed
	if mem := st.memory0(); mem != nil && !closed {
		st.ctx.MemoryLen = uint64(len(mem.Bytes))
	}
	mems := st.memoryDescs()
	for i, mem := range st.inst.Memories {
		if !closed {
			mems[2*i+abi.MemoryDescLen/8] = uint64(len(mem.Bytes))
		}
	}
	tables := st.tableDescs()
	for i, t := range st.inst.Tables {
		var addr uint64
		if len(t.Elems) > 0 {
			addr = uint64(uintptr(unsafe.Pointer(&t.Elems[0])))
		}
		tables[2*i+abi.TableDescElems/8] = addr
		tables[2*i+abi.TableDescLen/8] = uint64(len(t.Elems))
	}
}

// refreshGC gives the code the store heap's base, the instance's type ids
// and the current hole to allocate in (abi.CtxGCBase, CtxGCTypes,
// CtxGCCursor, CtxGCEnd).
func (st *instance) refreshGC() {
	store := st.inst.Store
	st.ctx.GCBase = store.GCBase()
	if ids := st.inst.GCTypes(); len(ids) > 0 {
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
// (instanceExceptions.caught) until the code has read them; Go heap objects do not
// move.
func payloadAddr(p []uint64) uintptr { return uintptr(unsafe.Pointer(&p[0])) }
