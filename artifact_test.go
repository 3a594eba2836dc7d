package moat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/spectest"
	"github.com/moat-run/moat/internal/testsuite"
)

// compilerEngine makes an engine of the compiler, skipping where there is
// none (artifacts hold its native code).
func compilerEngine(t testing.TB, cfg moat.Config) *moat.Engine {
	t.Helper()
	cfg.Engine = moat.EngineCompiler
	e, err := moat.NewEngine(cfg)
	if err != nil {
		t.Skipf("compiler engine: %v", err)
	}
	return e
}

// viaFile serializes mod, writes the artifact to a file in dir and loads it
// back with DeserializeFile on e.
func viaFile(t testing.TB, e *moat.Engine, mod *moat.Module, dir string) *moat.Module {
	t.Helper()
	b, err := mod.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(dir, "*.cwasm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := e.DeserializeFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestArtifactSpec runs the whole JSON spec suite on the compiler with
// every module passed through an artifact (compile, serialize, write, load
// with DeserializeFile), SIMD scripts included, with guard pages and with
// explicit bounds checks: the totals must be those of direct compilation,
// every assertion passing.
func TestArtifactSpec(t *testing.T) {
	compilerEngine(t, moat.Config{})
	dir := testsuite.Spec(t)
	// In each bounds-check mode: guard-page code has fault sites in its
	// tables, and its loaded code must be registered with the handler.
	compilerModes(t, func(t *testing.T, cfg moat.Config) { artifactSpec(t, dir, cfg) })
}

// artifactSpec is TestArtifactSpec in one configuration (the 2.0 suite,
// with 2.0 rules: cfg.DisabledFeatures).
func artifactSpec(t *testing.T, dir string, cfg moat.Config) {
	e := compilerEngine(t, cfg)
	tmp := t.TempDir()
	roundTrip := func(e *moat.Engine, wasm []byte) (*moat.Module, error) {
		mod, err := e.Compile(wasm)
		if err != nil {
			return nil, err
		}
		b, err := mod.Serialize()
		if err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(tmp, "*.cwasm")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name()) // the mapping outlives the name
		if _, err := f.Write(b); err != nil {
			return nil, err
		}
		f.Close()
		return e.DeserializeFile(f.Name())
	}
	files, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var total spectest.Result
	for _, f := range files {
		if !strings.HasSuffix(f, ".json") {
			continue
		}
		r := spectest.RunFile(context.Background(), f, spectest.Options{Engine: e, Compile: roundTrip})
		total.Files = append(total.Files, r)
		total.Passed += r.Passed
		total.Failed += r.Failed
		total.Skipped += r.Skipped
		for i, fl := range r.Failures {
			if i == 10 {
				break
			}
			t.Error(fl.String())
		}
	}
	t.Logf("spec suite through artifacts: %s", total.String())
	if len(total.Files) == specFiles {
		checkTotals(t, "artifact JSON", total, specCompilerPassed+simdCompiledPassed, specCompilerSkipped+simdCompiledSkipped)
	}
}

// behaviourWat exercises what instantiation takes from an artifact's
// metadata: imports of every kind, globals and their initialisers, a
// memory with active and passive data, tables with active, passive and
// declarative elements, call_indirect, the start function, exports, and
// names for backtraces; and traps that guard-page code takes through the
// signal handler (an unreachable, loads past the memory's end and past its
// 4 GiB reservation).
const behaviourWat = `(module $behaviour
  (import "env" "log" (func $log (param i32)))
  (import "env" "g" (global $g i32))
  (type $un (func (param i32) (result i32)))
  (memory (export "mem") 1 4)
  (table $t 4 funcref)
  (global $counter (mut i32) (global.get $g))
  (global (export "pi") f64 (f64.const 3.14159))
  (data (i32.const 16) "active data")
  (data $passive "passive")
  (elem (i32.const 0) $double $square)
  (elem $pe func $square)
  (elem declare func $log)
  (func $double (type $un) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $un) (i32.mul (local.get 0) (local.get 0)))
  (func $start (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (start $start)
  (func (export "counter") (result i32) (global.get $counter))
  (func (export "dispatch") (param i32 i32) (result i32)
    (call_indirect (type $un) (local.get 1) (local.get 0)))
  (func (export "init") (param i32) (result i32)
    (memory.init $passive (local.get 0) (i32.const 0) (i32.const 7))
    (table.init $t $pe (i32.const 2) (i32.const 0) (i32.const 1))
    (i32.load8_u (local.get 0)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "log") (param i32) (call $log (local.get 0)))
  (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func $outer (export "trap") (param i32) (result i32) (call $inner (local.get 0)))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (unreachable))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))
  (func $load (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func (export "oob") (param i32) (result i32) (i32.add (i32.const 1) (call $load (local.get 0)))))`

// observeModule runs every export of an instance of mod and records what it sees:
// results, traps (code, message and every frame) and host calls.
func observeModule(t *testing.T, e *moat.Engine, mod *moat.Module) []string {
	t.Helper()
	ctx := context.Background()
	var seen []string
	store := moat.NewStore(e)
	l := moat.NewLinker(e)
	if err := l.DefineFunc("env", "log", func(x int32) { seen = append(seen, fmt.Sprint("log ", x)) }); err != nil {
		t.Fatal(err)
	}
	g, err := moat.NewGlobal(store, moat.GlobalType{Value: moat.ValueI32}, moat.EncodeI32(41))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Define("env", "g", g); err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(ctx, store, mod)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, fmt.Sprintf("imports %v exports %v name %q", mod.Imports(), mod.Exports(), mod.Name()))
	call := func(name string, args ...uint64) {
		r, err := inst.Func(name).Call(ctx, args...)
		var trap *moat.Trap
		if errors.As(err, &trap) {
			seen = append(seen, fmt.Sprintf("%s: trap %v %q %+v", name, trap.Code, trap.Message, trap.Frames))
			return
		}
		seen = append(seen, fmt.Sprintf("%s: %v %v", name, r, err))
	}
	call("counter")
	for _, k := range []uint64{0, 1, 2, 3, 4} {
		call("dispatch", k, 7)
	}
	call("init", 100)
	call("dispatch", 2, 9)
	call("grow")
	call("log", 5)
	call("trap", 0)
	call("trap", 3)
	call("deep", 3)
	call("oob", 8)
	call("oob", 0x1FFFD) // the last 3 bytes are past the 2 pages
	call("oob", 0xFFFFFFFF)
	mem := inst.Memory("mem")
	data, _ := mem.Read(16, 11)
	seen = append(seen, fmt.Sprintf("memory %q size %d", data, mem.Size()))
	pi := inst.Global("pi")
	seen = append(seen, fmt.Sprintf("pi %v", moat.DecodeF64(pi.Get())))
	return seen
}

