package moat_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// manyFuncsWat defines n functions, each returning its index, all of them
// in an exported table through one element segment, and "boom", which
// traps in function 1 (named $f1) called through the table.
func manyFuncsWat(n int) string {
	var b strings.Builder
	b.WriteString("(module (type $r (func (result i32)))\n")
	fmt.Fprintf(&b, "  (table (export \"tab\") %d funcref)\n  (elem (i32.const 0)", n)
	for i := range n {
		fmt.Fprintf(&b, " $f%d", i)
	}
	b.WriteString(")\n")
	for i := range n {
		if i == 1 {
			b.WriteString("  (func $f1 (result i32) unreachable)\n")
			continue
		}
		fmt.Fprintf(&b, "  (func $f%d (result i32) (i32.const %d))\n", i, i)
	}
	b.WriteString(`  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
  (func (export "boom") (result i32) (call_indirect (type $r) (i32.const 1))))`)
	return b.String()
}

// Instantiating makes nothing per function on the Go heap beyond a few
// words: a module of a thousand functions, all in a table, takes as many
// allocations as one of ten (the compiler makes a function's vm.Function
// only when the embedder or a host function first sees it).
func TestInstantiateAllocationsDoNotFollowFunctionCount(t *testing.T) {
	skipAllocCountUnderRace(t)
	ctx := context.Background()
	for _, cfg := range []struct {
		name string
		cfg  moat.Config
	}{
		{"compiler", moat.Config{Engine: moat.EngineCompiler}},
		{"pooling", moat.Config{Engine: moat.EngineCompiler, Pooling: &moat.PoolingConfig{TotalMemories: 4}}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			e, err := moat.NewEngine(cfg.cfg)
			if err != nil {
				t.Skipf("compiler unavailable: %v", err)
			}
			// allocs reports the allocations and bytes of one cycle.
			allocs := func(n int) (float64, uint64) {
				pre, err := (*moat.Linker)(nil).Prepare(compile(t, e, manyFuncsWat(n)))
				if err != nil {
					t.Fatal(err)
				}
				cycle := func() {
					s := moat.NewStore(e)
					if _, err := pre.Instantiate(ctx, s); err != nil {
						t.Fatal(err)
					}
					s.Close()
				}
				count := testing.AllocsPerRun(50, cycle)
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				const runs = 50
				for range runs {
					cycle()
				}
				runtime.ReadMemStats(&after)
				return count, (after.TotalAlloc - before.TotalAlloc) / runs
			}
			few, fewBytes := allocs(10)
			many, manyBytes := allocs(1000)
			if many != few {
				t.Errorf("instantiate+close allocates %v times with 10 functions, %v with 1000", few, many)
			}
			// Per function: its descriptor (4 words), its entries in the
			// instance's function list and function table, in the element
			// segment and in the table (a word each); no vm.Function.
			const maxPerFunc = 4*8 + 4*8 + 8
			// Signed: a few bytes the runtime allocated meanwhile may make
			// the smaller module's figure the larger.
			if per := (int64(manyBytes) - int64(fewBytes)) / 990; per > maxPerFunc {
				t.Errorf("instantiate+close takes %d bytes with 10 functions, %d with 1000: %d per function, want at most %d", fewBytes, manyBytes, per, maxPerFunc)
			}
		})
	}
}

// Functions the instance never exported reach the embedder through a
// table and behave as if they had always been there: callable, the same
// reference every time, named in backtraces; words that only look like
// references (inside or just past the block of an instance's function
// descriptors) are refused.
func TestFunctionsMadeOnFirstUse(t *testing.T) {
	ctx := context.Background()
	for _, kind := range testEngines {
		t.Run(kind.String(), func(t *testing.T) {
			e, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				t.Skipf("%v unavailable: %v", kind, err)
			}
			s := moat.NewStore(e)
			inst, err := s.Instantiate(ctx, compile(t, e, manyFuncsWat(50)))
			if err != nil {
				t.Fatal(err)
			}
			tab := inst.Table("tab")
			for _, i := range []uint32{7, 49, 7} {
				ref, err := tab.Get(i)
				if err != nil {
					t.Fatal(err)
				}
				f := moat.FuncFromRef(s, ref)
				if f == nil {
					t.Fatalf("element %d: %#x is not a function of the store", i, ref)
				}
				if f.Ref() != ref {
					t.Errorf("element %d: the function's reference is %#x, the table holds %#x", i, f.Ref(), ref)
				}
				got, err := f.Call(ctx)
				if err != nil || len(got) != 1 || got[0] != uint64(i) {
					t.Errorf("element %d returns %v, %v; want %d", i, got, err, i)
				}
				// Stored back, it is the same function to the guest.
				if err := tab.Set(0, ref); err != nil {
					t.Fatal(err)
				}
				got, err = inst.Func("call").Call(ctx, 0)
				if err != nil || got[0] != uint64(i) {
					t.Errorf("call_indirect through slot 0 after setting element %d: %v, %v", i, got, err)
				}
			}

			_, err = inst.Func("boom").Call(ctx)
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapUnreachable {
				t.Fatalf("boom: %v, want an unreachable trap", err)
			}
			if len(trap.Frames) == 0 || trap.Frames[0].FuncName != "f1" || trap.Frames[0].FuncIndex != 1 {
				t.Errorf("boom's innermost frame is %+v, want f1 (function 1)\n%s", trap.Frames, trap.Backtrace())
			}

			if kind != moat.EngineCompiler {
				return // the interpreter's references are store indices
			}
			ref, _ := tab.Get(3)
			for _, forged := range []uint64{ref + 8, ref + 1, ref - 8, ref + 64*1024, ^uint64(0)} {
				if f := moat.FuncFromRef(s, forged); f != nil {
					t.Errorf("%#x (element 3 is %#x) resolves to %s", forged, ref, f.Type())
				}
				if err := tab.Set(0, forged); err == nil {
					t.Errorf("Set accepts %#x (element 3 is %#x)", forged, ref)
				}
			}
		})
	}
}

