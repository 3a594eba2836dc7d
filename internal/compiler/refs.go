package compiler

import (
	"fmt"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"runtime"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// descWords is a descriptor's size in words.
const descWords = abi.FuncDescSize / 8

// descsPerSlab is how many descriptors one allocation holds. Slabs never
// move, so descriptor addresses stay valid for the store's life.
const descsPerSlab = 256

// storeRefs is a store's vm.RefCodec and its run state: every function's
// descriptor (the funcref word), and the native stack its calls run on.
type storeRefs struct {
	eng    *compilerEngine
	byDesc map[uint64]*vm.Function
	descOf map[*vm.Function][]uint64
	slabs  [][]uint64
	used   int // descriptors used in the last slab

	stack *vm.Stack
	// passed is the last trap a host function returned: it propagates
	// through the callers unchanged.
	passed *vm.Trap
	// pending is the tail call a run left for its caller (exec.go).
	pending pendingCall
}

// Encode allocates f's descriptor. A host function's context and code stay
// 0, so every caller takes the host call stub; Bind fills in a compiled
// function's code and context.
func (r *storeRefs) Encode(f *vm.Function) (uint64, error) {
	if f.Type == nil {
		return 0, fmt.Errorf("compiler: function without a type")
	}
	// A signature the stub cannot carry (v128, from an interpreted SIMD
	// module sharing the store) gets none: compiled code never calls such
	// a function, since the type check of call_indirect fails first.
	stub, _ := r.eng.hostStub(f.Type)
	if len(r.slabs) == 0 || r.used == descsPerSlab {
		r.slabs = append(r.slabs, make([]uint64, descsPerSlab*descWords))
		r.used = 0
	}
	d := r.slabs[len(r.slabs)-1][r.used*descWords : (r.used+1)*descWords : (r.used+1)*descWords]
	r.used++
	d[abi.FuncDescTypeID/8] = uint64(r.eng.typeID(f.Type))
	d[abi.FuncDescHostCall/8] = uint64(stub)
	addr := uint64(uintptr(unsafe.Pointer(&d[0])))
	r.byDesc[addr] = f
	r.descOf[f] = d
	return addr, nil
}

// Decode maps a descriptor address back to its function.
func (r *storeRefs) Decode(ref uint64) *vm.Function { return r.byDesc[ref] }

// Release unmaps the store's native stack (vm.Store.Release). The stack
// stays closed: a later run on it fails instead of mapping a new one.
func (r *storeRefs) Release() error {
	if r.stack == nil {
		return nil
	}
	return r.stack.Close() // idempotent, so the cleanup may run it again
}

// ScanRoots marks what the store's compiled frames may reference: while
// Go serves an exit, every register of every compiled frame is saved on
// the native stack, whose live words are scanned conservatively (as the
// interpreter's value stacks are; docs/gc.md says why this and not stack
// maps).
func (r *storeRefs) ScanRoots(m *gcheap.Marker) {
	if r.stack != nil {
		m.Conservative(r.stack.LiveWords())
	}
}

// nativeStack returns the store's native stack, made on first use and
// released with the store; its live frames are roots of the store's GC
// heap.
func (r *storeRefs) nativeStack(store *vm.Store) (*vm.Stack, error) {
	if r.stack != nil {
		return r.stack, nil
	}
	st, err := vm.NewStackWithin(r.eng.cfg.StackSize, r.eng.layout.Limits)
	if err != nil {
		return nil, err
	}
	r.stack = st
	store.TrackEngineRoots(r)
	runtime.AddCleanup(r, func(s *vm.Stack) { _ = s.Close() }, st)
	return st, nil
}
