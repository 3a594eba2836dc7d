package moat

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat/internal/stress"
)

// compileBound is the stated bound on one Compile's peak heap under the
// default budget: perByte bytes for each byte of the module, plus fixed
// (what a function of the most locals allowed costs however short).
type compileBound struct{ perByte, fixed uint64 }

// compileBounds holds the bound of each engine: the worst ratios measured
// (docs/compiler.md, "Memory per byte of input") are 896-977 bytes per
// byte on the compiler (an if chain just under MaxFuncSize) and 145 on the
// interpreter (nested blocks at the cap); outside bodies, constant
// expressions (element items, global initialisers) take at most about 14
// on both (sectionBytesPerByte).
var compileBounds = map[EngineKind]compileBound{
	EngineCompiler:    {1280, 8 << 20},
	EngineInterpreter: {256, 8 << 20},
}

// memoryShapes are the shapes of internal/stress at the size where each
// costs most per byte under the default budget (just under MaxFuncSize,
// where the compiler builds the most before refusing), and those whose
// refusal at the body-size limit no other test checks. heavy marks the
// ones that take the compiler seconds and hundreds of MB; ownTest those
// another test holds to the bound (the worst: TestCompileBudgetFuncSizeBound).
var memoryShapes = []struct {
	name           string
	wasm           func() []byte
	heavy, ownTest bool
}{
	{"IfChain(50_000)", func() []byte { return stress.IfChain(50_000) }, true, true},
	{"LiveAcrossMerges(200, 20_000)", func() []byte { return stress.LiveAcrossMerges(200, 20_000) }, true, false},
	{"NestedBlocks(100_000)", func() []byte { return stress.NestedBlocks(100_000) }, false, false},
	{"BrTable(250_000)", func() []byte { return stress.BrTable(250_000) }, false, false},
	{"SelectChain(120_000)", func() []byte { return stress.SelectChain(120_000) }, false, false},
	{"BrTableDepths(5000, 200_000)", func() []byte { return stress.BrTableDepths(5000, 200_000) }, false, false},
	{"ManyLocals(50_000)", func() []byte { return stress.ManyLocals(50_000) }, false, false},
	{"ElemFuncs(500_000)", func() []byte { return stress.ElemFuncs(500_000) }, false, false},
	{"ElemExprs(300_000)", func() []byte { return stress.ElemExprs(300_000) }, false, false},
	{"ElemNulls(300_000)", func() []byte { return stress.ElemNulls(300_000) }, false, false},
	{"ElemGlobalGets(300_000)", func() []byte { return stress.ElemGlobalGets(300_000) }, false, false},
	{"ElemTypedFuncs(300_000)", func() []byte { return stress.ElemTypedFuncs(300_000) }, false, false},
	{"ElemI31s(200_000)", func() []byte { return stress.ElemI31s(200_000) }, false, false},
	{"ElemStructs(250_000)", func() []byte { return stress.ElemStructs(250_000) }, false, false},
	{"Globals(300_000)", func() []byte { return stress.Globals(300_000) }, false, false},
	{"SelectChain(1_300_000)", func() []byte { return stress.SelectChain(1_300_000) }, false, false},
	{"LiveAcrossMerges(200, 250_000)", func() []byte { return stress.LiveAcrossMerges(200, 250_000) }, false, false},
	{"BrTableDepths(100_000, 2_000_000)", func() []byte { return stress.BrTableDepths(100_000, 2_000_000) }, false, false},
}

