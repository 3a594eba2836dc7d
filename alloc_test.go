package moat_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// CallWithStack must not allocate, so that hot host-to-guest calls cost no garbage.
func TestCallWithStackDoesNotAllocate(t *testing.T) {
	skipAllocCountUnderRace(t)
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	inst, err := moat.NewStore(e).Instantiate(ctx, compile(t, e, addWat))
	if err != nil {
		t.Fatal(err)
	}
	add := inst.Func("add")
	allocs := addAllocs(t, ctx, add)
	if allocs != 0 {
		t.Errorf("CallWithStack allocates %v times per call", allocs)
	}
	// Nor does the caller's stack escape: an array on the Go stack stays
	// there (the engines get a copy in the store's buffer).
	allocs = testing.AllocsPerRun(100, func() {
		var local [2]uint64
		local[0], local[1] = 1, 2
		if err := add.CallWithStack(ctx, local[:]); err != nil || local[0] != 3 {
			t.Fatal(err, local)
		}
	})
	if allocs != 0 {
		t.Errorf("CallWithStack with the caller's own array allocates %v times per call", allocs)
	}
}

// addAllocs is the Go heap allocations per call of add through
// CallWithStack with a stack made once.
func addAllocs(t *testing.T, ctx context.Context, add *moat.Func) float64 {
	stack := make([]uint64, 2)
	return testing.AllocsPerRun(100, func() {
		stack[0], stack[1] = 1, 2
		if err := add.CallWithStack(ctx, stack); err != nil {
			t.Fatal(err)
		}
	})
}

// A short call on the compiler (epoch polls) under a context that can be
// cancelled allocates nothing either: the run registers with the context
// only at its first visit to Go, which a call of microseconds never makes.
func TestCancellableCallDoesNotAllocate(t *testing.T) {
	skipAllocCountUnderRace(t)
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inst, err := moat.NewStore(e).Instantiate(ctx, compile(t, e, addWat))
	if err != nil {
		t.Fatal(err)
	}
	allocs := addAllocs(t, ctx, inst.Func("add"))
	if allocs != 0 {
		t.Errorf("a call under a cancellable context allocates %v times per call", allocs)
	}
}

