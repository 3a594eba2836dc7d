package moat

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/stress"
)

// compilerEngine makes a compiler engine with the given budget, or skips
// where the compiler is unavailable.
func budgetEngine(t *testing.T, kind EngineKind, budget CompileBudget) *Engine {
	t.Helper()
	e, err := NewEngine(Config{Engine: kind, CompileBudget: budget})
	if errors.Is(err, ErrCompilerUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// callF instantiates mod and calls its f(x).
func callF(t *testing.T, e *Engine, mod *Module, x uint32) uint32 {
	t.Helper()
	ctx := context.Background()
	inst, err := NewLinker(e).Instantiate(ctx, NewStore(e), mod)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(ctx)
	res, err := inst.Func("f").Call(ctx, EncodeI32(int32(x)))
	if err != nil {
		t.Fatal(err)
	}
	return uint32(DecodeI32(res[0]))
}

// A function keeping many locals live across many if/else merges costs
// values × blocks in liveness. Past the budget, Compile fails with the
// typed error after work and memory proportional to the budget, not to
// the function; below it, the function compiles and computes the right
// result.
func TestCompileBudgetLiveAcrossMerges(t *testing.T) {
	const budget = 1 << 21 // 2M steps: about 25 MB at most
	e := budgetEngine(t, EngineCompiler, CompileBudget{MaxFuncWork: budget})

	// 400 locals across 8,000 merges: about 10M live-in entries.
	big := stress.LiveAcrossMerges(400, 8000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := e.Compile(big)
	runtime.ReadMemStats(&after)
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Kind != BudgetExceeded {
		t.Fatalf("Compile of %d bytes with MaxFuncWork %d: got %v, want a *CompileError of kind BudgetExceeded", len(big), budget, err)
	}
	if ce.Func != 0 || !strings.Contains(ce.Msg, "MaxFuncWork") || !strings.Contains(err.Error(), "function 0") {
		t.Errorf("error %q (Func %d) should name function 0 and MaxFuncWork", err, ce.Func)
	}
	// Generous: the module itself, decoding and SSA are a few MB; the
	// cap allows ~12 bytes per step. Uncapped, this function allocates
	// over 150 MB.
	t.Logf("refused after allocating %d MB", (after.TotalAlloc-before.TotalAlloc)>>20)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
		t.Errorf("refusing the function allocated %d MB, want it bounded by the budget (under 100 MB)", alloc>>20)
	}

	// The same shape, small enough, compiles and runs right.
	small := stress.LiveAcrossMerges(60, 600)
	mod, err := e.Compile(small)
	if err != nil {
		t.Fatalf("Compile of the small shape: %v", err)
	}
	for _, x := range []uint32{0, 7, 599, 1 << 31} {
		if got, want := callF(t, e, mod, x), stress.LiveAcrossMergesResult(60, 600, x); got != want {
			t.Errorf("f(%d) = %d, want %d", x, got, want)
		}
	}

	// The interpreter, linear in the code, runs what the budget refused.
	ie := budgetEngine(t, EngineInterpreter, CompileBudget{})
	imod, err := ie.Compile(big)
	if err != nil {
		t.Fatalf("interpreter: %v", err)
	}
	if got, want := callF(t, ie, imod, 4321), stress.LiveAcrossMergesResult(400, 8000, 4321); got != want {
		t.Errorf("interpreter: f(4321) = %d, want %d", got, want)
	}
}

// The default budget compiles what real code needs: the shape at 200
// locals and 2,000 merges, and (TestCompileBudgetDefaultBench) the bench
// programs.
func TestCompileBudgetDefault(t *testing.T) {
	e := budgetEngine(t, EngineCompiler, CompileBudget{})
	wasm := stress.LiveAcrossMerges(200, 2000)
	mod, err := e.Compile(wasm)
	if err != nil {
		t.Fatalf("default budget: %v", err)
	}
	if got, want := callF(t, e, mod, 1000), stress.LiveAcrossMergesResult(200, 2000, 1000); got != want {
		t.Errorf("f(1000) = %d, want %d", got, want)
	}
	if got := e.Config().CompileBudget; got != (CompileBudget{}) {
		t.Errorf("Config().CompileBudget = %+v, want the zero value as given", got)
	}
}

// The time budget is checked before each function.
func TestCompileBudgetTimeout(t *testing.T) {
	e := budgetEngine(t, EngineCompiler, CompileBudget{Timeout: time.Nanosecond})
	_, err := e.Compile(stress.LiveAcrossMerges(10, 10))
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Kind != BudgetExceeded || !strings.Contains(ce.Msg, "CompileBudget.Timeout") {
		t.Fatalf("got %v, want a *CompileError of kind BudgetExceeded naming CompileBudget.Timeout", err)
	}
	if ce.Kind.String() != "budget exceeded" {
		t.Errorf("Kind.String() = %q", ce.Kind.String())
	}
	// No limits at all: negative values.
	e = budgetEngine(t, EngineCompiler, CompileBudget{Timeout: -1, MaxFuncWork: -1})
	if _, err := e.Compile(stress.LiveAcrossMerges(10, 10)); err != nil {
		t.Fatalf("unlimited: %v", err)
	}
}

// The budget bounds compiling, not loading: a module another engine
// compiled into the cache loads under a budget it would exceed (loading is
// linear in the artifact), and an engine with an empty cache still refuses
// it.
func TestCompileBudgetCacheHit(t *testing.T) {
	dir := t.TempDir()
	wasm := stress.LiveAcrossMerges(60, 600)
	newEngine := func(budget CompileBudget) *Engine {
		e, err := NewEngine(Config{Engine: EngineCompiler, CompileBudget: budget, CacheDir: dir})
		if errors.Is(err, ErrCompilerUnavailable) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if _, err := newEngine(CompileBudget{MaxFuncWork: -1}).Compile(wasm); err != nil {
		t.Fatal(err)
	}
	small := CompileBudget{MaxFuncWork: 100}
	e := newEngine(small)
	mod, err := e.Compile(wasm)
	if err != nil {
		t.Fatalf("cache hit under MaxFuncWork 100: %v", err)
	}
	if got, want := callF(t, e, mod, 9), stress.LiveAcrossMergesResult(60, 600, 9); got != want {
		t.Errorf("f(9) = %d, want %d", got, want)
	}
	_, err = budgetEngine(t, EngineCompiler, small).Compile(wasm)
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Kind != BudgetExceeded {
		t.Errorf("without the cache: got %v, want a *CompileError of kind BudgetExceeded", err)
	}
}