// From the attacker's side: each shape is compiled or refused with
// BudgetExceeded, on both engines under the default budget, and the heap
// during the attempt stays under the engine's stated bound per byte.
func TestCompileMemoryBound(t *testing.T) {
	for _, s := range memoryShapes {
		if s.ownTest || s.heavy && testing.Short() {
			continue
		}
		wasm := s.wasm()
		for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
			e := budgetEngine(t, kind, CompileBudget{})
			var err error
			peak := peakHeapDuring(func() { _, err = e.Compile(wasm) })
			var ce *CompileError
			if err != nil && (!errors.As(err, &ce) || ce.Kind != BudgetExceeded) {
				t.Errorf("%s/%s: %v, want it compiled or refused with BudgetExceeded", kind, s.name, err)
				continue
			}
			b := compileBounds[kind]
			bound := b.perByte*uint64(len(wasm)) + b.fixed
			t.Logf("%s/%s (%d bytes): peak heap +%d MB, %d bytes per byte (refused: %v)", kind, s.name, len(wasm), peak>>20, peak/uint64(len(wasm)), err != nil)
			if peak > bound {
				t.Errorf("%s/%s: compiling %d bytes grew the heap by %d MB, past the bound of %d bytes per byte + %d MB (%d MB)",
					kind, s.name, len(wasm), peak>>20, b.perByte, b.fixed>>20, bound>>20)
			}
		}
	}
}

// sectionBytesPerByte bounds the peak heap of compiling a module whose
// bytes are all in its sections (globals, element segments) rather than in
// function bodies: 3-14 bytes per byte measured on both engines
// (docs/compiler.md), and the decoder's lists are made once, sized by
// their count, so nothing doubles.
const sectionBytesPerByte = 24

// From the attacker's side: a module of a million constant expressions,
// whatever their instructions (element items of function indices,
// global.get, ref.func into a typed segment, GC constructors of one and
// two instructions; global initialisers), costs a compile a few bytes per
// byte on both engines. GC constructors held as Instrs took 65-77.
func TestCompileSectionsMemoryBound(t *testing.T) {
	for _, s := range []struct {
		name string
		wasm []byte
	}{
		{"Globals(100_000)", stress.Globals(100_000)},
		{"ElemExprs(100_000)", stress.ElemExprs(100_000)},
		{"ElemGlobalGets(100_000)", stress.ElemGlobalGets(100_000)},
		{"ElemTypedFuncs(100_000)", stress.ElemTypedFuncs(100_000)},
		{"ElemI31s(100_000)", stress.ElemI31s(100_000)},
		{"ElemStructs(100_000)", stress.ElemStructs(100_000)},
	} {
		for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
			e := budgetEngine(t, kind, CompileBudget{})
			var err error
			peak := peakHeapDuring(func() { _, err = e.Compile(s.wasm) })
			if err != nil {
				t.Errorf("%s/%s: %v", kind, s.name, err)
				continue
			}
			t.Logf("%s/%s (%d bytes): peak heap %d bytes per byte", kind, s.name, len(s.wasm), peak/uint64(len(s.wasm)))
			if bound := sectionBytesPerByte * uint64(len(s.wasm)); peak > bound {
				t.Errorf("%s/%s: compiling %d bytes grew the heap by %d bytes, %d per byte, past %d per byte",
					kind, s.name, len(s.wasm), peak, peak/uint64(len(s.wasm)), sectionBytesPerByte)
			}
		}
	}
}

// instanceHeap instantiates mod in a fresh store with limits and reports
// the heap the instance holds once made (live, after a GC) and the
// instantiation's error.
func instanceHeap(t *testing.T, e *Engine, mod *Module, limits StoreLimits) (uint64, error) {
	t.Helper()
	ctx := context.Background()
	st := NewStore(e)
	if err := st.SetLimits(limits); err != nil {
		t.Fatal(err)
	}
	var (
		inst *Instance
		err  error
	)
	peak := peakHeapDuring(func() { inst, err = NewLinker(e).Instantiate(ctx, st, mod) })
	if inst != nil {
		inst.Close(ctx)
	}
	return peak, err
}

