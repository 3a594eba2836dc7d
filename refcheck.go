package moat

import (
	"fmt"
	"sync/atomic"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// Words a host hands to WebAssembly are checked against their types, so
// that no host mistake can break a guarantee the validator gave the code:
// i32 and f32 words are cut to 32 bits, a funcref must be one of the
// store's functions (of the right type for a typed reference), an exnref
// one of its exceptions, a reference of the any or extern hierarchies a
// rooted word of the store of the right type (gcref.go), and a
// non-nullable reference must not be null.
//
// Funcref words carry their store's generation. Inside a store a funcref
// is the engine's word (the compiler's is the address of a descriptor,
// which a closed store's descriptor block hands on to a later store of
// the same module; the interpreter's is an index into the store's
// functions), so the same word can name a function of two stores, a live
// one and a closed one. The words the host sees have the store's
// generation in their top 16 bits (funcWordOut), and a word handed in
// must carry the generation of the store it is used in (funcWordIn): a
// word kept from a closed store, or taken from another one, is refused
// by name instead of resolving to whatever function of this store now
// has its place. Generations come from a process-wide counter, so the
// 65,535 stores made after a store all tell its words apart.

// refTagShift is where a host-side funcref word keeps its store's
// generation; an engine's funcref words fit below it (user-space
// addresses of descriptors, or indices).
const refTagShift = 48

const refWordMask = 1<<refTagShift - 1

// storeGenerations numbers stores for their funcref words.
var storeGenerations atomic.Uint32

// nextRefTag is a new store's generation, in place in a word (never 0, so
// that no host-side funcref word is an engine's word).
func nextRefTag() uint64 {
	for {
		if g := uint16(storeGenerations.Add(1)); g != 0 {
			return uint64(g) << refTagShift
		}
	}
}

// funcWordOut is storeState.funcWordOut for a handle: a closed store's
// references read as null (its state may serve another store now, whose
// generation its words must not carry), and so do they while another
// goroutine has a call running in the store. The generation is read
// under the store's mark, so that it is the handle's store's.
func (r storeRef) funcWordOut(w uint64) uint64 {
	if r.enter() != nil {
		return 0
	}
	defer r.leave()
	return r.storeState.funcWordOut(w)
}

// funcWordOut is the host's form of the engine's funcref word w.
func (s *storeState) funcWordOut(w uint64) uint64 {
	if w == 0 {
		return 0
	}
	if w > refWordMask {
		// Engines' words are user-space addresses or small indices.
		panic(fmt.Sprintf("moat: funcref word %#x does not fit below its generation", w))
	}
	return w | s.refTag
}

// funcWordIn is the engine's word for the host's funcref word w, and
// false when w does not carry s's generation.
func (s *storeState) funcWordIn(w uint64) (uint64, bool) {
	if w == 0 {
		return 0, true
	}
	if w&^refWordMask != s.refTag {
		return 0, false
	}
	return w & refWordMask, true
}

// isFuncWord reports whether values of t are funcref words (t's heap type
// resolved in ctx).
func isFuncWord(ctx *wasm.Module, t wasm.ValType) bool {
	return t.IsRef() && ctx.TopHeap(t.Heap()) == wasm.HeapFunc
}

// handOut prepares words, values of types ts leaving the store for the
// host: funcrefs take the store's generation and references of the any and
// extern hierarchies are rooted (see gcref.go).
func (s *storeState) handOut(ts []wasm.ValType, ctx *wasm.Module, words []uint64) {
	w := 0
	for _, t := range ts {
		switch {
		case isFuncWord(ctx, t):
			words[w] = s.funcWordOut(words[w])
		case t.IsRef() && gcheap.IsGCRef(ctx, t):
			s.vs.RootForHost(words[w])
		}
		w += t.Slots()
	}
}

// hasRefs reports whether any of ts is a reference type.
func hasRefs(ts []wasm.ValType) bool {
	for _, t := range ts {
		if t.IsRef() {
			return true
		}
	}
	return false
}

// checkWords checks and normalises words, one value of ts each (v128
// takes two). ctx resolves type indices in ts (nil when there are none).
func checkWords(s *storeState, ts []wasm.ValType, ctx *wasm.Module, words []uint64) error {
	w := 0
	for i, t := range ts {
		switch {
		case t == wasm.I32 || t == wasm.F32:
			words[w] = uint64(uint32(words[w]))
		case t.IsRef():
			in, err := checkRefWord(s, t, ctx, words[w])
			if err != nil {
				return fmt.Errorf("value %d: %w", i, err)
			}
			words[w] = in
		}
		w += t.Slots()
	}
	return nil
}

// checkRefWord checks one reference word the host hands in against
// reference type t and returns the engine's form of it.
func checkRefWord(s *storeState, t wasm.ValType, ctx *wasm.Module, ref uint64) (uint64, error) {
	if ref == 0 {
		if !t.Nullable() {
			return 0, fmt.Errorf("moat: null where %s is not nullable", t)
		}
		return 0, nil
	}
	h := t.Heap()
	switch top := ctx.TopHeap(h); {
	case h == wasm.HeapNoFunc || h == wasm.HeapNoExtern || h == wasm.HeapNoExn || h == wasm.HeapNone:
		return 0, fmt.Errorf("moat: %#x where %s admits only null", ref, t)
	case top == wasm.HeapFunc:
		in, ok := s.funcWordIn(ref)
		if !ok {
			return 0, fmt.Errorf("moat: %#x is not a funcref of this store (it carries another store's generation: a closed store's, another store's, or none)", ref)
		}
		f := s.vs.Func(in)
		if f == nil {
			return 0, fmt.Errorf("moat: %#x is not a funcref of this store", ref)
		}
		if !h.IsAbstract() {
			if want := ctx.FuncType(h.Index()); want == nil || !f.Type.SubtypeOf(want) {
				return 0, fmt.Errorf("moat: function %s has type %s, not a subtype of %s", f.DebugName(), f.Type, t)
			}
		}
		return in, nil
	case top == wasm.HeapExn:
		if s.vs.Exn(ref) == nil {
			return 0, fmt.Errorf("moat: %#x is not an exnref of this store", ref)
		}
	case top == wasm.HeapAny || top == wasm.HeapExtern:
		return ref, checkGCRef(s, t, ctx, ref)
	}
	return ref, nil
}

// typesContext is the module whose type indices a vm type refers to.
func typesContext(inst *vm.Instance) *wasm.Module {
	if inst == nil {
		return nil
	}
	return inst.Module
}
