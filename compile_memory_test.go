package moat

import (
	"errors"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/stress"
)

// heapObjects is the runtime metric of live and unswept heap objects: what
// a peak of compile memory is measured in.
const heapObjects = "/memory/classes/heap/objects:bytes"

// peakHeapDuring runs f and reports the highest heap, in bytes above the
// heap before it (after a GC), sampled every 100 µs while f runs. Samples
// miss short spikes, so the figure is a lower bound of the true peak, close
// to it for compiles that run for many milliseconds.
func peakHeapDuring(f func()) uint64 {
	sample := []metrics.Sample{{Name: heapObjects}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	var (
		peak uint64
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: heapObjects}}
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}

// BenchmarkCompileMemory reports, for each shape of memoryShapes and each
// engine, the peak heap of one compile per byte of module (peak-B/in-B),
// the bytes allocated per byte (alloc-B/in-B) and whether the default
// budget refused it (refused):
//
//	go test -run '^$' -bench CompileMemory -benchtime 1x .
func BenchmarkCompileMemory(b *testing.B) {
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		for _, s := range memoryShapes {
			b.Run(kind.String()+"/"+s.name, func(b *testing.B) {
				e, err := NewEngine(Config{Engine: kind})
				if err != nil {
					b.Skip(err)
				}
				wasm := s.wasm()
				var before, after runtime.MemStats
				var peak uint64
				refused := 0.0
				runtime.ReadMemStats(&before)
				for b.Loop() {
					peak = max(peak, peakHeapDuring(func() {
						_, err := e.Compile(wasm)
						var ce *CompileError
						switch {
						case errors.As(err, &ce) && ce.Kind == BudgetExceeded:
							refused = 1
						case err != nil:
							b.Fatal(err)
						}
					}))
				}
				runtime.ReadMemStats(&after)
				in := float64(len(wasm))
				b.ReportMetric(float64(len(wasm)), "in-B")
				b.ReportMetric(float64(peak)/in, "peak-B/in-B")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/in, "alloc-B/in-B")
				b.ReportMetric(refused, "refused")
			})
		}
	}
}

// The shapes compile and compute right on both engines at a small size.
func TestCompileMemoryShapesRun(t *testing.T) {
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		e := budgetEngine(t, kind, CompileBudget{})
		for _, tt := range []struct {
			name string
			wasm []byte
			f    func(x uint32) uint32
		}{
			{"IfChain", stress.IfChain(300), func(x uint32) uint32 { return stress.IfChainResult(300, x) }},
			{"NestedBlocks", stress.NestedBlocks(300), func(x uint32) uint32 { return x }},
			{"BrTable", stress.BrTable(300), func(x uint32) uint32 { return x }},
			{"ManyLocals", stress.ManyLocals(3000), func(x uint32) uint32 { return x }},
			{"SelectChain", stress.SelectChain(300), func(x uint32) uint32 { return stress.SelectChainResult(300, x) }},
		} {
			mod, err := e.Compile(tt.wasm)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, tt.name, err)
			}
			for _, x := range []uint32{0, 1, 5, 1 << 31} {
				if got, want := callF(t, e, mod, x), tt.f(x); got != want {
					t.Errorf("%s/%s: f(%d) = %d, want %d", kind, tt.name, x, got, want)
				}
			}
		}
	}
}

// A function body past the implementation limit (1,000,000 ifs in a row,
// 9 MB, which took 8.4 GB to compile) is refused by the decoder, on both
// engines, before anything is built for it: a Malformed error naming the
// limit and the function, with the heap during the attempt growing by
// little more than the module itself.
func TestCompileRefusesHugeFunctionBody(t *testing.T) {
	wasm := stress.IfChain(1_000_000)
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		wantRefusedWithin(t, budgetEngine(t, kind, CompileBudget{}), wasm, Malformed, 64<<20,
			kind.String()+": Compile of a 9 MB function body", "implementation limit exceeded", "function body")
	}
}