// BenchmarkInstantiate makes an instance with a memory in a new store, on
// the default engine and on the compiler in each bounds-check mode (a
// guard-page memory reserves 4 GiB and registers with the signal handler).
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	configs := map[string]moat.Config{"default": {}}
	for _, mode := range boundsModes {
		configs[strings.ReplaceAll(mode.String(), " ", "_")] = moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode}
	}
	for _, name := range []string{"default", "guard_pages", "explicit"} {
		e, err := moat.NewEngine(configs[name])
		if err != nil {
			continue
		}
		mod, _ := e.CompileText([]byte(stateWat))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A call that goes through host functions allocates nothing either, on
// either engine, whether they are defined raw or in a typed shape that
// DefineFunc covers without reflection.
func TestHostCallDoesNotAllocate(t *testing.T) {
	skipAllocCountUnderRace(t)
	ctx := context.Background()
	for _, be := range benchEngines {
		for _, form := range hostCallForms {
			e, err := moat.NewEngine(moat.Config{Engine: be.kind})
			if err != nil {
				continue
			}
			l := moat.NewLinker(e)
			if err := form.define(l); err != nil {
				t.Fatal(err)
			}
			l.DefineFunc("env", "log", func(uint32, uint32) {})
			inst, err := l.Instantiate(ctx, moat.NewStore(e), compile(t, e, hostWat))
			if err != nil {
				t.Fatal(err)
			}
			q := inst.Func("quadruple")
			stack := make([]uint64, 1)
			allocs := testing.AllocsPerRun(100, func() {
				stack[0] = 3
				if err := q.CallWithStack(ctx, stack); err != nil || stack[0] != 12 {
					t.Fatalf("%s/%s: %v %v", be.name, form.name, stack, err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s/%s: a call allocates %v times", be.name, form.name, allocs)
			}
		}
	}
}

// pooledWasiLinker is a compiler engine with a pool of four memories and
// a linker with WASI's imports, for the allocation counts below.
func pooledWasiLinker(t *testing.T) (*moat.Engine, *moat.Linker) {
	t.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, Pooling: &moat.PoolingConfig{TotalMemories: 4}})
	if err != nil {
		t.Skipf("compiler unavailable: %v", err)
	}
	l := moat.NewLinker(e)
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	return e, l
}

// TestPooledInstantiateAllocations bounds the Go heap allocations of
// instantiate+close of a pre-linked module on a pooling engine. The store,
// the instance's state, its native state and its memory take none: they
// are a closed store's, recycled (the memory in its instance state's
// room, the imported functions' list and the host functions' chunk in
// their states' storage), and the handles stay on the caller's stack.
func TestPooledInstantiateAllocations(t *testing.T) {
	skipAllocCountUnderRace(t)
	ctx := context.Background()
	e, l := pooledWasiLinker(t)
	for _, tc := range []struct {
		module string
		max    float64
	}{{"add.wasm", 0}, {"hello.wasm", 0}} {
		pre := prepareFixture(t, e, l, tc.module)
		allocs := testing.AllocsPerRun(200, func() {
			s := moat.NewStore(e)
			if _, err := pre.Instantiate(ctx, s); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > tc.max {
			t.Errorf("%s: instantiate+close allocates %v times, %v expected", tc.module, allocs, tc.max)
		}
	}
	// With a call of an export: the function is made in the instance's
	// state, its handle in the instance's, and the caller's stack stays
	// its own.
	pre := prepareFixture(t, e, l, "add.wasm")
	allocs := testing.AllocsPerRun(200, func() {
		s := moat.NewStore(e)
		inst, err := pre.Instantiate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var stack [2]uint64
		stack[0], stack[1] = 1, 2
		if err := inst.Func("add").CallWithStack(ctx, stack[:]); err != nil || stack[0] != 3 {
			t.Fatal(err, stack)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("add: instantiate+call+close allocates %v times, none expected", allocs)
	}
	// A call of more words than the store state's first buffer holds
	// takes the buffers kept with the state from one store to the next,
	// emptied (none of its words reaches the next store's calls).
	mod := compile(t, e, `(module (func (export "sum6") (param i64 i64 i64 i64 i64 i64) (result i64)
	  (i64.add (i64.add (i64.add (local.get 0) (local.get 1)) (i64.add (local.get 2) (local.get 3)))
	    (i64.add (local.get 4) (local.get 5)))))`)
	sixPre, err := moat.NewLinker(e).Prepare(mod)
	if err != nil {
		t.Fatal(err)
	}
	allocs = testing.AllocsPerRun(200, func() {
		s := moat.NewStore(e)
		inst, err := sixPre.Instantiate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		stack := [6]uint64{1, 2, 3, 4, 5, 6}
		if err := inst.Func("sum6").CallWithStack(ctx, stack[:]); err != nil || stack[0] != 21 {
			t.Fatal(err, stack)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("sum6: instantiate+call+close allocates %v times, none expected", allocs)
	}
}

// prepareFixture compiles fixture name with e and pre-links it with l.
func prepareFixture(t *testing.T, e *moat.Engine, l *moat.Linker, name string) *moat.InstancePre {
	t.Helper()
	mod, err := e.Compile(readFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	pre, err := l.Prepare(mod)
	if err != nil {
		t.Fatal(err)
	}
	return pre
}

// skipAllocCountUnderRace skips a test that counts allocations when the
// race detector is on: its instrumentation moves values to the heap.
func skipAllocCountUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
}

// TestWasiRunAllocations bounds the allocations of a WASI sandbox's
// whole life on a pooling engine: attach a WASI system, instantiate
// hello, run it (its fd_write included) and close. Only the system is
// made: WASI's functions are bound once for every store and need no
// Caller, and the system is no store value of its own.
func TestWasiRunAllocations(t *testing.T) {
	skipAllocCountUnderRace(t)
	e, l := pooledWasiLinker(t)
	pre := prepareFixture(t, e, l, "hello.wasm")
	allocs := wasiRunAllocs(t, e, pre, nil)
	if allocs > 1 {
		t.Errorf("hello: attach+instantiate+run+close allocates %v times, at most 1 expected (the WASI system)", allocs)
	}
}

// TestWasiPreparedRunAllocations is TestWasiRunAllocations with the WASI
// configuration prepared once (wasi.Prepare): each sandbox makes only its
// System, which holds what changes from one sandbox to the next (32
// bytes, internal/wasip1's TestSystemSize).
func TestWasiPreparedRunAllocations(t *testing.T) {
	skipAllocCountUnderRace(t)
	e, l := pooledWasiLinker(t)
	pre := prepareFixture(t, e, l, "hello.wasm")
	prep, err := wasi.Prepare(wasi.Config{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	allocs := wasiRunAllocs(t, e, pre, prep)
	if allocs > 1 {
		t.Errorf("hello: prepared attach+instantiate+run+close allocates %v times, at most 1 expected (the WASI system)", allocs)
	}
}

// wasiRunAllocs counts the allocations of a WASI sandbox's whole life:
// a store, its system (from prep, or from wasi.Attach when prep is nil),
// hello instantiated and run, both closed. The attach is called directly,
// not through a function value, so that the store does not escape.
func wasiRunAllocs(t *testing.T, e *moat.Engine, pre *moat.InstancePre, prep *wasi.Prepared) float64 {
	t.Helper()
	ctx := context.Background()
	return testing.AllocsPerRun(200, func() {
		s := moat.NewStore(e)
		var sys *wasi.System
		var err error
		if prep != nil {
			sys, err = prep.Attach(s)
		} else {
			sys, err = wasi.Attach(s, wasi.Config{Stdout: io.Discard})
		}
		if err != nil {
			t.Fatal(err)
		}
		inst, err := pre.Instantiate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if code, err := wasi.Run(ctx, inst); code != 0 || err != nil {
			t.Fatal(code, err)
		}
		if err := errors.Join(sys.Close(), s.Close()); err != nil {
			t.Fatal(err)
		}
	})
}
