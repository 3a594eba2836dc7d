package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/wasm"
)

// guardLayout is guard-page mode with Wasmtime's default sizes.
var guardLayout = Layout{Reserve: 4 << 30, GuardBefore: 32 << 20, GuardAfter: 32 << 20, Trap: true}

// faultRig is a rig whose context has a guard-mode memory of one page.
type faultRig struct {
	*rig
	mem *Memory
}

func newFaultRig(t testing.TB) *faultRig {
	t.Helper()
	if err := EnableFaultTraps(); err != nil {
		t.Fatal(err)
	}
	m := NewMemory(&wasm.MemoryType{Limits: wasm.Limits{Min: 1, Max: 2, HasMax: true}}, 0)
	if err := m.MapNative(guardLayout); err != nil {
		t.Fatal(err)
	}
	g := &faultRig{rig: newRig(t, 0), mem: m}
	g.ctx.MemoryBase = m.Base()
	return g
}

// faultProgram maps code registered with the handler.
func faultProgram(t testing.TB, code []byte) uintptr {
	t.Helper()
	c, err := MapCode(code)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AllowFaults(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.Addr()
}

// runner checks each fault as a compiled instance does: the class and the
// address against the memory's reservation or the stack's guard.
func (g *faultRig) runner(seen *Fault) *Runner {
	return &Runner{Fault: func(f *Fault) (*Trap, error) {
		if seen != nil {
			*seen = *f
		}
		switch {
		case f.Class == abi.TrapMemoryOutOfBounds && g.mem.InReservation(f.Addr),
			f.Class == abi.TrapStackExhausted && g.stack.InGuard(f.Addr),
			f.Class == abi.TrapIntegerDivideByZero, f.Class == abi.TrapUnreachable:
			return &Trap{Code: f.Class}, nil
		}
		return nil, fmt.Errorf("fault %v not expected", f)
	}}
}

func TestFaultOutOfBounds(t *testing.T) {
	g := newFaultRig(t)
	load, store := faultProgram(t, progLoad), faultProgram(t, progStore)
	g.mem.Bytes[100] = 7
	var f Fault
	r := g.runner(&f)
	vals := []uint64{100}
	if err := g.run(r, context.Background(), load, vals); err != nil || vals[0] != 7 {
		t.Fatalf("in bounds: %v, %d", err, vals[0])
	}
	// The last word of the page, then every offset that crosses the end,
	// into the committed-but-not-yet memory, the reservation and the guard.
	for _, off := range []uint64{wasm.PageSize - 3, wasm.PageSize, 2 * wasm.PageSize, 1<<32 - 1, 1<<32 + 32<<20 - 4} {
		for _, prog := range []uintptr{load, store} {
			vals[0] = off
			wantTrap(t, g.run(r, context.Background(), prog, vals), abi.TrapMemoryOutOfBounds)
			if f.PC != prog+progLoadFaultOffset || f.Signal != 11 {
				t.Fatalf("offset %#x: fault %v, want pc %#x", off, &f, prog+progLoadFaultOffset)
			}
			if want := g.mem.Base() + uintptr(off); off >= wasm.PageSize && f.Addr != want {
				t.Fatalf("offset %#x: fault address %#x, want %#x", off, f.Addr, want)
			}
		}
	}
	// The guard before byte 0.
	vals[0] = ^uint64(4095) // -4096
	wantTrap(t, g.run(r, context.Background(), load, vals), abi.TrapMemoryOutOfBounds)
	// Growing commits the next page; the runner is reusable after faults.
	if _, ok := g.mem.Grow(1); !ok {
		t.Fatal("grow failed")
	}
	vals[0] = wasm.PageSize + 8
	if err := g.run(r, context.Background(), store, vals); err != nil || g.mem.Bytes[wasm.PageSize+8] != 42 {
		t.Fatalf("store after grow: %v", err)
	}
	if g.stack.next != g.stack.Top() {
		t.Fatal("stack not released after the faults")
	}
	// Released (its instance closed), the memory faults everywhere.
	g.mem.Release()
	vals[0] = 100
	wantTrap(t, g.run(r, context.Background(), load, vals), abi.TrapMemoryOutOfBounds)
}

func TestFaultStackGuard(t *testing.T) {
	g := newFaultRig(t)
	var f Fault
	err := g.run(g.runner(&f), context.Background(), faultProgram(t, progOverflow), []uint64{0})
	wantTrap(t, err, abi.TrapStackExhausted)
	if !g.stack.InGuard(f.Addr) || f.SP > g.stack.Bottom()+4096 {
		t.Fatalf("fault %v, stack bottom %#x", &f, g.stack.Bottom())
	}
}

func TestFaultDivideAndUD2(t *testing.T) {
	g := newFaultRig(t)
	r := g.runner(nil)
	div := faultProgram(t, progDivide)
	vals := []uint64{42, 6}
	if err := g.run(r, context.Background(), div, vals); err != nil || vals[0] != 7 {
		t.Fatalf("42/6: %v, %d", err, vals[0])
	}
	vals = []uint64{42, 0}
	wantTrap(t, g.run(r, context.Background(), div, vals), abi.TrapIntegerDivideByZero)
	wantTrap(t, g.run(r, context.Background(), faultProgram(t, progUD2), nil), abi.TrapUnreachable)
}

// TestFaultUnregisteredCode: the same load in code not registered with the
// handler is not moat's to explain; the Go runtime gets it (here, as
// debug.SetPanicOnFault would not help: a fault in non-Go code crashes).
// Checked in a subprocess, which must die of the Go runtime's report.
func TestFaultUnregisteredCode(t *testing.T) {
	out := runCrasher(t, "unregistered")
	if !strings.Contains(out, "SIGSEGV") || strings.Contains(out, "moat: fatal") {
		t.Fatalf("want the Go runtime's SIGSEGV report, got:\n%s", out)
	}
}

// TestFaultUnexplained: a fault in registered code at an address outside
// every reservation and stack guard (a moat bug) crashes loudly with the
// PC, never resumes.
func TestFaultUnexplained(t *testing.T) {
	out := runCrasher(t, "wild")
	if !strings.Contains(out, "moat: fatal: unexpected fault in generated code: SIGSEGV at pc=") ||
		!strings.Contains(out, "address 0x10, classified unexplained") {
		t.Fatalf("want moat's fatal report, got:\n%s", out)
	}
}

// TestFaultRefused: a fault the runner's Fault refuses crashes the same
// way, with its reason.
func TestFaultRefused(t *testing.T) {
	out := runCrasher(t, "refused")
	if !strings.Contains(out, "moat: fatal") || !strings.Contains(out, "not this runner's") {
		t.Fatalf("want moat's fatal report, got:\n%s", out)
	}
}

const crasherEnv = "MOAT_VM_FAULT_CRASHER"

// runCrasher re-runs this test binary as TestFaultCrasher in mode and
// returns its output; the child must fail.
func runCrasher(t *testing.T, mode string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultCrasher$", "-test.count=1")
	cmd.Env = append(os.Environ(), crasherEnv+"="+mode)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("the crasher did not fail (%v):\n%s", err, out)
	}
	return string(out)
}

