package compiler

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// instantiateForTest compiles WAT src (no imports, no segments) on e and
// binds an instance of it in a new store, as the public package does.
func instantiateForTest(t *testing.T, e *compilerEngine, src string) *instance {
	t.Helper()
	m := parseForTest(t, src)
	code, err := e.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	return bindForTest(t, e, m, code)
}

// parseForTest decodes and validates WAT src.
func parseForTest(t testing.TB, src string) *wasm.Module {
	t.Helper()
	pm, err := text.ParseModule([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := binary.Decode(binary.Encode(pm))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	return m
}

// bindForTest binds an instance of m (no imports, no segments) to code in
// a new store, as the public package does.
func bindForTest(t testing.TB, e *compilerEngine, m *wasm.Module, code engine.Code) *instance {
	t.Helper()
	inst := &vm.Instance{Module: m, Store: e.NewStore()}
	for i := range m.Funcs {
		inst.Funcs = append(inst.Funcs, &vm.Function{Type: &m.Types[m.Funcs[i]].Func, Instance: inst, Index: uint32(i)})
	}
	for _, mt := range m.Memories {
		inst.Memories = append(inst.Memories, vm.NewMemory(&mt, 0))
	}
	for _, f := range inst.Funcs {
		if _, err := inst.Store.Ref(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := code.Bind(inst); err != nil {
		t.Fatal(err)
	}
	return inst.Engine.(*instance)
}

const peekSrc = `(module (memory 1) (func $peek (export "peek") (param i32) (result i32) (i32.load (local.get 0))))`

// TestFaultBugCrashes: generated code that faults where it may not (a
// moat bug, simulated by pointing a context at memory that is not the
// instance's) never becomes a trap and never resumes: the process dies
// with a report naming the PC and the wasm function. In a subprocess.
func TestFaultBugCrashes(t *testing.T) {
	if !vm.FaultTrapsSupported {
		t.Skip("no signal handler on this platform")
	}
	for _, c := range []struct{ mode, want string }{
		{"unmapped", "no fault of this kind is expected in pc 0x"},
		{"foreign", ", outside this instance's memory"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFaultBugCrasher$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MOAT_COMPILER_FAULT_CRASHER="+c.mode)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: the crasher did not fail (%v):\n%s", c.mode, err, out)
		}
		s := string(out)
		if !strings.Contains(s, "moat: fatal: unexpected fault in generated code: SIGSEGV at pc=") ||
			!strings.Contains(s, c.want) || !strings.Contains(s, "(wasm function 0 $peek, +0x") ||
			strings.Contains(s, "still running") {
			t.Errorf("%s: want moat's report naming $peek, got:\n%s", c.mode, s)
		}
	}
}

// TestFaultBugCrasher is TestFaultBugCrashes's subprocess.
func TestFaultBugCrasher(t *testing.T) {
	mode := os.Getenv("MOAT_COMPILER_FAULT_CRASHER")
	if mode == "" {
		return
	}
	e, err := New(Config{Memory: MemoryConfig{Checks: BoundsChecksGuardPages}})
	if err != nil {
		t.Fatal(err)
	}
	st := instantiateForTest(t, e.(*compilerEngine), peekSrc)
	stack := []uint64{1 << 20} // unmapped in another instance's memory
	switch mode {
	case "unmapped":
		stack[0] = 8
		page, err := unix.Mmap(-1, 0, 1<<16, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
		if err != nil {
			t.Fatal(err)
		}
		st.ctx.MemoryBase = uintptr(unsafe.Pointer(&page[0]))
	case "foreign":
		other := instantiateForTest(t, e.(*compilerEngine), peekSrc)
		st.ctx.MemoryBase = other.memory0().Base()
	}
	err = executor{}.Call(context.Background(), st.inst.Funcs[0], stack)
	t.Fatalf("still running after the fault: %v", err)
}
