package moat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/moat-run/moat"
)

// Guard pages and the signal handler must leave the Go runtime's own
// handling of signals alone: these tests run guests that fault next to Go
// code that faults, profiles, panics and recovers.

// oobSrc has a function that loads, and one that stores, at any address,
// and a deeper caller of the load for backtraces.
const oobSrc = `(module $oob
  (memory (export "mem") 1 1)
  (func $peek (export "peek") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func $poke (export "poke") (param i32) (i64.store (local.get 0) (i64.const -1)))
  (func (export "outer") (param i32) (result i32) (i32.add (i32.const 1) (call $peek (local.get 0)))))`

// guardEngine is a compiler engine with guard pages, or skips.
func guardEngine(t testing.TB) *moat.Engine {
	t.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksGuardPages})
	if err != nil {
		t.Skipf("no compiler with guard pages here: %v", err)
	}
	return e
}

func instantiate(t testing.TB, e *moat.Engine, src string) *moat.Instance {
	t.Helper()
	mod, err := e.CompileText([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := moat.NewStore(e).Instantiate(context.Background(), mod)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// checkOOB calls outer(addr) and requires the out-of-bounds trap with its
// two frames, peek's at the load.
func checkOOB(inst *moat.Instance, addr uint32) error {
	_, err := inst.Func("outer").Call(context.Background(), uint64(addr))
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
		return fmt.Errorf("outer(%#x): got %v, want out of bounds", addr, err)
	}
	if len(trap.Frames) != 2 || trap.Frames[0].FuncName != "peek" || trap.Frames[0].Offset <= 0 || trap.Frames[1].Offset <= 0 {
		return fmt.Errorf("outer(%#x): backtrace\n%s", addr, trap.Backtrace())
	}
	return nil
}

// TestHostNilDereference: a nil dereference in a host function called
// from wasm is the Go runtime's panic, contained as it always was, in
// both modes; the instance stays usable.
func TestHostNilDereference(t *testing.T) {
	for _, mode := range boundsModes {
		e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode})
		if err != nil {
			continue
		}
		mod, err := e.CompileText([]byte(`(module (import "env" "h" (func $h (param i32)))
		  (memory 1)
		  (func (export "run") (param i32) (result i32) (call $h (local.get 0)) (i32.load (i32.const 0))))`))
		if err != nil {
			t.Fatal(err)
		}
		l := moat.NewLinker(e)
		var nilMap *map[int]int
		if err := l.DefineFunc("env", "h", func(x uint32) {
			if x != 0 {
				(*nilMap)[1] = 2
			}
		}); err != nil {
			t.Fatal(err)
		}
		inst, err := l.Instantiate(context.Background(), moat.NewStore(e), mod)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			_, err := inst.Func("run").Call(context.Background(), 1)
			if err == nil || !strings.Contains(err.Error(), "invalid memory address or nil pointer dereference") {
				t.Fatalf("%v: got %v, want the Go runtime's nil dereference", mode, err)
			}
			var trap *moat.Trap
			if errors.As(err, &trap) && trap.Code == moat.TrapMemoryOutOfBounds {
				t.Fatalf("%v: the host's nil dereference became a wasm trap", mode)
			}
			if r, err := inst.Func("run").Call(context.Background(), 0); err != nil || r[0] != 0 {
				t.Fatalf("%v: after the panic: %v, %v", mode, r, err)
			}
		}
	}
}

// TestEmbedderSetPanicOnFault: with debug.SetPanicOnFault, a fault in the
// embedder's Go code is its panic, even at an address in a guard-page
// memory's reservation, just past the memory's end.
func TestEmbedderSetPanicOnFault(t *testing.T) {
	inst := instantiate(t, guardEngine(t), oobSrc)
	b := inst.Memory("mem").Bytes()
	beyond := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), len(b)+64)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	got := func() (r any) {
		defer func() { r = recover() }()
		return *(*byte)(beyond)
	}()
	fe, ok := got.(interface{ Addr() uintptr })
	if !ok || fe.Addr() != uintptr(beyond) {
		t.Fatalf("got %v, want the fault panic at %p", got, beyond)
	}
	if err := checkOOB(inst, 1<<16); err != nil {
		t.Fatal(err)
	}
}

