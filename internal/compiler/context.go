package compiler

import (
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// nativeContext is what an instance's native state keeps outside its own
// allocation: the execution context its code runs with and the room of
// the descriptors the context points at (memories, globals' cells,
// tables), for modules whose descriptors fit in eight words (one memory
// and one table with up to four globals).
//
// It lives in the context region of the pool slot that the instance's
// memory 0 takes (pool.SlotConfig.ContextBytes), outside the Go heap, so
// that a live sandbox's context is none of the Go heap's bytes, or in the
// native state's own allocation (instance.own) when there is no such
// region (no pool, no memory of the instance's own), for a module of
// more than maxSlotContextFuncs functions, and for a closed instance
// (CloseInstance moves it out before the slot goes back).
//
// In a slot's region the garbage collector does not see the context's
// few Go pointers, so each must point at something the Go heap keeps
// alive for as long as the pointer is there: the fuel and lanes of the
// store (vm.Context.UseFuel, vm.Runner.Lane), which live in the store's
// state that the native state holds (instance.refs), and the done channel
// of the context of the call running (the pacer's, restored to the outer
// call's, nil at the outermost, when a run ends), which the caller holds
// until the call returns. The region is zeroed when its slot is given
// back, so no pointer outlives its holder there.
type nativeContext struct {
	ctx   vm.Context
	words [8]uint64
}

// nativeContextBytes is a native context's size in a slot's region.
const nativeContextBytes = int(unsafe.Sizeof(nativeContext{}))

// slotBlockWords is the room a slot's region has after the native context
// for the instance's descriptor block (descBlock): the defined functions'
// descriptors and the function table of a small module (hello's seven
// defined functions of eleven take 39 words). The regions lie back to
// back, so every word of room is resident memory per slot in use: a
// larger block stays in the Go heap.
const slotBlockWords = 48

// slotContextBytes is the context region a pool gives each slot: the
// native context, then the room of a descriptor block.
const slotContextBytes = nativeContextBytes + 8*slotBlockWords

// maxSlotContextFuncs bounds the defined functions of a module whose
// instances keep their context in a slot's region. The descriptors hold
// the context's address, and an instance takes whichever warm slot the
// pool gives it, seldom its native state's last one: each instantiation
// then writes the address into every descriptor, which for a module of
// hundreds of functions costs more time than the context's Go heap bytes
// are worth. A larger module keeps its context in its native state's own
// storage, whose address its descriptors keep from one instance to the
// next.
const maxSlotContextFuncs = 64

// contextRoom is where the instance's native context goes: the context
// region of its memory 0's slot when the instance defines that memory
// (an imported one's region is its owner's) and its module has at most
// maxSlotContextFuncs functions, else the native state's own storage.
func (st *instance) contextRoom() *nativeContext {
	if mem := st.memory0(); mem != nil && st.inst.Module.NumImportedMemories == 0 && !st.inst.Closed &&
		len(st.inst.Module.Funcs) <= maxSlotContextFuncs {
		if r := slotRegion(st.inst); r != nil {
			return (*nativeContext)(unsafe.Pointer(&r[0]))
		}
	}
	if st.own == nil {
		st.own = new(nativeContext)
	}
	return st.own
}

// slotRegion is the context region of the slot that inst's memory 0
// takes, or nil: r is outside the Go heap, mapped for the pool's (so the
// engine's) life, aligned for any Go type (64 bytes), zeroed when the
// slot was given back, and this instance's until its memory is freed: at
// Store.Close, after which none of its code runs, or at Instance.Close,
// which moves the context out first and keeps the slot while the
// descriptor block is in its region (CloseInstance).
func slotRegion(inst *vm.Instance) []byte {
	if r := inst.Memories[0].SlotContext(); len(r) >= slotContextBytes {
		return r
	}
	return nil
}

// slotBlock is the room for inst's descriptor block in its slot's region
// (after the native context), or nil when there is none or the block is
// larger: the same conditions as the context's (contextRoom), the block
// within slotBlockWords.
func slotBlock(inst *vm.Instance) []uint64 {
	m := inst.Module
	if len(inst.Memories) == 0 || m.NumImportedMemories != 0 || inst.Closed ||
		len(m.Funcs) > maxSlotContextFuncs || blockWords(m) > slotBlockWords {
		return nil
	}
	r := slotRegion(inst)
	if r == nil {
		return nil
	}
	// The words hold no Go pointer (code, context and descriptor
	// addresses outside the Go heap or kept alive by the store, type ids),
	// so the collector need not see them.
	return unsafe.Slice((*uint64)(unsafe.Pointer(&r[nativeContextBytes])), blockWords(m))
}

// LendTableRoom is room for inst's first table's elements in its slot's
// region after its descriptor block's (engine.TableLender): the words of
// the region's block room that the block leaves, when the block will be
// there (slotBlock, and no reference placed it in the Go heap before),
// the table is the module's only one, defined, of plain funcrefs, and
// elems fit. The words are descriptor addresses of the store's functions
// (which the store keeps: never the only reference to a Go object) or 0;
// the region is zero when lent (the pool zeroes it when the slot goes
// back), and stays the instance's until its memory gives the slot back:
// at Store.Close, or at Instance.Close after CloseInstance has moved the
// elements out.
func (mc *moduleCode) LendTableRoom(inst *vm.Instance, elems uint64) []uint64 {
	m := inst.Module
	if m.NumImportedTables != 0 || len(m.Tables) != 1 || m.Tables[0].Type.Elem != wasm.FuncRef {
		return nil
	}
	if refs, ok := inst.Store.RefCodec().(*storeRefs); !ok || refs.eng != mc.eng || refs.placed(inst) != nil {
		return nil
	}
	if slotBlock(inst) == nil {
		return nil
	}
	used := blockWords(m)
	if uint64(slotBlockWords-used) < elems {
		return nil
	}
	r := slotRegion(inst)
	return unsafe.Slice((*uint64)(unsafe.Pointer(&r[nativeContextBytes+8*used])), slotBlockWords-used)
}

// useContext makes nc the instance's native context, filled in from the
// instance: its memories, globals, tables and function table (st.funcs,
// set before) and its store's fuel; refresh writes the rest.
func (st *instance) useContext(nc *nativeContext) {
	inst := st.inst
	*nc = nativeContext{}
	st.ctx = &nc.ctx
	st.ctx.UseFuel(&inst.Store.Fuel)
	// The memory descriptors, the globals' cells and the table
	// descriptors: in nc.words when they fit, else one allocation (each
	// at least one word, so that its address exists).
	nMems, nGlobals, nTables := max(2*len(inst.Memories), 2), max(len(inst.Globals), 1), max(2*len(inst.Tables), 2)
	words := nc.words[:]
	if n := nMems + nGlobals + nTables; n > len(words) {
		words = make([]uint64, n)
	}
	mems := words[:nMems:nMems]
	st.memories = &mems[0]
	words = words[nMems:]
	for i, mem := range inst.Memories {
		mems[2*i+abi.MemoryDescBase/8] = uint64(mem.Base())
	}
	st.ctx.Memories = uintptr(unsafe.Pointer(st.memories))
	if mem := st.memory0(); mem != nil {
		st.ctx.MemoryBase = mem.Base()
	}
	globals := words[:nGlobals:nGlobals] // a cell's address per global
	for i, g := range inst.Globals {
		globals[i] = uint64(uintptr(unsafe.Pointer(&g.Lo)))
	}
	st.ctx.GlobalsBase = uintptr(unsafe.Pointer(&globals[0]))
	st.tables = &words[nGlobals]
	st.ctx.TablesBase = uintptr(unsafe.Pointer(st.tables))
	st.ctx.FuncTable = uintptr(unsafe.Pointer(st.funcs))
	if len(st.mc.typeIDs) > 0 {
		// mc outlives st (st holds it), so the array stays put and alive.
		st.ctx.TypeIDs = uintptr(unsafe.Pointer(&st.mc.typeIDs[0]))
	}
}

// placeContext writes the context's address into every defined
// function's descriptor in block, which calls through them pass to the
// code.
func (st *instance) placeContext(block *descBlock) {
	ctxWord := uint64(uintptr(unsafe.Pointer(st.ctx)))
	words := block.words()
	for k := range st.mc.m.Funcs {
		words[k*descWords+abi.FuncDescContext/8] = ctxWord
	}
}

// inSlot reports whether the native context is in a slot's region.
func (st *instance) inSlot() bool { return st.own == nil || st.ctx != &st.own.ctx }

// memoryDescs are the memory descriptors the context points at
// (Memories): as many words as useContext gave them.
func (st *instance) memoryDescs() []uint64 {
	return unsafe.Slice(st.memories, max(2*len(st.inst.Memories), 2))
}

// funcTable is the function table the context points at (FuncTable): a
// descriptor address per function index (a word for a module without
// functions).
func (st *instance) funcTable() []uint64 {
	return unsafe.Slice(st.funcs, max(int(st.inst.Module.NumFuncs()), 1))
}

// tableDescs are the table descriptors the context points at (TablesBase).
func (st *instance) tableDescs() []uint64 {
	return unsafe.Slice(st.tables, max(2*len(st.inst.Tables), 2))
}