// A closed store's descriptor blocks serve the module's next instances:
// an instance made in their place works and calls its own functions,
// while an instance of a store still open keeps its own.
func TestDescriptorBlocksReusedAfterClose(t *testing.T) {
	ctx := context.Background()
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Skipf("compiler unavailable: %v", err)
	}
	pre, err := (*moat.Linker)(nil).Prepare(compile(t, e, manyFuncsWat(20)))
	if err != nil {
		t.Fatal(err)
	}
	open := moat.NewStore(e)
	kept, err := pre.Instantiate(ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	keptRef, _ := kept.Table("tab").Get(5)
	for round := range 10 {
		s := moat.NewStore(e)
		inst, err := pre.Instantiate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := inst.Table("tab").Get(5)
		if ref == keptRef {
			t.Fatalf("round %d: a new store's element 5 is %#x, the open store's reference", round, ref)
		}
		for _, i := range []uint64{0, 5, 19} {
			if got, err := inst.Func("call").Call(ctx, i); err != nil || got[0] != i {
				t.Fatalf("round %d: call(%d) = %v, %v", round, i, got, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := inst.Func("call").Call(ctx, 5); !errors.Is(err, moat.ErrClosed) {
			t.Fatalf("round %d: call after Close: %v, want ErrClosed", round, err)
		}
	}
	if f := moat.FuncFromRef(open, keptRef); f == nil {
		t.Fatal("the open store's element 5 no longer resolves")
	}
	if got, err := kept.Func("call").Call(ctx, 5); err != nil || got[0] != 5 {
		t.Fatalf("open store: call(5) = %v, %v", got, err)
	}
}

// TestSharedImportList: the instances of a module prepared once whose
// imports are all a linker's host functions share one list of them (read
// only). An instance that asks for two of its own functions extends the
// list into storage of its own, and recycling its state leaves the shared
// list alone: the next instances, on both engines, call through it.
func TestSharedImportList(t *testing.T) {
	ctx := context.Background()
	for _, be := range benchEngines {
		e, err := moat.NewEngine(moat.Config{Engine: be.kind})
		if err != nil {
			continue
		}
		l := moat.NewLinker(e)
		if err := l.DefineFunc("h", "seven", func() int32 { return 7 }); err != nil {
			t.Fatal(err)
		}
		if err := l.DefineFunc("h", "eight", func() int32 { return 8 }); err != nil {
			t.Fatal(err)
		}
		pre, err := l.Prepare(compile(t, e, `(module
  (import "h" "seven" (func $seven (result i32)))
  (import "h" "eight" (func $eight (result i32)))
  (func (export "a") (result i32) (call $seven))
  (func (export "b") (result i32) (call $eight))
  (func (export "c") (result i32) (i32.add (call $seven) (call $eight))))`))
		if err != nil {
			t.Fatal(err)
		}
		for round := range 4 {
			s := moat.NewStore(e)
			inst, err := pre.Instantiate(ctx, s)
			if err != nil {
				t.Fatalf("%s: round %d: %v", be.name, round, err)
			}
			names := []string{"c"}
			if round%2 == 1 {
				names = []string{"a", "b", "c"} // a second and a third function: the list extended
			}
			for _, name := range names {
				want := map[string]uint64{"a": 7, "b": 8, "c": 15}[name]
				if r, err := inst.Func(name).Call(ctx); err != nil || r[0] != want {
					t.Errorf("%s: round %d: %s: %v, %v; want %d", be.name, round, name, r, err, want)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
