package moat

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Words a host hands to WebAssembly are checked against their types, so
// that no host mistake can break a guarantee the validator gave the code:
// i32 and f32 words are cut to 32 bits, a funcref must be one of the
// store's functions (of the right type for a typed reference), an exnref
// one of its exceptions, a reference of the any or extern hierarchies a
// rooted word of the store of the right type (gcref.go), and a
// non-nullable reference must not be null.

// checkWords checks and normalises words, one value of ts each (v128
// takes two). ctx resolves type indices in ts (nil when there are none).
func checkWords(s *Store, ts []wasm.ValType, ctx *wasm.Module, words []uint64) error {
	w := 0
	for i, t := range ts {
		switch {
		case t == wasm.I32 || t == wasm.F32:
			words[w] = uint64(uint32(words[w]))
		case t.IsRef():
			if err := checkRefWord(s, t, ctx, words[w]); err != nil {
				return fmt.Errorf("value %d: %w", i, err)
			}
		}
		w += t.Slots()
	}
	return nil
}

// checkRefWord checks one reference word against reference type t.
func checkRefWord(s *Store, t wasm.ValType, ctx *wasm.Module, ref uint64) error {
	if ref == 0 {
		if !t.Nullable() {
			return fmt.Errorf("moat: null where %s is not nullable", t)
		}
		return nil
	}
	h := t.Heap()
	switch top := ctx.TopHeap(h); {
	case h == wasm.HeapNoFunc || h == wasm.HeapNoExtern || h == wasm.HeapNoExn || h == wasm.HeapNone:
		return fmt.Errorf("moat: %#x where %s admits only null", ref, t)
	case top == wasm.HeapFunc:
		f := s.vs.Func(ref)
		if f == nil {
			return fmt.Errorf("moat: %#x is not a funcref of this store", ref)
		}
		if !h.IsAbstract() {
			if want := ctx.FuncType(h.Index()); want == nil || !f.Type.SubtypeOf(want) {
				return fmt.Errorf("moat: function %s has type %s, not a subtype of %s", f.DebugName(), f.Type, t)
			}
		}
	case top == wasm.HeapExn:
		if s.vs.Exn(ref) == nil {
			return fmt.Errorf("moat: %#x is not an exnref of this store", ref)
		}
	case top == wasm.HeapAny || top == wasm.HeapExtern:
		return checkGCRef(s, t, ctx, ref)
	}
	return nil
}

// typesContext is the module whose type indices a vm type refers to.
func typesContext(inst *vm.Instance) *wasm.Module {
	if inst == nil {
		return nil
	}
	return inst.Module
}