// What a hostile module's instances cost in Go heap: globals and passive
// element segments a few bytes per byte of module, on both engines; tables
// 8 bytes per element, which a few bytes of module declare by the million,
// so StoreLimits bounds them, refused before anything is allocated.
func TestInstantiateMemoryBound(t *testing.T) {
	const perByte = 20 // measured: 13 for globals, 12 for element items
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		e := budgetEngine(t, kind, CompileBudget{})
		for _, s := range []struct {
			name string
			wasm []byte
		}{
			{"Globals(300_000)", stress.Globals(300_000)},
			{"ElemFuncs(500_000)", stress.ElemFuncs(500_000)},
			{"ElemExprs(300_000)", stress.ElemExprs(300_000)},
			{"ElemNulls(300_000)", stress.ElemNulls(300_000)},
		} {
			mod, err := e.Compile(s.wasm)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, s.name, err)
			}
			heap, err := instanceHeap(t, e, mod, StoreLimits{})
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, s.name, err)
			}
			t.Logf("%s/%s (%d bytes): instance heap +%d MB", kind, s.name, len(s.wasm), heap>>20)
			if heap > perByte*uint64(len(s.wasm)) {
				t.Errorf("%s/%s: an instance of %d bytes of module took %d MB of heap, want at most %d bytes per byte", kind, s.name, len(s.wasm), heap>>20, perByte)
			}
		}

		// 100 tables of 10,000,000 elements in 500 bytes would take 8 GB
		// (Config.MaxTableElements and the decoder's 100 tables allow it);
		// a store's limits refuse them before any is made.
		hostile, err := e.Compile(stress.Tables(100, 10_000_000))
		if err != nil {
			t.Fatal(err)
		}
		for _, limits := range []StoreLimits{{TableElements: 1_000_000}, {Tables: 10}} {
			heap, err := instanceHeap(t, e, hostile, limits)
			if !errors.Is(err, ErrResourceLimit) {
				t.Fatalf("%s: 100 tables of 10,000,000 elements under %+v: got %v, want ErrResourceLimit", kind, limits, err)
			}
			if heap > 1<<20 {
				t.Errorf("%s: refusing the tables under %+v grew the heap by %d KB, want under 1 MB", kind, limits, heap>>10)
			}
		}
		// Within the limits, a table costs 8 bytes an element.
		small, err := e.Compile(stress.Tables(1, 1_000_000))
		if err != nil {
			t.Fatal(err)
		}
		heap, err := instanceHeap(t, e, small, StoreLimits{TableElements: 1_000_000})
		if err != nil {
			t.Fatal(err)
		}
		// The floor allows 100 KB below 8 bytes an element: a collection
		// during the instantiation may free what was live at the baseline
		// (sync.Pool's victims), which measured 6 KB under load.
		if heap < 7_900_000 || heap > 9_000_000 {
			t.Errorf("%s: a table of 1,000,000 elements took %d bytes of heap, want about 8 per element", kind, heap)
		}
	}
}

// A segment of function indices (one byte an item) is held as indices,
// not as a constant expression per item (176 bytes each, which made 100 MB
// of module ask for 17 GB): compiling and instantiating it take a few
// bytes per byte on both engines (the spec suites check the items).
func TestElemFuncIndicesCompact(t *testing.T) {
	const items = 1_000_000
	wasm := stress.ElemFuncs(items)
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		e := budgetEngine(t, kind, CompileBudget{})
		var (
			mod *Module
			err error
		)
		peak := peakHeapDuring(func() { mod, err = e.Compile(wasm) })
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		t.Logf("%s: %d items compiled, peak heap +%d MB", kind, items, peak>>20)
		if peak > 16*uint64(len(wasm)) {
			t.Errorf("%s: compiling %d one-byte items grew the heap by %d MB, want under 16 bytes an item", kind, items, peak>>20)
		}
		heap, err := instanceHeap(t, e, mod, StoreLimits{})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if heap > 16*uint64(len(wasm)) {
			t.Errorf("%s: an instance holding %d items took %d MB of heap, want under 16 bytes an item", kind, items, heap>>20)
		}
	}
}
