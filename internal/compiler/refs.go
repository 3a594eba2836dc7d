package compiler

import (
	"fmt"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// descWords is a descriptor's size in words.
const descWords = abi.FuncDescSize / 8

// Descriptors are allocated in slabs that never move, so descriptor
// addresses stay valid for the store's life. The first slab is small (most
// stores hold a few functions); each next one doubles, up to maxSlab.
const (
	firstSlab = 16
	maxSlab   = 1024
)

// storeRefs is a store's vm.RefCodec and its run state: every function's
// descriptor (the funcref word), and the native stack its calls run on.
type storeRefs struct {
	eng   *compilerEngine
	slabs []descSlab

	// stack is the stack lent to the call running in the store (nil when
	// none runs).
	stack *vm.Stack
	// scanned: the store scans stack for roots (borrowStack).
	scanned bool
	// passed is the last trap a host function returned: it propagates
	// through the callers unchanged.
	passed *vm.Trap
	// pending is the tail call a run left for its caller (exec.go).
	pending pendingCall
}

// descSlab is a run of descriptors and the function of each one used.
type descSlab struct {
	words []uint64
	funcs []*vm.Function
	addr  uint64 // of words[0]
}

// Encode allocates f's descriptor. A host function's context and code stay
// 0, so every caller takes the host call stub; Bind fills in a compiled
// function's code and context.
func (r *storeRefs) Encode(f *vm.Function) (uint64, error) {
	if f.Type == nil {
		return 0, fmt.Errorf("compiler: function without a type")
	}
	// A module's function gets its type id and stub when its instance
	// is bound (Bind), from the module's tables; nothing runs before.
	var id uint32
	var stub uintptr
	if f.Instance == nil {
		id, stub = r.eng.descFields(f.Type)
	}
	n := len(r.slabs)
	if n == 0 || len(r.slabs[n-1].funcs) == cap(r.slabs[n-1].funcs) {
		size := firstSlab
		if n > 0 {
			size = min(2*cap(r.slabs[n-1].funcs), maxSlab)
		}
		words := make([]uint64, size*descWords)
		r.slabs = append(r.slabs, descSlab{words: words, funcs: make([]*vm.Function, 0, size),
			addr: uint64(uintptr(unsafe.Pointer(&words[0])))})
		n++
	}
	sl := &r.slabs[n-1]
	k := len(sl.funcs)
	sl.funcs = append(sl.funcs, f)
	d := sl.words[k*descWords : (k+1)*descWords : (k+1)*descWords]
	d[abi.FuncDescTypeID/8] = uint64(id)
	d[abi.FuncDescHostCall/8] = uint64(stub)
	return sl.addr + uint64(k*abi.FuncDescSize), nil
}

// ReserveFuncs makes the next slab hold at least n more descriptors
// (vm.FuncReserver), so that an instantiation's functions take one slab.
func (r *storeRefs) ReserveFuncs(n int) {
	k := len(r.slabs)
	if k > 0 && cap(r.slabs[k-1].funcs)-len(r.slabs[k-1].funcs) >= n {
		return
	}
	size := max(n, firstSlab)
	words := make([]uint64, size*descWords)
	r.slabs = append(r.slabs, descSlab{words: words, funcs: make([]*vm.Function, 0, size),
		addr: uint64(uintptr(unsafe.Pointer(&words[0])))})
}

// lookup finds the slab and index of descriptor address ref.
func (r *storeRefs) lookup(ref uint64) (*descSlab, int, bool) {
	for i := range r.slabs {
		sl := &r.slabs[i]
		off := ref - sl.addr
		if off%abi.FuncDescSize == 0 && off/abi.FuncDescSize < uint64(len(sl.funcs)) {
			return sl, int(off / abi.FuncDescSize), true
		}
	}
	return nil, 0, false
}

// Decode maps a descriptor address back to its function.
func (r *storeRefs) Decode(ref uint64) *vm.Function {
	if sl, k, ok := r.lookup(ref); ok {
		return sl.funcs[k]
	}
	return nil
}

// desc returns the words of the descriptor at address ref.
func (r *storeRefs) desc(ref uint64) []uint64 {
	sl, k, ok := r.lookup(ref)
	if !ok {
		return nil
	}
	return sl.words[k*descWords : (k+1)*descWords : (k+1)*descWords]
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
// runs, which is the only time a store can be released: nothing is held.
func (r *storeRefs) Release() error { return nil }

// borrowStack lends the engine's pool stack to an outermost call into the
// store, and returns what gives it back; a nested call (a host function
// calling back) runs on the stack its outer call borrowed. The first one
// makes the store's compiled frames roots of its GC heap (ScanRoots).
func (r *storeRefs) borrowStack(store *vm.Store) (*vm.Stack, bool, error) {
	if r.stack != nil {
		return r.stack, false, nil
	}
	st, err := r.eng.stacks.Get()
	if err != nil {
		return nil, false, err
	}
	r.stack = st
	if !r.scanned {
		r.scanned = true
		store.TrackEngineRoots(r)
	}
	return st, true, nil
}

// returnStack gives the stack borrowStack lent back to the pool.
func (r *storeRefs) returnStack() {
	r.eng.stacks.Put(r.stack)
	r.stack = nil
}