// TestCPUProfileWhileFaulting: the CPU profiler (its SIGPROF lands in
// generated code, in the handler's exits and in Go) runs while a guest
// traps out of bounds again and again. (Under go test -cpuprofile the
// profiler is already on, and the test runs under it.)
func TestCPUProfileWhileFaulting(t *testing.T) {
	inst := instantiate(t, guardEngine(t), oobSrc+"")
	spin := instantiate(t, guardEngine(t), `(module (func (export "spin") (param i32) (result i32)
	  (local i32) (loop (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (local.get 1))))
	  (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (local.get 1)))`)
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err == nil {
		defer func() {
			pprof.StopCPUProfile()
			if prof.Len() == 0 {
				t.Error("empty profile")
			}
		}()
	}
	for i := range 20000 {
		if err := checkOOB(inst, 1<<16+uint32(i)); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if _, err := spin.Func("spin").Call(context.Background(), 100000); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestConcurrentFaults: goroutines trap at once, each in its own store,
// with loads and stores out of bounds across the whole address range, and
// each gets its own trap and backtrace while garbage collections and the
// scheduler run. MOAT_SIGNALS_SOAK=DURATION runs it that long (10s is the
// soak test); otherwise a fixed number of rounds.
func TestConcurrentFaults(t *testing.T) {
	e := guardEngine(t)
	mod, err := e.CompileText([]byte(oobSrc))
	if err != nil {
		t.Fatal(err)
	}
	soak, _ := time.ParseDuration(os.Getenv("MOAT_SIGNALS_SOAK"))
	deadline := time.Now().Add(soak)
	const goroutines = 8
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	var rounds [goroutines]int
	for g := range goroutines {
		wg.Go(func() {
			inst, err := moat.NewStore(e).Instantiate(context.Background(), mod)
			if err != nil {
				errs <- err
				return
			}
			for k := 0; k < 300 || time.Now().Before(deadline); k++ {
				addr := uint32(1<<16-3) + uint32(k*7919+g)%(1<<32-1<<16)
				if err := checkOOB(inst, addr); err != nil {
					errs <- fmt.Errorf("goroutine %d: %w", g, err)
					return
				}
				_, err := inst.Func("poke").Call(context.Background(), uint64(addr))
				var trap *moat.Trap
				if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
					errs <- fmt.Errorf("goroutine %d: poke(%#x): %v", g, addr, err)
					return
				}
				if r, err := inst.Func("peek").Call(context.Background(), uint64(k%1000)); err != nil || r[0] != 0 {
					errs <- fmt.Errorf("goroutine %d: in bounds: %v, %v", g, r, err)
					return
				}
				if k%1000 == 0 {
					runtime.GC()
				}
				rounds[g] = k + 1
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for _, r := range rounds {
		total += r
	}
	t.Logf("%d goroutines, %d rounds (%d traps)", goroutines, total, 2*total)
}

// BenchmarkTrap is the cost of a trap, with its backtrace, from the call
// to the error: by a hardware fault and the signal handler (guard pages),
// or by an explicit check's exit.
func BenchmarkTrap(b *testing.B) {
	for _, mode := range boundsModes {
		e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode})
		if err != nil {
			continue
		}
		inst := instantiate(b, e, oobSrc+"")
		unreachable := instantiate(b, e, `(module (func $u (unreachable)) (func (export "f") (call $u)))`)
		name := strings.ReplaceAll(mode.String(), " ", "_")
		b.Run(name+"/out_of_bounds", func(b *testing.B) {
			for b.Loop() {
				if _, err := inst.Func("outer").Call(context.Background(), 1<<16); err == nil {
					b.Fatal("no trap")
				}
			}
		})
		b.Run(name+"/unreachable", func(b *testing.B) {
			for b.Loop() {
				if _, err := unreachable.Func("f").Call(context.Background()); err == nil {
					b.Fatal("no trap")
				}
			}
		})
	}
}
