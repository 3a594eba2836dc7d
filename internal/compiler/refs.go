package compiler

import (
	"fmt"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// descWords is a descriptor's size in words.
const descWords = abi.FuncDescSize / 8

// The descriptors of a store's own host functions (moat.NewFunc's; a
// linker's are shared by every store: ShareHost) are allocated in slabs
// that never move, so descriptor addresses stay valid for the store's
// life. The first slab holds firstSlab; each next one doubles, up to
// maxSlab.
const (
	firstSlab = 16
	maxSlab   = 1024
)

// storeRefs is a store's vm.RefCodec and its run state: every function's
// descriptor (the funcref word), and the native stack its calls run on.
type storeRefs struct {
	// store is the vm.Store whose codec this is, in its allocation.
	store vm.Store
	eng   *compilerEngine
	// first holds the descriptors of the defined functions of the
	// store's first instance (base nil: none yet); the next instances'
	// blocks are rare.blocks, in order (blockAt).
	first descBlock
	// rare is what few stores use (host functions of their own, tail
	// calls, a second instance's descriptor block), made on first use and
	// kept, emptied, when the store is recycled (RecycleStore).
	rare *storeRare

	// stack is the stack lent to the call running in the store (nil when
	// none runs).
	stack *vm.Stack
	// passed is the last trap a host function returned: it propagates
	// through the callers unchanged.
	passed *vm.Trap
}

// storeRare is the part of a store's codec and run state that few stores
// use: most stores' host functions are a linker's, shared by every store
// (ShareHost), and few of their calls end in a tail call to a caller.
type storeRare struct {
	slabs []descSlab // the store's own host functions' descriptors
	// first is slabs' first storage, kept when the store is recycled
	// (RecycleStore), so that the next store making no more host
	// functions of its own allocates none.
	first [1]descSlab
	// pending is the tail call a run left for its caller (exec.go).
	pending pendingCall
	// blocks are the descriptor blocks of the store's instances past the
	// first (storeRefs.first), kept emptied when the store is recycled.
	blocks []descBlock
}

// numBlocks is the number of the store's descriptor blocks, blockAt(i)
// the i-th (one per instance that has any, in the order they were made).
func (r *storeRefs) numBlocks() int {
	switch {
	case r.first.base == nil:
		return 0
	case r.rare == nil:
		return 1
	}
	return 1 + len(r.rare.blocks)
}

// blockAt is the store's i-th descriptor block (numBlocks).
func (r *storeRefs) blockAt(i int) *descBlock {
	if i == 0 {
		return &r.first
	}
	return &r.rare.blocks[i-1]
}

// addBlock adds b to the store's descriptor blocks and returns its place,
// valid until the next addBlock.
func (r *storeRefs) addBlock(b descBlock) *descBlock {
	if r.first.base == nil {
		r.first = b
		return &r.first
	}
	rare := r.rareState()
	rare.blocks = append(rare.blocks, b)
	return &rare.blocks[len(rare.blocks)-1]
}

// rareState is r.rare, made on first use.
func (r *storeRefs) rareState() *storeRare {
	if r.rare == nil {
		r.rare = new(storeRare)
	}
	return r.rare
}

// descSlab is a run of descriptors and the function of each one used.
type descSlab struct {
	// base is the slab's first word; it holds cap(funcs) descriptors.
	base  *uint64
	funcs []*vm.Function
}

// words are the slab's descriptors' words.
func (sl *descSlab) words() []uint64 { return unsafe.Slice(sl.base, cap(sl.funcs)*descWords) }

// descBlock is the descriptors of one instance's defined functions: the
// function of the descriptor at addr + k*FuncDescSize is the instance's
// defined function k, made on first use (vm.Instance.Func). The words
// after the descriptors are the instance's function table
// (abi.CtxFuncTable: a descriptor address per function index).
type descBlock struct {
	// base is the block's first word (it has blockWords of the
	// instance's module): in the Go heap, or in a slot's region.
	base *uint64
	// mc is the code whose template the descriptors hold (set by Bind):
	// the block goes back to it when the store is released, and the next
	// instance of the module only writes its context into it.
	mc *moduleCode
	// native is the instance's native state, made with the block (Bind
	// fills it in; its inst is the block's instance from the start),
	// which goes back with the block.
	native *instance
	// inSlot: words are in the region of the slot of the instance's
	// memory (slotBlock), outside the Go heap; only the native state goes
	// back to the module when the store is released. detached: the
	// instance was closed, its slot went back without the region
	// (pool.Slots.DetachContext), which goes back with the store.
	inSlot, detached bool
}

// addr is the address of the slab's first descriptor: its words never
// move (a Go heap object stays put), which descriptor addresses rely on.
func (sl *descSlab) addr() uint64 { return uint64(uintptr(unsafe.Pointer(sl.base))) }

// addr is the address of the block's first word, as descSlab.addr.
func (b *descBlock) addr() uint64 { return uint64(uintptr(unsafe.Pointer(b.base))) }

// words are the block's words.
func (b *descBlock) words() []uint64 { return unsafe.Slice(b.base, blockWords(b.inst().Module)) }

// inst is the block's instance.
func (b *descBlock) inst() *vm.Instance { return b.native.inst }

// blockWords is the size of a descriptor block for module m.
func blockWords(m *wasm.Module) int {
	return max(len(m.Funcs)*descWords+int(m.NumFuncs()), 1)
}

// block returns inst's descriptor block, making it on first use: a
// function's reference exists as soon as an initialiser takes it, Bind
// fills the descriptors in before any code runs. from, when set, is the
// code Bind binds: a block it kept from a released store is reused.
//
// A block made before Bind (for a reference a global's or a table's
// initialiser takes) is in the Go heap, from the module ReserveFuncRefs
// named; Bind places the others (bindBlock).
func (r *storeRefs) block(inst *vm.Instance, from *moduleCode) *descBlock {
	if b := r.placed(inst); b != nil {
		return b
	}
	if from == nil {
		from, _ = unboundCode(inst) // ReserveFuncRefs
	}
	return r.heapBlock(inst, from)
}

// placed is inst's descriptor block, or nil when it has none yet.
func (r *storeRefs) placed(inst *vm.Instance) *descBlock {
	// The newest first: instantiation asks for the instance it is making.
	for i := r.numBlocks() - 1; i >= 0; i-- {
		if b := r.blockAt(i); b.inst() == inst {
			return b
		}
	}
	return nil
}

// bindBlock is the block of inst, which Bind binds to mc: the one a
// reference placed before, else one in the region of the slot of inst's
// memory when it fits there (slotBlock), else one in the Go heap. The
// native state of a released store's instance comes with it either way.
func (r *storeRefs) bindBlock(inst *vm.Instance, mc *moduleCode) *descBlock {
	if b := r.placed(inst); b != nil {
		return b
	}
	words := slotBlock(inst)
	if words == nil {
		return r.heapBlock(inst, mc)
	}
	// The native state comes from the instance's vm.Instance, where the
	// module's last instance there left it (keptHere), else from the
	// module's kept blocks, whose words, if any, are left to the
	// collector: the module's instances take slots' regions from now on.
	native := keptHere(inst, mc)
	if native == nil {
		native = mc.takeBlock().native
	}
	return r.addBlock(descBlock{base: &words[0], native: nativeOf(keptBlock{native: native}, inst), inSlot: true})
}

// heapBlock makes inst's block in the Go heap, in a block from kept from
// a released store when there is one.
func (r *storeRefs) heapBlock(inst *vm.Instance, from *moduleCode) *descBlock {
	var kept keptBlock
	var mc *moduleCode
	if from != nil {
		if kept = from.takeBlock(); kept.words != nil {
			mc = from
		}
	}
	words := kept.words
	if words == nil {
		words = make([]uint64, blockWords(inst.Module))
	}
	return r.addBlock(descBlock{base: &words[0], mc: mc, native: nativeOf(kept, inst)})
}

// nativeOf is the native state for inst's new block: kept's, emptied when
// its store was released, or a new one.
func nativeOf(kept keptBlock, inst *vm.Instance) *instance {
	st := kept.native
	if st == nil {
		st = new(instance)
	}
	st.inst = inst
	return st
}

// RefOf is the descriptor address of inst's defined function idx
// (vm.InstanceRefCodec), whether or not its vm.Function exists yet.
func (r *storeRefs) RefOf(inst *vm.Instance, idx uint32) (uint64, error) {
	def := int64(idx) - int64(inst.Module.NumImportedFuncs)
	if def < 0 || def >= int64(len(inst.Module.Funcs)) {
		return 0, fmt.Errorf("compiler: function %d is not defined by its instance", idx)
	}
	return r.block(inst, nil).addr() + uint64(def)*abi.FuncDescSize, nil
}

// RefsOf is RefOf for many functions (vm.InstanceRefsCodec): a defined
// function's word is its place in inst's block, an import's the word its
// store gave it.
func (r *storeRefs) RefsOf(inst *vm.Instance, idxs []uint32, dst []uint64) error {
	b := r.block(inst, nil)
	m := inst.Module
	for j, idx := range idxs {
		switch {
		case idx == vm.NullItem:
			dst[j] = 0
		case idx >= m.NumImportedFuncs && idx < m.NumFuncs():
			dst[j] = b.addr() + uint64(idx-m.NumImportedFuncs)*abi.FuncDescSize
		default:
			ref, err := inst.Store.FuncRef(inst, idx)
			if err != nil {
				return err
			}
			dst[j] = ref
		}
	}
	return nil
}

// Encode returns f's descriptor address. A function an instance defines
// has its place in the instance's block; a host function gets one in a
// slab, whose context and code stay 0, so every caller takes the host
// call stub.
func (r *storeRefs) Encode(f *vm.Function) (uint64, error) {
	if f.Type == nil {
		return 0, fmt.Errorf("compiler: function without a type")
	}
	if f.Instance != nil {
		return r.RefOf(f.Instance, f.Index)
	}
	id, stub := r.eng.descFields(f.Type)
	h := r.rareState()
	n := len(h.slabs)
	if n == 0 {
		h.addSlab(firstSlab)
		n++
	} else if len(h.slabs[n-1].funcs) == cap(h.slabs[n-1].funcs) {
		h.addSlab(min(2*cap(h.slabs[n-1].funcs), maxSlab))
		n++
	}
	sl := &h.slabs[n-1]
	k := len(sl.funcs)
	sl.funcs = append(sl.funcs, f)
	d := sl.words()[k*descWords : (k+1)*descWords : (k+1)*descWords]
	d[abi.FuncDescTypeID/8] = uint64(id)
	d[abi.FuncDescHostCall/8] = uint64(stub)
	return sl.addr() + uint64(k*abi.FuncDescSize), nil
}

// ShareDomain is the engine itself: its stores' Decode resolves the
// words of the host functions it shared (engine.HostSharer).
func (e *compilerEngine) ShareDomain() any { return e }

// ShareHost fills desc as the descriptor of host function f, shared by
// every store of the engine (engine.HostSharer), and returns its address:
// like a slab's descriptor, its context and code stay 0, so every caller
// takes the host call stub, and the call's exit finds f by that address
// (instance.callee).
func (e *compilerEngine) ShareHost(f *vm.Function, desc []uint64) uint64 {
	id, stub := e.descFields(f.Type)
	d := desc[:descWords:descWords]
	d[abi.FuncDescTypeID/8] = uint64(id)
	d[abi.FuncDescHostCall/8] = uint64(stub)
	return uint64(uintptr(unsafe.Pointer(&d[0])))
}

// addSlab appends a slab of size descriptors. The first one is the kept
// storage when that is large enough, else new storage, kept in turn. A
// store that used the storage before shares its descriptor addresses with
// this one, as the modules' kept blocks do: the words the host sees carry
// their store's generation (refcheck.go), and the guest's code only
// reaches its own store's.
func (h *storeRare) addSlab(size int) {
	if first := &h.first[0]; len(h.slabs) == 0 && cap(first.funcs) >= size {
		first.funcs = first.funcs[:0]
		h.slabs = h.first[:1]
		return
	}
	words := make([]uint64, size*descWords)
	sl := descSlab{base: &words[0], funcs: make([]*vm.Function, 0, size)}
	if len(h.slabs) == 0 {
		h.slabs = h.first[:0]
	}
	h.slabs = append(h.slabs, sl)
}

// lookup finds the slab and index of descriptor address ref.
func (r *storeRefs) lookup(ref uint64) (*descSlab, int, bool) {
	if r.rare == nil {
		return nil, 0, false
	}
	for i := range r.rare.slabs {
		sl := &r.rare.slabs[i]
		off := ref - sl.addr()
		if off%abi.FuncDescSize == 0 && off/abi.FuncDescSize < uint64(len(sl.funcs)) {
			return sl, int(off / abi.FuncDescSize), true
		}
	}
	return nil, 0, false
}

// Decode maps a descriptor address back to its function, making a
// defined function's vm.Function if nothing has asked for it before; a
// word of no function of the store may be a descriptor of a host function
// the engine shares with every store (ShareHost), and of no other
// engine's.
func (r *storeRefs) Decode(ref uint64) *vm.Function {
	if sl, k, ok := r.lookup(ref); ok {
		return sl.funcs[k]
	}
	for i := range r.numBlocks() {
		b := r.blockAt(i)
		off := ref - b.addr()
		if inst := b.inst(); off%abi.FuncDescSize == 0 && off/abi.FuncDescSize < uint64(len(inst.Module.Funcs)) {
			return inst.Func(inst.Module.NumImportedFuncs + uint32(off/abi.FuncDescSize))
		}
	}
	return vm.SharedFunc(ref, r.eng)
}

// ScanRoots marks what the store's compiled frames may reference: while
// Go serves an exit, every register of every compiled frame is saved on
// the native stack the store's call runs on, whose live words are
// scanned conservatively (as the interpreter's value stacks are;
// docs/gc.md says why this and not stack maps).
func (r *storeRefs) ScanRoots(m *gcheap.Marker) {
	if r.stack != nil {
		m.Conservative(r.stack.LiveWords())
	}
}

// Release ends the store's use of the engine's resources (vm.Store.Release).
// Stacks are lent per call and back in the engine's pool whenever no call
// runs, which is the only time a store can be released. The descriptor
// blocks go back to their modules: no code of the store runs again, and
// its words resolve to nothing from now on.
func (r *storeRefs) Release() error {
	for i := range r.numBlocks() {
		b := r.blockAt(i)
		switch {
		case b.mc == nil:
		case b.inSlot:
			// The slot's region goes back with its memory, zeroed, or
			// now if it was kept past the memory.
			if b.detached {
				r.eng.slots.ReleaseContext(uintptr(b.addr()))
			}
			b.native.keepHere(b.mc)
		default:
			// The native state goes to the module's kept blocks, which
			// any store may take it from at once: the instance's
			// vm.Instance must not hold it (the public layer looks at a
			// released instance's Engine for a KeptState when it
			// recycles the instance's state).
			inst := b.inst()
			b.mc.keepBlock(keptBlock{b.words(), b.native})
			inst.Engine = nil
		}
	}
	r.first = descBlock{}
	if r.rare != nil {
		r.rare.slabs = nil
		clear(r.rare.blocks)
		r.rare.blocks = r.rare.blocks[:0]
	}
	return nil
}

// borrowStack lends the engine's pool stack to an outermost call into the
// store, and returns what gives it back; a nested call (a host function
// calling back) runs on the stack its outer call borrowed. The first one
// makes the store's compiled frames roots of its GC heap (ScanRoots).
func (r *storeRefs) borrowStack() (*vm.Stack, bool, error) {
	if r.stack != nil {
		return r.stack, false, nil
	}
	st, err := r.eng.stacks.Get()
	if err != nil {
		return nil, false, err
	}
	r.stack = st
	if !r.store.CodecRootsTracked() {
		r.store.TrackEngineRoots(r)
	}
	return st, true, nil
}

// returnStack gives the stack borrowStack lent back to the pool.
func (r *storeRefs) returnStack() {
	r.eng.stacks.Put(r.stack)
	r.stack = nil
}
