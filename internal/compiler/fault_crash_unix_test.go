//go:build unix

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

	"github.com/moat-run/moat/internal/vm"
)

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