// A function under the body-size limit but built to cost the compiler
// most per byte (800,000 ifs in a row, 7.2 MB: uncapped, about 6 GB) is
// refused under the default budget with BudgetExceeded naming
// MaxFuncSize, once its SSA passes the cap and before the back end runs:
// the heap during the attempt stays under a bound proportional to the cap,
// not to the function.
func TestCompileBudgetFuncSizeIfChain(t *testing.T) {
	wasm := stress.IfChain(800_000)
	wantRefusedWithin(t, budgetEngine(t, EngineCompiler, CompileBudget{}), wasm, BudgetExceeded, 300<<20,
		"Compile of 800,000 ifs", "MaxFuncSize")
	var ce *CompileError

	// A lower cap refuses a smaller chain; without a cap, it compiles.
	small := stress.IfChain(2000)
	low := budgetEngine(t, EngineCompiler, CompileBudget{MaxFuncSize: 5000})
	if _, err := low.Compile(small); !errors.As(err, &ce) || ce.Kind != BudgetExceeded {
		t.Errorf("2,000 ifs with MaxFuncSize 5000: got %v, want BudgetExceeded", err)
	}
	for _, budget := range []CompileBudget{{}, {MaxFuncSize: -1}} {
		be := budgetEngine(t, EngineCompiler, budget)
		mod, err := be.Compile(small)
		if err != nil {
			t.Fatalf("2,000 ifs with %+v: %v", budget, err)
		}
		if got, want := callF(t, be, mod, 3), stress.IfChainResult(2000, 3); got != want {
			t.Errorf("f(3) = %d, want %d", got, want)
		}
	}
}

// Just under the cap, the shape that costs the compiler most per SSA value
// and per byte compiles, within the stated bound (compileBounds): the
// bound on one function's compile memory under the default budget.
func TestCompileBudgetFuncSizeBound(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a 450 KB function")
	}
	const ifs = 50_000 // about 250,000 SSA values and blocks: under 2^18
	wasm := stress.IfChain(ifs)
	e := budgetEngine(t, EngineCompiler, CompileBudget{})
	var (
		mod *Module
		err error
	)
	peak := peakHeapDuring(func() { mod, err = e.Compile(wasm) })
	if err != nil {
		t.Fatalf("%d ifs under the default budget: %v", ifs, err)
	}
	t.Logf("%d ifs (%d bytes) compiled, peak heap +%d MB, %d bytes per byte", ifs, len(wasm), peak>>20, peak/uint64(len(wasm)))
	b := compileBounds[EngineCompiler]
	if bound := b.perByte*uint64(len(wasm)) + b.fixed; peak > bound {
		t.Errorf("compiling grew the heap by %d MB, past the bound of %d bytes per byte + %d MB (%d MB)", peak>>20, b.perByte, b.fixed>>20, bound>>20)
	}
	if got, want := callF(t, e, mod, 7), stress.IfChainResult(ifs, 7); got != want {
		t.Errorf("f(7) = %d, want %d", got, want)
	}
}

// One br_table of 7,600,000 targets (7.6 MB, under the body limit; about
// 2.3 GB to compile uncapped) counts its targets against MaxFuncSize and is
// refused before the builder copies them, on both engines.
func TestCompileBudgetFuncSizeBrTable(t *testing.T) {
	wasm := stress.BrTable(7_600_000)
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		wantRefusedWithin(t, budgetEngine(t, kind, CompileBudget{}), wasm, BudgetExceeded, 300<<20,
			kind.String()+": Compile of a br_table of 7,600,000 targets", "MaxFuncSize")
	}
}

// 2,500,000 nested blocks (7.5 MB, under the body limit) are refused by
// MaxFuncSize on both engines, counted as open blocks, and neither the
// validator's control stack, which holds every open block before an engine
// sees the function, nor the engine's grows the heap past a bound: 24
// bytes a block in the validator (it took 577 MB on the compiler and 984
// MB on the interpreter when its frames were 72 bytes and copied on
// growth, and the interpreter had no cap).
func TestCompileNestedBlocksBounded(t *testing.T) {
	wasm := stress.NestedBlocks(2_500_000)
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		wantRefusedWithin(t, budgetEngine(t, kind, CompileBudget{}), wasm, BudgetExceeded, 200<<20,
			kind.String()+": Compile of 2,500,000 nested blocks", "MaxFuncSize")
	}
}

