package moat_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// FuzzDifferential runs the same valid module on the interpreter and the
// compiler (with guard pages, and again with explicit bounds checks) and
// requires them to agree exactly: every export's results (NaNs
// match any NaN, everything else bit for bit), traps and their codes, the
// arguments of every host call, and at the end the exported globals and
// exported memories (size and contents), i31 references by value, and a
// GC heap that verifies after every collection. Inputs that are not a
// valid module become one through genModule. A run that is interrupted by its deadline or
// exhausts the call stack (whose depth the engines count differently) is
// compared only up to that point.
//
//	go test -run '^$' -fuzz '^FuzzDifferential$' -fuzztime 20m -timeout 0 .
//
// Unless -fuzzminimizetime is given, each new-coverage input is minimised
// for at most fuzzMinimizeExecutions executions rather than go test's
// minute, which the coordinator ends by killing the worker
// (fuzz_minimize_test.go says why); a bound given on the command line should
// be a count too ("-fuzzminimizetime 100x"). MOAT_FUZZ_TRACE logs every
// input and the time of each of its phases (fuzz_differential_trace_test.go).
// A bare "context deadline exceeded" failure at the end of a -fuzztime
// duration, with no input written, is go test's coordinator racing its own
// deadline (Go 1.26), not a finding; a -fuzztime count has no deadline.
//
// Seeds: testdata/fuzz/FuzzDifferential holds a dozen small wasm-opt -ttf
// modules; divergences found so far live, reduced to text, in
// differentialRegressions. MOAT_TTF=1 compares both engines on freshly made
// -ttf modules (TestDifferentialTTF).
func FuzzDifferential(f *testing.F) {
	boundFuzzMinimize(flag.CommandLine, fuzzMinimizeExecutions)
	interp, compilers := differentialEngines(f)
	for _, seed := range [][]byte{nil, []byte("moat"), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Deadlines bound every call; an input still running after this
		// long is a hang in the engines themselves.
		watchdog := time.AfterFunc(30*time.Second, func() {
			fmt.Fprintf(os.Stderr, "FuzzDifferential: input still running after 30s: %x\n", b)
			buf := make([]byte, 1<<20)
			panic("FuzzDifferential hung:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		differential(t, interp, compilers, b)
	})
}

// differentialEngines returns the interpreter and the compiler engines to
// compare with it: one per bounds-check mode the compiler has here.
func differentialEngines(tb testing.TB) (interp *moat.Engine, compilers []*moat.Engine) {
	// A small GC heap makes the collector run often (its trigger is a
	// quarter of the limit).
	cfg := moat.Config{MaxMemoryPages: 64, MaxTableElements: 10_000, MaxCallDepth: 400, MaxGCHeapBytes: 2 << 20}
	gcheap.SetVerify(true)
	cfg.Engine = moat.EngineInterpreter
	interp, err := moat.NewEngine(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Engine = moat.EngineCompiler
	for _, mode := range boundsModes {
		cfg.BoundsChecks = mode
		compiler, err := moat.NewEngine(cfg)
		if errors.Is(err, moat.ErrCompilerUnavailable) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		compilers = append(compilers, compiler)
	}
	if len(compilers) == 0 {
		tb.Skip("the compiler engine is not available on this platform")
	}
	return interp, compilers
}

// differential compares the interpreter with each compiler on b, or on
// the module derived from b when b is not a valid module.
func differential(t *testing.T, interp *moat.Engine, compilers []*moat.Engine, b []byte) {
	tr := beginInputTrace(b)
	defer tr.end()
	module := b
	wat := ""
	if _, err := interp.Compile(b); err != nil {
		wat = genModule(b)
		if module, err = moat.Wat2Wasm([]byte(wat)); err != nil {
			t.Fatalf("generated text does not assemble: %v\n%s", err, wat)
		}
		if _, err := interp.Compile(module); err != nil {
			t.Fatalf("generated module is invalid: %v\n%s", err, wat)
		}
	}
	tr.phase("gen")
	want, err := observe(interp, module, b, tr, "interp")
	if err != nil {
		t.Fatalf("interpreter: %v\n%s", err, wat)
	}
	for _, compiler := range compilers {
		mode := compiler.Config().BoundsChecks
		got, err := observe(compiler, module, b, tr, strings.ReplaceAll(mode.String(), " ", "-"))
		if err != nil {
			t.Fatalf("compiler (%v bounds checks): %v\n%s", mode, err, wat)
		}
		if n, err := gcheap.VerifyFailures(); n != 0 {
			t.Fatalf("%d GC heap verifications failed, last: %v\n%s", n, err, wat)
		}
		if i, ok := agree(want, got); !ok {
			t.Fatalf("engines disagree at event %d (compiler with %v bounds checks):\ninterpreter: %s\ncompiler:    %s\n\ninterpreter events:\n%s\ncompiler events:\n%s\nmodule:\n%s",
				i, mode, at(want, i), at(got, i), strings.Join(want, "\n"), strings.Join(got, "\n"), wat)
		}
	}
}

// incomparable ends a trace whose remainder depends on engine-specific
// limits (deadline, stack depth).
const incomparable = "incomparable"

func at(events []string, i int) string {
	if i < len(events) {
		return events[i]
	}
	return "(end)"
}

// agree reports whether two traces match up to the first incomparable
// event of either, and where they first differ.
func agree(a, b []string) (int, bool) {
	for i := 0; ; i++ {
		if i == len(a) || i == len(b) {
			return i, len(a) == len(b)
		}
		if a[i] == incomparable || b[i] == incomparable {
			return i, true
		}
		if a[i] != b[i] {
			return i, false
		}
	}
}

// observe instantiates module on engine with stub imports that log their
// arguments, calls every exported function twice (zero arguments, then
// arguments drawn from seed) and returns the trace of what happened.
// It fails only for errors that are not a guest's doing. tr times the
// compile and the run under name.
func observe(engine *moat.Engine, module, seed []byte, tr *inputTrace, name string) ([]string, error) {
	m, err := engine.Compile(module)
	tr.phase(name + "-compile")
	if err != nil {
		return nil, err
	}
	defer tr.phase(name + "-run")
	var events []string
	store := moat.NewStore(engine)
	linker := moat.NewLinker(engine)
	for _, imp := range m.Imports() {
		switch t := imp.Type.(type) {
		case moat.FuncType:
			name := imp.Module + "." + imp.Name
			err = linker.DefineHostFunc(imp.Module, imp.Name, t, func(_ context.Context, c *moat.Caller, stack []uint64) error {
				events = append(events, "host "+name+" "+formatValues(store, t.Params, stack))
				clear(stack[:slots(t.Results)])
				return nil
			})
		case moat.MemoryType:
			var mem *moat.Memory
			if mem, err = moat.NewMemory(store, t); err == nil {
				err = linker.Define(imp.Module, imp.Name, mem)
			}
		case moat.TableType:
			var tab *moat.Table
			if tab, err = moat.NewTable(store, t, 0); err == nil {
				err = linker.Define(imp.Module, imp.Name, tab)
			}
		case moat.GlobalType:
			var g *moat.Global
			if g, err = moat.NewGlobal(store, t, 0); err == nil {
				err = linker.Define(imp.Module, imp.Name, g)
			}
		}
		if err != nil {
			return []string{"imports: " + err.Error()}, nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	inst, err := linker.Instantiate(ctx, store, m)
	if err != nil {
		ev, err := outcome(err)
		return append(events, "instantiate: "+ev), err
	}
	defer inst.Close(context.Background())
	h := fnv.New64a()
	h.Write(seed)
	rng := rand.New(rand.NewPCG(h.Sum64(), 0))
	for round := range 2 {
		for _, e := range inst.Exports() {
			fn := inst.Func(e.Name)
			if fn == nil {
				continue
			}
			ft := fn.Type()
			params := make([]uint64, slots(ft.Params))
			if round == 1 {
				i := 0
				for _, p := range ft.Params {
					switch {
					case p.IsRef():
						// null (a typed reference, anyref, exnref... as much as
						// funcref): any other word is not a reference of this store
					case p == moat.ValueV128:
						params[i], params[i+1] = argument(rng), argument(rng)
						i++
					default:
						params[i] = argument(rng)
					}
					i++
				}
			}
			callCtx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
			results, err := fn.Call(callCtx, params...)
			cancel()
			ev := "call " + e.Name + "(" + formatValues(store, ft.Params, params) + ") -> "
			if err != nil {
				var o string
				if o, err = outcome(err); err != nil {
					return events, err
				}
				if o == incomparable {
					return append(events, o), nil
				}
				events = append(events, ev+o)
				continue
			}
			events = append(events, ev+formatValues(store, ft.Results, results))
		}
	}
	for _, e := range inst.Exports() {
		if g := inst.Global(e.Name); g != nil {
			lo, hi := g.GetV128()
			v := g.Get()
			if g.Type().Value == moat.ValueV128 {
				events = append(events, fmt.Sprintf("global %s = %#x %#x", e.Name, lo, hi))
			} else {
				events = append(events, "global "+e.Name+" = "+formatValues(store, []moat.ValueType{g.Type().Value}, []uint64{v}))
			}
		}
		if mem := inst.Memory(e.Name); mem != nil {
			events = append(events, fmt.Sprintf("memory %s: %d pages, sha256 %x", e.Name, mem.Size(), sha256.Sum256(mem.Bytes())))
		}
	}
	return events, nil
}

// outcome describes a call's error, or says the rest of the run cannot be
// compared; errors that are neither traps nor limits are returned.
func outcome(err error) (string, error) {
	var trap *moat.Trap
	var le *moat.LinkError
	var exn *moat.Exception
	switch {
	case errors.As(err, &exn):
		// Tags have no names here: the type and payload tell them apart.
		tt := exn.Tag().Type().Type
		return fmt.Sprintf("exception %s %s", tt, formatValues(nil, tt.Params, exn.Payload())), nil
	case errors.As(err, &trap):
		// The heap's limit is one too: the engines' stack scans are
		// conservative, each in its own way, so they may retain different
		// garbage.
		if trap.Code == moat.TrapInterrupted || trap.Code == moat.TrapStackExhausted || trap.Code == moat.TrapGCHeapOutOfMemory {
			return incomparable, nil
		}
		return "trap " + trap.Code.String(), nil
	case errors.Is(err, moat.ErrResourceLimit):
		return incomparable, nil
	case errors.As(err, &le):
		return "link error", nil
	}
	return "", err
}

func argument(rng *rand.Rand) uint64 {
	switch rng.IntN(4) {
	case 0:
		return uint64(interestingI32[rng.IntN(len(interestingI32))])
	case 1:
		return math.Float64bits(interestingF64[rng.IntN(len(interestingF64))])
	case 2:
		return uint64(math.Float32bits(float32(interestingF64[rng.IntN(len(interestingF64))])))
	}
	return rng.Uint64()
}

// mayHoldI31 reports whether a value of type t may be an i31 (function
// and exception references are encoded differently by each engine).
func mayHoldI31(t moat.ValueType) bool {
	for _, a := range []moat.ValueType{moat.ValueAnyRef, moat.ValueEqRef, moat.ValueI31Ref} {
		if t == a || t == a.NonNull() {
			return true
		}
	}
	return false
}

// formatValues prints words of the given types; every NaN prints as "nan"
// (the spec leaves sign and payload of computed NaNs open), references
// print as null or by their function type (the engines encode them
// differently).
func formatValues(store *moat.Store, types []moat.ValueType, words []uint64) string {
	var parts []string
	i := 0
	for _, t := range types {
		if i >= len(words) {
			break
		}
		w := words[i]
		i++
		switch t {
		case moat.ValueI32:
			parts = append(parts, fmt.Sprintf("i32:%#x", uint32(w)))
		case moat.ValueI64:
			parts = append(parts, fmt.Sprintf("i64:%#x", w))
		case moat.ValueF32:
			if f := math.Float32frombits(uint32(w)); f != f {
				parts = append(parts, "f32:nan")
			} else {
				parts = append(parts, fmt.Sprintf("f32:%#x", uint32(w)))
			}
		case moat.ValueF64:
			if f := math.Float64frombits(w); f != f {
				parts = append(parts, "f64:nan")
			} else {
				parts = append(parts, fmt.Sprintf("f64:%#x", w))
			}
		case moat.ValueV128:
			hi := uint64(0)
			if i < len(words) {
				hi = words[i]
				i++
			}
			parts = append(parts, fmt.Sprintf("v128:%#x:%#x", w, hi))
		case moat.ValueFuncRef:
			switch {
			case w == 0:
				parts = append(parts, "funcref:null")
			case moat.FuncFromRef(store, w) == nil:
				parts = append(parts, "funcref:unknown")
			default:
				parts = append(parts, fmt.Sprintf("funcref:%v", moat.FuncFromRef(store, w).Type()))
			}
		default:
			if w == 0 {
				parts = append(parts, "ref:null")
			} else if v, ok := moat.I31RefValue(w); ok && mayHoldI31(t) {
				parts = append(parts, fmt.Sprintf("i31:%d", v))
			} else {
				parts = append(parts, "ref:non-null")
			}
		}
	}
	return strings.Join(parts, " ")
}

// TestDifferentialTTF compares both engines on modules made by binaryen's
// wasm-opt -ttf from random bytes (MOAT_TTF=1; MOAT_TTF_COUNT modules,
// default 200, written under a temporary directory; MOAT_TTF_SIMD=1 lets
// them use v128, MOAT_TTF_V3=1 the WebAssembly 3.0 features binaryen
// makes in their standard form (tail calls, 64-bit memories, extended
// constants, and relaxed SIMD with MOAT_TTF_SIMD), and MOAT_NO_AVX=1 keeps
// the compiler to SSE). Binaryen 108's exception handling and typed
// function references are earlier drafts' encodings, which the validator
// rejects.
func TestDifferentialTTF(t *testing.T) {
	if os.Getenv("MOAT_TTF") == "" {
		t.Skip("set MOAT_TTF=1 to compare the engines on wasm-opt -ttf modules")
	}
	wasmOpt, err := exec.LookPath("wasm-opt")
	if err != nil {
		t.Skip("wasm-opt (binaryen) is not installed")
	}
	count := 200
	fmt.Sscan(os.Getenv("MOAT_TTF_COUNT"), &count)
	interp, compilers := differentialEngines(t)
	dir := t.TempDir()
	if keep := os.Getenv("MOAT_TTF_KEEP"); keep != "" {
		dir = keep
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	compared, rejected := 0, 0
	for i := range count {
		in := filepath.Join(dir, fmt.Sprintf("in%04d.bin", i))
		out := filepath.Join(dir, fmt.Sprintf("ttf%04d.wasm", i))
		seed := make([]byte, 1000+rng.IntN(8000))
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(in, seed, 0o644); err != nil {
			t.Fatal(err)
		}
		simd := "--disable-simd"
		if os.Getenv("MOAT_TTF_SIMD") != "" {
			simd = "--enable-simd"
		}
		args := []string{in, "-ttf", "-o", out, simd, "--enable-sign-ext", "--enable-nontrapping-float-to-int",
			"--enable-bulk-memory", "--enable-multivalue", "--enable-mutable-globals"}
		if os.Getenv("MOAT_TTF_V3") != "" {
			args = append(args, "--enable-tail-call", "--enable-memory64", "--enable-extended-const")
			if simd == "--enable-simd" {
				args = append(args, "--enable-relaxed-simd")
			}
		}
		// No --enable-reference-types: binaryen then uses types beyond
		// WebAssembly 2.0 (anyref, typed block types).
		if i%2 == 0 {
			args = append(args, "--denan")
		}
		if msg, err := exec.Command(wasmOpt, args...).CombinedOutput(); err != nil {
			t.Logf("wasm-opt: %v: %s", err, msg)
			continue
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := interp.Compile(b); err != nil {
			t.Logf("%s: rejected: %v", out, err)
			rejected++
			continue
		}
		t.Run(filepath.Base(out), func(t *testing.T) {
			differential(t, interp, compilers, b)
		})
		compared++
	}
	t.Logf("compared %d wasm-opt -ttf modules (%d others rejected by the decoder or validator)", compared, rejected)
}

// differentialRegressions are divergences FuzzDifferential found, reduced.
var differentialRegressions = map[string]string{
	// Shuffle masks that lower to one instruction (unpacks, palignr,
	// shufps, pshufd, in both source orders) and some that do not.
	"shuffle special cases": `(module
		(func (export "s0") (param v128 v128) (result v128) (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get 0) (local.get 1)))
		(func (export "s1") (param v128 v128) (result v128) (i8x16.shuffle 16 0 17 1 18 2 19 3 20 4 21 5 22 6 23 7 (local.get 0) (local.get 1)))
		(func (export "s2") (param v128 v128) (result v128) (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get 0) (local.get 1)))
		(func (export "s3") (param v128 v128) (result v128) (i8x16.shuffle 24 8 25 9 26 10 27 11 28 12 29 13 30 14 31 15 (local.get 0) (local.get 1)))
		(func (export "s4") (param v128 v128) (result v128) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get 0) (local.get 1)))
		(func (export "s5") (param v128 v128) (result v128) (i8x16.shuffle 16 17 0 1 18 19 2 3 20 21 4 5 22 23 6 7 (local.get 0) (local.get 1)))
		(func (export "s6") (param v128 v128) (result v128) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get 0) (local.get 1)))
		(func (export "s7") (param v128 v128) (result v128) (i8x16.shuffle 24 25 8 9 26 27 10 11 28 29 12 13 30 31 14 15 (local.get 0) (local.get 1)))
		(func (export "s8") (param v128 v128) (result v128) (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get 0) (local.get 1)))
		(func (export "s9") (param v128 v128) (result v128) (i8x16.shuffle 16 17 18 19 0 1 2 3 20 21 22 23 4 5 6 7 (local.get 0) (local.get 1)))
		(func (export "s10") (param v128 v128) (result v128) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get 0) (local.get 1)))
		(func (export "s11") (param v128 v128) (result v128) (i8x16.shuffle 24 25 26 27 8 9 10 11 28 29 30 31 12 13 14 15 (local.get 0) (local.get 1)))
		(func (export "s12") (param v128 v128) (result v128) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get 0) (local.get 1)))
		(func (export "s13") (param v128 v128) (result v128) (i8x16.shuffle 16 17 18 19 20 21 22 23 0 1 2 3 4 5 6 7 (local.get 0) (local.get 1)))
		(func (export "s14") (param v128 v128) (result v128) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get 0) (local.get 1)))
		(func (export "s15") (param v128 v128) (result v128) (i8x16.shuffle 24 25 26 27 28 29 30 31 8 9 10 11 12 13 14 15 (local.get 0) (local.get 1)))
		(func (export "s16") (param v128 v128) (result v128) (i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 (local.get 0) (local.get 1)))
		(func (export "s17") (param v128 v128) (result v128) (i8x16.shuffle 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 0 (local.get 0) (local.get 1)))
		(func (export "s18") (param v128 v128) (result v128) (i8x16.shuffle 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 (local.get 0) (local.get 1)))
		(func (export "s19") (param v128 v128) (result v128) (i8x16.shuffle 21 22 23 24 25 26 27 28 29 30 31 0 1 2 3 4 (local.get 0) (local.get 1)))
		(func (export "s20") (param v128 v128) (result v128) (i8x16.shuffle 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 (local.get 0) (local.get 1)))
		(func (export "s21") (param v128 v128) (result v128) (i8x16.shuffle 31 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 (local.get 0) (local.get 1)))
		(func (export "s22") (param v128 v128) (result v128) (i8x16.shuffle 4 5 6 7 0 1 2 3 28 29 30 31 16 17 18 19 (local.get 0) (local.get 1)))
		(func (export "s23") (param v128 v128) (result v128) (i8x16.shuffle 20 21 22 23 16 17 18 19 12 13 14 15 0 1 2 3 (local.get 0) (local.get 1)))
		(func (export "s24") (param v128 v128) (result v128) (i8x16.shuffle 12 13 14 15 12 13 14 15 20 21 22 23 24 25 26 27 (local.get 0) (local.get 1)))
		(func (export "s25") (param v128 v128) (result v128) (i8x16.shuffle 28 29 30 31 28 29 30 31 4 5 6 7 8 9 10 11 (local.get 0) (local.get 1)))
		(func (export "s26") (param v128 v128) (result v128) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get 0) (local.get 1)))
		(func (export "s27") (param v128 v128) (result v128) (i8x16.shuffle 16 17 18 19 24 25 26 27 0 1 2 3 8 9 10 11 (local.get 0) (local.get 1)))
		(func (export "s28") (param v128 v128) (result v128) (i8x16.shuffle 8 9 10 11 4 5 6 7 12 13 14 15 0 1 2 3 (local.get 0) (local.get 1)))
		(func (export "s29") (param v128 v128) (result v128) (i8x16.shuffle 24 25 26 27 20 21 22 23 16 17 18 19 28 29 30 31 (local.get 0) (local.get 1)))
		(func (export "s30") (param v128 v128) (result v128) (i8x16.shuffle 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 16 (local.get 0) (local.get 1)))
		(func (export "s31") (param v128 v128) (result v128) (i8x16.shuffle 0 7 14 21 28 3 10 17 24 31 6 13 20 27 2 9 (local.get 0) (local.get 1))))`,
	// More live v128 values than XMM registers: spilled vectors are read
	// back as 16-byte memory operands (aligned slots for the SSE forms).
	"v128 register pressure": `(module
		(func (export "pressure") (param $a v128) (param $b v128) (param $n i32) (result v128)
		  (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128) (local $l4 v128) (local $l5 v128) (local $l6 v128) (local $l7 v128) (local $l8 v128) (local $l9 v128) (local $l10 v128) (local $l11 v128) (local $l12 v128) (local $l13 v128) (local $l14 v128) (local $l15 v128) (local $l16 v128) (local $l17 v128) (local $l18 v128) (local $l19 v128)
		  (local.set $l0 (i8x16.add (local.get $a) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 0)))))
		  (local.set $l1 (i16x8.mul (local.get $l0) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 1)))))
		  (local.set $l2 (i32x4.sub (local.get $l1) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 2)))))
		  (local.set $l3 (v128.xor (local.get $l2) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 3)))))
		  (local.set $l4 (i8x16.min_u (local.get $l3) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 4)))))
		  (local.set $l5 (i16x8.add_sat_s (local.get $l4) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 5)))))
		  (local.set $l6 (i64x2.mul (local.get $l5) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 6)))))
		  (local.set $l7 (i32x4.max_s (local.get $l6) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 7)))))
		  (local.set $l8 (v128.and (local.get $l7) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 8)))))
		  (local.set $l9 (i8x16.avgr_u (local.get $l8) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 9)))))
		  (local.set $l10 (i16x8.sub_sat_u (local.get $l9) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 10)))))
		  (local.set $l11 (i64x2.add (local.get $l10) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 11)))))
		  (local.set $l12 (i32x4.mul (local.get $l11) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 12)))))
		  (local.set $l13 (v128.or (local.get $l12) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 13)))))
		  (local.set $l14 (i8x16.sub_sat_s (local.get $l13) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 14)))))
		  (local.set $l15 (i16x8.min_s (local.get $l14) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 15)))))
		  (local.set $l16 (i8x16.swizzle (local.get $l15) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 16)))))
		  (local.set $l17 (i32x4.min_u (local.get $l16) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 17)))))
		  (local.set $l18 (i64x2.sub (local.get $l17) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 18)))))
		  (local.set $l19 (v128.andnot (local.get $l18) (i32x4.shl (local.get $b) (i32.add (local.get $n) (i32.const 19)))))
		  (v128.or (local.get $l19) (i64x2.mul (local.get $l18) (v128.andnot (local.get $l17) (i32x4.mul (local.get $l16) (i16x8.add_sat_s (local.get $l15) (i64x2.sub (local.get $l14) (i64x2.add (local.get $l13) (i8x16.min_u (local.get $l12) (i32x4.min_u (local.get $l11) (i16x8.sub_sat_u (local.get $l10) (v128.xor (local.get $l9) (i8x16.swizzle (local.get $l8) (i8x16.avgr_u (local.get $l7) (i32x4.sub (local.get $l6) (i16x8.min_s (local.get $l5) (v128.and (local.get $l4) (i16x8.mul (local.get $l3) (i8x16.sub_sat_s (local.get $l2) (i32x4.max_s (local.get $l1) (local.get $l0))))))))))))))))))))))`,
	// Narrow stores of a constant passed the whole constant as the
	// immediate, which the encoder refused for 8- and 16-bit stores.
	"narrow store of a wide constant": `(module (memory (export "mem") 1)
		(func (export "f")
			(i32.store16 (i32.const 0) (i32.const 0x12345678))
			(i32.store8 (i32.const 2) (i32.const -1))
			(i32.store8 (i32.const 3) (i32.const 256))
			(i64.store8 (i32.const 4) (i64.const 0x7fffffff))
			(i64.store16 (i32.const 5) (i64.const -2147483648))
			(i64.store32 (i32.const 8) (i64.const 0xffffffff00000001))
			(i64.store (i32.const 16) (i64.const 0x123456789))))`,
	// The zero-divisor check tested only the low 32 bits of an i64 divisor.
	"i64 divisor with zero low half": `(module
		(global $min (mut i64) (i64.const 0x8000000000000000))
		(func (export "rem_s") (result i64) (i64.rem_s (i64.const -2250663356556548155) (global.get $min)))
		(func (export "rem_u") (result i64) (i64.rem_u (i64.const 12345) (global.get $min)))
		(func (export "div_s") (param i64) (result i64) (i64.div_s (local.get 0) (i64.const 0x100000000)))
		(func (export "div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1))))`,
}

// The divergences found with WebAssembly 3.0 in the generator.
var differentialRegressionsV3 = map[string]string{
	// call_ref's descriptor loads were readonly, so pure: with the
	// reference a loop-invariant select, they were hoisted above the null
	// check, and a null reference crashed the process instead of trapping.
	"call_ref of a maybe-null invariant reference in a loop": `(module
		(type $t (func (param i32) (result i32)))
		(elem declare func $f)
		(func $f (type $t) (local.get 0))
		(func (export "run") (param i32) (result i32) (local $i i32) (local $acc i32)
		  (loop $l
		    (if (i32.lt_u (local.get $i) (i32.const 3))
		      (then (local.set $acc (i32.add (local.get $acc)
		        (call_ref $t (local.get $i) (select (result (ref null $t)) (ref.func $f) (ref.null $t) (local.get 0)))))))
		    (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 5))))
		  (local.get $acc))
		(func (export "tail") (param i32) (result i32)
		  (return_call_ref $t (local.get 0) (select (result (ref null $t)) (ref.func $f) (ref.null $t) (local.get 0)))))`,
}

// TestDifferentialRegressions keeps every divergence found so far fixed.
func TestDifferentialRegressions(t *testing.T) {
	interp, compilers := differentialEngines(t)
	for name, wat := range differentialRegressionsV3 {
		differentialRegressions[name] = wat
	}
	for name, wat := range differentialRegressions {
		t.Run(name, func(t *testing.T) {
			differential(t, interp, compilers, wat2wasm(t, wat))
		})
	}
}

// TestDifferentialGenerated runs a fixed sample of generated modules, so a
// plain `go test` exercises the generator and both engines.
func TestDifferentialGenerated(t *testing.T) {
	interp, compilers := differentialEngines(t)
	n := 300
	if testing.Short() {
		n = 30
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		b := make([]byte, rng.IntN(2000))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			differential(t, interp, compilers, b)
		})
	}
}