// TestArtifactBehavesAsCompiled compares everything observable about a
// module compiled directly and the same module loaded from its artifact,
// from bytes and from a file, in the engine that made it and in a fresh one,
// with guard pages and with explicit bounds checks. The traps, backtraces
// included, are also those of the interpreter: with guard pages the
// out-of-bounds loads and the unreachable of loaded code trap through the
// signal handler, which must find the artifact's code and fault sites.
func TestArtifactBehavesAsCompiled(t *testing.T) {
	interp, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter})
	if err != nil {
		t.Fatal(err)
	}
	imod, err := interp.Compile(wat2wasm(t, behaviourWat))
	if err != nil {
		t.Fatal(err)
	}
	reference := observeModule(t, interp, imod)
	compilerEngine(t, moat.Config{})
	compilerModes(t, func(t *testing.T, cfg moat.Config) {
		cfg.DisabledFeatures = 0
		e := compilerEngine(t, cfg)
		mod, err := e.Compile(wat2wasm(t, behaviourWat))
		if err != nil {
			t.Fatal(err)
		}
		want := observeModule(t, e, mod)
		if !reflect.DeepEqual(want, reference) {
			t.Errorf("compiled module behaves differently from the interpreter's:\ngot  %q\nwant %q", want, reference)
		}
		b, err := mod.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		fresh := compilerEngine(t, cfg)
		for _, tc := range []struct {
			name string
			e    *moat.Engine
			load func(e *moat.Engine) (*moat.Module, error)
		}{
			{"bytes", e, func(e *moat.Engine) (*moat.Module, error) { return e.Deserialize(b) }},
			{"file", e, func(e *moat.Engine) (*moat.Module, error) { return viaFile(t, e, mod, t.TempDir()), nil }},
			{"fresh engine", fresh, func(e *moat.Engine) (*moat.Module, error) { return e.Deserialize(b) }},
			{"fresh engine, file", fresh, func(e *moat.Engine) (*moat.Module, error) { return viaFile(t, e, mod, t.TempDir()), nil }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m2, err := tc.load(tc.e)
				if err != nil {
					t.Fatal(err)
				}
				got := observeModule(t, tc.e, m2)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("loaded module behaves differently:\ngot  %q\nwant %q", got, want)
				}
				// Serializing a loaded module gives the same artifact.
				again, err := m2.Serialize()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, b) {
					t.Error("re-serializing a loaded module changed the artifact")
				}
			})
		}
		seen := strings.Join(want, "\n")
		for _, trap := range []string{"integer divide by zero", "unreachable", "out of bounds memory access"} {
			if !strings.Contains(seen, trap) {
				t.Errorf("no %s trap: %q", trap, want)
			}
		}
	})
}