// TestFaultCrasher is the subprocess of runCrasher; without the variable
// it does nothing.
func TestFaultCrasher(t *testing.T) {
	mode := os.Getenv(crasherEnv)
	if mode == "" {
		return
	}
	g := newFaultRig(t)
	switch mode {
	case "unregistered":
		vals := []uint64{1 << 32}
		_ = g.run(g.runner(nil), context.Background(), mapProgram(t, progLoad), vals)
	case "wild":
		_ = g.run(g.runner(nil), context.Background(), faultProgram(t, progWild), []uint64{0x10})
	case "refused":
		r := &Runner{Fault: func(f *Fault) (*Trap, error) { return nil, errors.New("not this runner's") }}
		_ = g.run(r, context.Background(), faultProgram(t, progLoad), []uint64{1 << 32})
	}
	t.Fatal("still running after the fault")
}

// TestFaultConcurrent: goroutines fault at once, each in its own memory
// and on its own stack, and each gets its own trap.
func TestFaultConcurrent(t *testing.T) {
	const goroutines, rounds = 8, 500
	load := faultProgram(t, progLoad)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := range goroutines {
		g := newFaultRig(t)
		wg.Go(func() {
			var f Fault
			r := g.runner(&f)
			for k := range rounds {
				off := uint64(wasm.PageSize + 4096*(k%1000) + i)
				vals := []uint64{off}
				var tr *Trap
				if err := g.run(r, context.Background(), load, vals); !errors.As(err, &tr) || tr.Code != abi.TrapMemoryOutOfBounds || f.Addr != g.mem.Base()+uintptr(off) {
					errs <- fmt.Errorf("goroutine %d round %d: %v, fault %v", i, k, err, &f)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