// The interpreter's MaxFuncSize counts its instructions (an if of IfChain
// takes two): a cap refuses a
// function whose code passes it with BudgetExceeded naming the function
// and the cap; the default and no cap translate it and run it right.
func TestCompileBudgetFuncSizeInterpreter(t *testing.T) {
	wasm := stress.IfChain(2000)
	low := budgetEngine(t, EngineInterpreter, CompileBudget{MaxFuncSize: 3000})
	_, err := low.Compile(wasm)
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Kind != BudgetExceeded || ce.Func != 0 ||
		!strings.Contains(ce.Msg, "more than 3000 instructions") || !strings.Contains(ce.Msg, "MaxFuncSize") {
		t.Fatalf("2,000 ifs (about 4,000 instructions) on the interpreter with MaxFuncSize 3000: got %v, want BudgetExceeded naming the cap and MaxFuncSize in function 0", err)
	}
	for _, budget := range []CompileBudget{{}, {MaxFuncSize: -1}} {
		e := budgetEngine(t, EngineInterpreter, budget)
		mod, err := e.Compile(wasm)
		if err != nil {
			t.Fatalf("2,000 ifs on the interpreter with %+v: %v", budget, err)
		}
		if got, want := callF(t, e, mod, 3), stress.IfChainResult(2000, 3); got != want {
			t.Errorf("%+v: f(3) = %d, want %d", budget, got, want)
		}
	}
}

// A br_table whose targets cycle through many depths that each need their
// own moves is translated in time linear in the table: the interpreter
// used to pair each target with an earlier one of its depth by scanning
// the targets before it (1,000,000 targets over 100,000 depths: 5·10^10
// steps). Small, it runs right on both engines; large, without a cap, the
// interpreter translates it well within the guard's minute.
func TestBrTableManyDepths(t *testing.T) {
	for _, kind := range []EngineKind{EngineCompiler, EngineInterpreter} {
		e := budgetEngine(t, kind, CompileBudget{})
		mod, err := e.Compile(stress.BrTableDepths(300, 1000))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for _, x := range []uint32{0, 1, 299, 300, 301, 999, 1000, 1 << 31} {
			if got, want := callF(t, e, mod, x), stress.BrTableDepthsResult(300, 1000, x); got != want {
				t.Errorf("%s: f(%d) = %d, want %d", kind, x, got, want)
			}
		}
	}
	if testing.Short() {
		t.Skip("translates a 3.6 MB function")
	}
	const depth, targets = 100_000, 1_000_000
	e := budgetEngine(t, EngineInterpreter, CompileBudget{MaxFuncSize: -1})
	wasm := stress.BrTableDepths(depth, targets)
	done := make(chan error, 1)
	var mod *Module
	go func() {
		var err error
		mod, err = e.Compile(wasm)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("translating a br_table of %d targets over %d depths did not finish in a minute", targets, depth)
	}
	for _, x := range []uint32{0, 99_999, 100_000, 999_999, 1_000_000} {
		if got, want := callF(t, e, mod, x), stress.BrTableDepthsResult(depth, targets, x); got != want {
			t.Errorf("f(%d) = %d, want %d", x, got, want)
		}
	}
}

// wantRefusedWithin compiles wasm on e and wants it refused with a
// *CompileError of kind k in function 0 whose message names each of msgs,
// the heap growing by less than maxPeak bytes during the attempt.
func wantRefusedWithin(t *testing.T, e *Engine, wasm []byte, k CompileErrorKind, maxPeak uint64, what string, msgs ...string) {
	t.Helper()
	var err error
	peak := peakHeapDuring(func() { _, err = e.Compile(wasm) })
	var ce *CompileError
	ok := errors.As(err, &ce) && ce.Kind == k && ce.Func == 0
	for _, m := range msgs {
		ok = ok && strings.Contains(ce.Msg, m)
	}
	if !ok {
		t.Fatalf("%s (%d bytes): got %v, want a %v error in function 0 naming %q", what, len(wasm), err, k, msgs)
	}
	t.Logf("%s: %v (peak heap +%d MB)", what, err, peak>>20)
	if peak > maxPeak {
		t.Errorf("%s: refusing it grew the heap by %d MB, want under %d MB", what, peak>>20, maxPeak>>20)
	}
}