// TestArtifactTypeIDsAcrossEngines loads an artifact into an engine that
// has seen other signatures first, so its canonical type ids differ from
// those of the engine that compiled the code, and checks call_indirect
// across modules: a matching signature calls, a different one traps. The
// code reads expected ids from the context, so it needs no patching.
func TestArtifactTypeIDsAcrossEngines(t *testing.T) {
	ctx := context.Background()
	callerWat := `(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (import "lib" "tab" (table 2 funcref))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0))))`
	libWat := `(module
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) $inc $f)
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $f (param f64) (result f64) (local.get 0)))`
	maker := compilerEngine(t, moat.Config{})
	caller, err := maker.Compile(wat2wasm(t, callerWat))
	if err != nil {
		t.Fatal(err)
	}
	art, err := caller.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	e := compilerEngine(t, moat.Config{})
	// Other signatures take the low ids in this engine.
	if _, err := e.CompileText([]byte(`(module (func (param i64 i64 f32)) (func (param f64) (result f64) (local.get 0)) (func (result i64) (i64.const 0)))`)); err != nil {
		t.Fatal(err)
	}
	lib, err := e.Compile(wat2wasm(t, libWat))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := e.Deserialize(art)
	if err != nil {
		t.Fatal(err)
	}
	store := moat.NewStore(e)
	libInst, err := store.Instantiate(ctx, lib)
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(e)
	if err := l.DefineInstance("lib", libInst); err != nil {
		t.Fatal(err)
	}
	inst, err := l.Instantiate(ctx, store, loaded)
	if err != nil {
		t.Fatal(err)
	}
	r, err := inst.Func("call").Call(ctx, 0, 41)
	if err != nil || moat.DecodeI32(r[0]) != 42 {
		t.Fatalf("matching signature: %v, %v; want 42", r, err)
	}
	_, err = inst.Func("call").Call(ctx, 1, 41)
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapIndirectCallTypeMismatch {
		t.Fatalf("different signature: got %v, want an indirect call type mismatch", err)
	}
}

// TestDeserializeFileMapsInPlace: DeserializeFile runs the code from the
// file's own pages (a read+execute mapping of the file, no copy), while a
// file that others may write is read into memory instead and still loads.
func TestDeserializeFileMapsInPlace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/maps")
	}
	e := compilerEngine(t, moat.Config{})
	mod, err := e.Compile(wat2wasm(t, behaviourWat))
	if err != nil {
		t.Fatal(err)
	}
	b, err := mod.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	private, shared := filepath.Join(dir, "private.cwasm"), filepath.Join(dir, "shared.cwasm")
	for _, p := range []string{private, shared} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(shared, 0o666); err != nil {
		t.Fatal(err)
	}
	var keep []*moat.Module
	for _, p := range []string{private, shared} {
		m, err := e.DeserializeFile(p)
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, m)
		if got := observeModule(t, e, m); !reflect.DeepEqual(got, observeModule(t, e, mod)) {
			t.Errorf("%s behaves differently", p)
		}
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	mappedExec := func(path string) bool {
		for line := range strings.Lines(string(maps)) {
			if f := strings.Fields(line); len(f) >= 6 && f[5] == path && f[1] == "r-xp" {
				return true
			}
		}
		return false
	}
	if !mappedExec(private) {
		t.Errorf("no read+execute mapping of %s in /proc/self/maps", private)
	}
	if mappedExec(shared) {
		t.Errorf("%s is writable by others but was mapped", shared)
	}
	runtime.KeepAlive(keep)
}
