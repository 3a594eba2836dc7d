//go:build cgo

package bench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/bytecodealliance/wasmtime-go/v39"
	"github.com/moat-run/moat"
)

// Both moat and Wasmtime turn out-of-bounds accesses into traps with their
// own SIGSEGV handlers. In one process each installs its handler in front
// of whatever was there and forwards the faults that are not its own: these
// tests make both trap, in turn, in both installation orders, and require
// each to get its own traps (and Go its own panics).

const oobWat = `(module
  (memory (export "mem") 1)
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "halt") (unreachable)))`

const alongsideEnv = "MOAT_BENCH_ALONGSIDE"

// TestWasmtimeAlongside runs the alternation with moat's handler installed
// first, then (in a subprocess) with Wasmtime's first.
func TestWasmtimeAlongside(t *testing.T) {
	if order := os.Getenv(alongsideEnv); order != "" {
		alternate(t, order == "wasmtime-first")
		return
	}
	for _, order := range []string{"moat-first", "wasmtime-first"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWasmtimeAlongside$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), alongsideEnv+"="+order)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", order, err, out)
		}
	}
}

func alternate(t *testing.T, wasmtimeFirst bool) {
	ctx := context.Background()
	var wt *wasmtimeSide
	if wasmtimeFirst {
		wt = newWasmtimeSide(t)
	}
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksGuardPages})
	if err != nil {
		t.Skipf("no moat compiler with guard pages here: %v", err)
	}
	mod, err := e.CompileText([]byte(oobWat))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := moat.NewStore(e).Instantiate(ctx, mod)
	if err != nil {
		t.Fatal(err)
	}
	if !wasmtimeFirst {
		wt = newWasmtimeSide(t)
	}
	moatTrap := func(f string, args ...uint64) {
		t.Helper()
		_, err := inst.Func(f).Call(ctx, args...)
		var trap *moat.Trap
		want := moat.TrapMemoryOutOfBounds
		if f == "halt" {
			want = moat.TrapUnreachable
		}
		if !errors.As(err, &trap) || trap.Code != want {
			t.Fatalf("moat %s: got %v, want %v", f, err, want)
		}
	}
	for i := range 200 {
		addr := uint64(1<<16 + i*4096)
		wt.trap(t, "peek", wasmtime.MemoryOutOfBounds, int32(addr))
		moatTrap("peek", addr)
		wt.trap(t, "halt", wasmtime.UnreachableCodeReached)
		moatTrap("halt")
		if r, err := inst.Func("peek").Call(ctx, 8); err != nil || r[0] != 0 {
			t.Fatalf("moat in bounds: %v, %v", r, err)
		}
		if i%50 == 0 {
			// Go's own faults still reach Go.
			got := func() (r any) {
				defer func() { r = recover() }()
				var p *[4]int
				return p[i%4]
			}()
			if _, ok := got.(runtime.Error); !ok {
				t.Fatalf("Go nil dereference: got %v", got)
			}
			// A new moat engine re-checks its handler and leaves Wasmtime's
			// in front of it alone.
			if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// wasmtimeSide is an instance of oobWat on Wasmtime.
type wasmtimeSide struct {
	store *wasmtime.Store
	inst  *wasmtime.Instance
}

func newWasmtimeSide(t *testing.T) *wasmtimeSide {
	engine := wasmtime.NewEngine()
	store := wasmtime.NewStore(engine)
	wasm, err := wasmtime.Wat2Wasm(oobWat)
	if err != nil {
		t.Fatal(err)
	}
	module, err := wasmtime.NewModule(engine, wasm)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := wasmtime.NewInstance(store, module, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &wasmtimeSide{store: store, inst: inst}
}

func (w *wasmtimeSide) trap(t *testing.T, f string, want wasmtime.TrapCode, args ...any) {
	t.Helper()
	_, err := w.inst.GetFunc(w.store, f).Call(w.store, args...)
	var trap *wasmtime.Trap
	if !errors.As(err, &trap) || trap.Code() == nil || *trap.Code() != want {
		t.Fatalf("wasmtime %s: got %v, want trap code %v", f, err, want)
	}
}
