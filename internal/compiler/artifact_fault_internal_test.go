package compiler

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/artifact"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/sigtrap"
	"github.com/moat-run/moat/internal/wasm"
)

// loadForTest writes code's artifact sections (and m as the module
// section) to a file and loads them back through artifact.Open and
// LoadArtifact, as Engine.DeserializeFile does: the code is mapped from
// the file and the tables are read in place.
func loadForTest(t *testing.T, e *compilerEngine, m *wasm.Module, code engine.Code) *moduleCode {
	t.Helper()
	secs, err := e.ArtifactSections(code)
	if err != nil {
		t.Fatal(err)
	}
	h := artifact.Header{Build: artifact.BuildID(), Target: e.Target()}
	all := append([]artifact.SectionData{{Kind: artifact.SectionModule, Data: binary.Encode(m)}}, secs...)
	b, err := artifact.Encode(h, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.cwasm")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := artifact.Open(path, artifact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Header.Check(artifact.BuildID(), e.Target()); err != nil {
		t.Fatal(err)
	}
	lc, err := e.LoadArtifact(m, f)
	if err != nil {
		t.Fatal(err)
	}
	return lc.(*moduleCode)
}

// faultSrc faults in guard-page mode: peek's load past the memory, and
// stop's unreachable (a ud2), each under a caller.
const faultSrc = `(module (memory 1)
  (func $peek (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func $stop (unreachable))
  (func $outer (export "outer") (param i32) (result i32) (i32.add (i32.const 1) (call $peek (local.get 0))))
  (func $halt (export "halt") (call $stop)))`

// frameKey is a frame without its instance: function index and offset.
type frameKey struct {
	fn  uint32
	off int
}

// TestLoadedCodeTrapsByFault: code loaded from an artifact in guard-page
// mode carries the same fault sites as the code linked here, is
// registered with the signal handler while loaded and unregistered when
// closed, and its out-of-bounds loads and unreachable trap through the
// fault path (vm.Runner.Fault) with the same backtraces as fresh code.
func TestLoadedCodeTrapsByFault(t *testing.T) {
	if !vm.FaultTrapsSupported {
		t.Skip("no signal handler on this platform")
	}
	eng, err := New(Config{Memory: MemoryConfig{Checks: BoundsChecksGuardPages}})
	if err != nil {
		t.Fatal(err)
	}
	e := eng.(*compilerEngine)
	m := parseForTest(t, faultSrc)
	code, err := e.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	fresh := code.(*moduleCode)
	loaded := loadForTest(t, e, m, fresh)
	if loaded.file == nil {
		t.Error("the artifact was read, not mapped")
	}
	if !bytes.Equal(loaded.tables.raw, fresh.tables.raw) {
		t.Error("the loaded tables differ from the linked ones")
	}
	if n := loaded.tables.numFaults(); n < 2 {
		t.Fatalf("%d fault sites in the loaded tables, want the load's and the ud2's", n)
	}
	start, end := loaded.code.Addr(), loaded.code.Addr()+uintptr(loaded.code.Size())-1
	if !sigtrap.CodeRegistered(start) || !sigtrap.CodeRegistered(end) {
		t.Fatal("loaded code is not registered with the signal handler")
	}

	type outcome struct {
		code   abi.TrapCode
		frames []frameKey
	}
	run := func(mc *moduleCode) []outcome {
		st := bindForTest(t, e, m, mc)
		faults := 0
		st.mc.eng.faultSeen = func(*vm.Fault) { faults++ }
		defer func() { st.mc.eng.faultSeen = nil }()
		var out []outcome
		for _, c := range []struct {
			fn   uint32
			args []uint64
		}{{2, []uint64{0xFFFD}}, {2, []uint64{0xFFFFFFFF}}, {3, nil}} {
			before := faults
			err := executor{}.Call(context.Background(), st.inst.Funcs[c.fn], append(c.args, 0))
			var trap *vm.Trap
			if !errors.As(err, &trap) {
				t.Fatalf("function %d%v: %v, want a trap", c.fn, c.args, err)
			}
			if faults != before+1 {
				t.Errorf("function %d%v: trapped without a fault (%d faults)", c.fn, c.args, faults-before)
			}
			o := outcome{code: trap.Code}
			for _, f := range trap.Frames {
				o.frames = append(o.frames, frameKey{f.Func.Index, f.Offset})
			}
			out = append(out, o)
		}
		return out
	}
	want := run(fresh)
	got := run(loaded)
	wantCodes := []abi.TrapCode{abi.TrapMemoryOutOfBounds, abi.TrapMemoryOutOfBounds, abi.TrapUnreachable}
	wantFuncs := [][]uint32{{0, 2}, {0, 2}, {1, 3}}
	for i := range want {
		if want[i].code != wantCodes[i] || len(want[i].frames) != len(wantFuncs[i]) {
			t.Fatalf("case %d: fresh code trapped %v with frames %v", i, want[i].code, want[i].frames)
		}
		for j, fr := range want[i].frames {
			if fr.fn != wantFuncs[i][j] || fr.off <= 0 {
				t.Errorf("case %d: frame %d is %+v, want function %d at a wasm offset", i, j, fr, wantFuncs[i][j])
			}
		}
		if got[i].code != want[i].code || !equalFrames(got[i].frames, want[i].frames) {
			t.Errorf("case %d: loaded code trapped %v %v, fresh code %v %v", i, got[i].code, got[i].frames, want[i].code, want[i].frames)
		}
	}

	if err := loaded.code.Close(); err != nil {
		t.Fatal(err)
	}
	if sigtrap.CodeRegistered(start) || sigtrap.CodeRegistered(end) {
		t.Error("closed code is still registered with the signal handler")
	}
	loaded.file.Close()
}

func equalFrames(a, b []frameKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLayoutOf: every memory with 32-bit addresses gets the engine's
// guard-page layout, a reservation of its own whatever its index (a memory
// may be memory 1 of the instance that defines it and memory 0 of one that
// imports it; only memory 0's accesses go unchecked); a 64-bit memory,
// whose every access the frontend checks, is laid out for explicit checks.
func TestLayoutOf(t *testing.T) {
	if !vm.FaultTrapsSupported {
		t.Skip("no signal handler on this platform")
	}
	eng, err := New(Config{Memory: MemoryConfig{Checks: BoundsChecksGuardPages}})
	if err != nil {
		t.Fatal(err)
	}
	e := eng.(*compilerEngine)
	if l := e.layoutOf(wasm.MemoryType{}); !l.Trap || l.Unchecked() != DefaultMemoryReservation+DefaultMemoryGuardSize {
		t.Errorf("32-bit memory: %v", l)
	}
	if l := e.layoutOf(wasm.MemoryType{Is64: true}); l.Trap || l.Unchecked() != 0 || l.GuardBefore != 0 || l.GuardAfter != 0 || l.Reserve != 0 {
		t.Errorf("64-bit memory: %v, want an explicit layout", l)
	}
}
