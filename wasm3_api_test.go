package moat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// interp makes an interpreter engine.
func interp(t *testing.T, cfg moat.Config) *moat.Engine {
	t.Helper()
	cfg.Engine = moat.EngineInterpreter
	e, err := moat.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// eachEngine runs test as a subtest on every engine of this platform, each
// made with cfg, the compiler once per bounds-check mode (guard pages and
// explicit checks) and once with pooled memories: both engines run all of
// WebAssembly 3.0.
func eachEngine(t *testing.T, cfg moat.Config, test func(t *testing.T, e *moat.Engine)) {
	type run struct {
		name    string
		kind    moat.EngineKind
		checks  moat.BoundsChecks
		pooling *moat.PoolingConfig
	}
	runs := []run{{"interpreter", moat.EngineInterpreter, cfg.BoundsChecks, nil}}
	for _, mode := range boundsModes {
		runs = append(runs, run{"compiler/" + strings.ReplaceAll(mode.String(), " ", "_"), moat.EngineCompiler, mode, nil})
	}
	runs = append(runs, run{"compiler/pooling", moat.EngineCompiler, moat.BoundsChecksAuto, &moat.PoolingConfig{TotalMemories: 16}})
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			c := cfg
			c.Engine, c.BoundsChecks, c.Pooling = r.kind, r.checks, r.pooling
			e, err := moat.NewEngine(c)
			if err != nil {
				if r.kind == moat.EngineCompiler {
					t.Skipf("compiler engine: %v", err)
				}
				t.Fatal(err)
			}
			test(t, e)
		})
	}
}

// instance compiles and instantiates wat with linker l (nil for none).
func instance(t *testing.T, e *moat.Engine, s *moat.Store, l *moat.Linker, wat string) *moat.Instance {
	t.Helper()
	mod, err := e.CompileText([]byte(wat))
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		l = moat.NewLinker(e)
	}
	inst, err := l.Instantiate(context.Background(), s, mod)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func call(t *testing.T, inst *moat.Instance, name string, args ...uint64) ([]uint64, error) {
	t.Helper()
	f := inst.Func(name)
	if f == nil {
		t.Fatalf("no export %q", name)
	}
	return f.Call(context.Background(), args...)
}

// TestTailCallsConstantStack runs a million-deep tail recursion under a
// call-depth limit of 100: every form of tail call reuses the frame. The
// same recursion with plain calls exhausts the stack.
func TestTailCallsConstantStack(t *testing.T) {
	const wat = `(module
  (type $t (func (param i64) (result i64)))
  (table funcref (elem $viaTable))
  (elem declare func $viaRef)
  (func $direct (export "direct") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 42))
      (else (return_call $direct (i64.sub (local.get 0) (i64.const 1))))))
  (func $viaTable (export "table") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 43))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
  (func $viaRef (export "ref") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 44))
      (else (return_call_ref $t (i64.sub (local.get 0) (i64.const 1)) (ref.func $viaRef)))))
  (func $plain (export "plain") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 45))
      (else (call $plain (i64.sub (local.get 0) (i64.const 1)))))))`
	eachEngine(t, moat.Config{MaxCallDepth: 100}, func(t *testing.T, e *moat.Engine) {
		inst := instance(t, e, moat.NewStore(e), nil, wat)
		for name, want := range map[string]uint64{"direct": 42, "table": 43, "ref": 44} {
			got, err := call(t, inst, name, 1_000_000)
			if err != nil || got[0] != want {
				t.Errorf("%s: %v, %v; want %d", name, got, err, want)
			}
		}
		_, err := call(t, inst, "plain", 1_000_000)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
			t.Errorf("plain calls: %v, want call stack exhausted", err)
		}
	})
}

// TestTailCallToHostAndOtherInstance: a tail call may leave the module.
func TestTailCallToHostAndOtherInstance(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		if err := l.DefineFunc("env", "triple", func(x int32) int32 { return 3 * x }); err != nil {
			t.Fatal(err)
		}
		other := instance(t, e, s, l, `(module (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`)
		if err := l.DefineInstance("other", other); err != nil {
			t.Fatal(err)
		}
		inst := instance(t, e, s, l, `(module
	  (import "env" "triple" (func $triple (param i32) (result i32)))
	  (import "other" "inc" (func $inc (param i32) (result i32)))
	  (func (export "host") (param i32) (result i32) (return_call $triple (local.get 0)))
	  (func (export "other") (param i32) (result i32) (return_call $inc (local.get 0))))`)
		if got, err := call(t, inst, "host", 5); err != nil || got[0] != 15 {
			t.Errorf("host: %v, %v", got, err)
		}
		if got, err := call(t, inst, "other", 5); err != nil || got[0] != 6 {
			t.Errorf("other: %v, %v", got, err)
		}
	})
}

// exceptionsWat throws and catches the imported tag env.e (an i32).
const exceptionsWat = `(module
  (import "env" "e" (tag $e (param i32)))
  (import "env" "boom" (func $boom (param i32)))
  (tag $local (export "local") (param i64))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
  (func (export "throw_local") (throw $local (i64.const -1)))
  ;; Calls the host, which throws; the payload plus one is returned.
  (func (export "catch_host") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $boom (local.get 0)))
      (i32.const -1))
    (i32.add (i32.const 1)))
  (func (export "catch_ref") (param i32) (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $e (local.get 0)))
      (ref.null exn)))
  (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))`

// TestExceptionsCrossHost: an exception thrown by a host function is
// caught by WebAssembly, one thrown by WebAssembly reaches the host as an
// *Exception, and a host can throw back one it caught.
func TestExceptionsCrossHost(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		tag, err := moat.NewTag(s, moat.FuncType{Params: []moat.ValueType{moat.ValueI32}}, "env.e")
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Define("env", "e", tag); err != nil {
			t.Fatal(err)
		}
		var inst *moat.Instance
		boom := func(ctx context.Context, c *moat.Caller, stack []uint64) error {
			if stack[0] == 100 {
				// Call into the guest, which throws; throw that exception on.
				_, err := c.ExportedFunc("throw").Call(ctx, 99)
				return err
			}
			exn, err := moat.NewException(tag, stack[0]*10)
			if err != nil {
				return err
			}
			return exn
		}
		if err := l.DefineHostFunc("env", "boom", moat.FuncType{Params: []moat.ValueType{moat.ValueI32}}, boom); err != nil {
			t.Fatal(err)
		}
		inst = instance(t, e, s, l, exceptionsWat)

		if got, err := call(t, inst, "catch_host", 4); err != nil || got[0] != 41 {
			t.Errorf("a host's exception, caught: %v, %v; want 41", got, err)
		}
		if got, err := call(t, inst, "catch_host", 100); err != nil || got[0] != 100 {
			t.Errorf("the guest's exception thrown on by the host, caught: %v, %v; want 100", got, err)
		}

		_, err = call(t, inst, "throw", 7)
		var exn *moat.Exception
		if !errors.As(err, &exn) || !exn.HasTag(tag) || exn.Payload()[0] != 7 {
			t.Fatalf("uncaught: %v, want an exception of env.e with payload 7", err)
		}
		if !strings.Contains(exn.Error(), "env.e") {
			t.Errorf("message %q does not name the tag", exn.Error())
		}
		_, err = call(t, inst, "throw_local")
		if !errors.As(err, &exn) || exn.HasTag(tag) || !exn.HasTag(inst.Tag("local")) || exn.Payload()[0] != ^uint64(0) {
			t.Errorf("local tag: %v", err)
		}

		// An exnref goes out to the host and back in to be rethrown.
		ref, err := call(t, inst, "catch_ref", 5)
		if err != nil || ref[0] == 0 {
			t.Fatalf("catch_ref: %v, %v", ref, err)
		}
		_, err = call(t, inst, "rethrow", ref[0])
		if !errors.As(err, &exn) || exn.Payload()[0] != 5 {
			t.Errorf("rethrow: %v", err)
		}
		_, err = call(t, inst, "rethrow", 0)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapNullExceptionReference {
			t.Errorf("throw_ref null: %v", err)
		}
	})
}

// TestExceptionsCrossInstances: a tag exported by one instance and
// imported by another is the same tag; an exception thrown in one is
// caught in the other, through a call between them.
func TestExceptionsCrossInstances(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		a := instance(t, e, s, l, `(module
	  (tag $t (export "t") (param i32 f64))
	  (func (export "throw") (param i32) (throw $t (local.get 0) (f64.const 2.5))))`)
		if err := l.DefineInstance("a", a); err != nil {
			t.Fatal(err)
		}
		b := instance(t, e, s, l, `(module
	  (import "a" "t" (tag $t (param i32 f64)))
	  (import "a" "throw" (func $throw (param i32)))
	  (tag $other (param i32 f64))
	  (func (export "catch") (param i32) (result i32)
	    (block $h (param) (result i32 f64)
	      (try_table (catch $other $h) (catch $t $h) (call $throw (local.get 0)))
	      (unreachable))
	    (drop)))`)
		if got, err := call(t, b, "catch", 11); err != nil || got[0] != 11 {
			t.Errorf("caught across instances: %v, %v", got, err)
		}
		// A tag imported under a different type does not link.
		_, err := moat.NewLinker(e).Instantiate(context.Background(), s, compile(t, e,
			`(module (import "a" "t" (tag (param i32))))`))
		var le *moat.LinkError
		if err == nil {
			l2 := moat.NewLinker(e)
			l2.DefineInstance("a", a)
			_, err = l2.Instantiate(context.Background(), s, compile(t, e, `(module (import "a" "t" (tag (param i32))))`))
		}
		if !errors.As(err, &le) {
			t.Errorf("tag type mismatch: %v, want a link error", err)
		}
	})
}

// TestUncaughtExceptionInStart: instantiation fails with the exception.
func TestUncaughtExceptionInStart(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		m := compile(t, e, `(module (tag $t) (func $s (throw $t)) (start $s))`)
		_, err := moat.NewStore(e).Instantiate(context.Background(), m)
		var exn *moat.Exception
		if !errors.As(err, &exn) {
			t.Errorf("got %v, want an *Exception", err)
		}
	})
}

// TestForgedReferences: the host cannot hand the guest a reference that
// breaks its types: an exnref or funcref word that is not the store's, a
// function of the wrong type for a typed reference, or null for a
// non-nullable one.
func TestForgedReferences(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		inst := instance(t, e, s, nil, `(module
	  (type $ii (func (param i32) (result i32)))
	  (func $double (export "double") (type $ii) (i32.mul (local.get 0) (i32.const 2)))
	  (func (export "other") (param i64))
	  (func (export "apply") (param (ref $ii) i32) (result i32) (call_ref $ii (local.get 1) (local.get 0)))
	  (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))`)
		double, other := inst.Func("double").Ref(), inst.Func("other").Ref()
		if got, err := call(t, inst, "apply", double, 21); err != nil || got[0] != 42 {
			t.Errorf("apply double: %v, %v", got, err)
		}
		for name, args := range map[string][]uint64{
			"wrong type":     {other, 1},
			"null":           {0, 1},
			"not a function": {123456, 1},
		} {
			if _, err := call(t, inst, "apply", args...); err == nil || errors.As(err, new(*moat.Trap)) {
				t.Errorf("apply with %s: %v, want a refused call", name, err)
			}
		}
		if _, err := call(t, inst, "rethrow", 99); err == nil || errors.As(err, new(*moat.Trap)) {
			t.Errorf("forged exnref: %v, want a refused call", err)
		}
	})
}

// TestMemory64 checks 64-bit addresses: an access whose address plus
// offset passes 2^64 is out of bounds, not wrapped to a low address.
func TestMemory64(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		inst := instance(t, e, moat.NewStore(e), nil, `(module
	  (memory (export "m") i64 1)
	  (func (export "size") (result i64) (memory.size))
	  (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
	  (func (export "load_far") (param i64) (result i32) (i32.load offset=8 (local.get 0))))`)
		if got, err := call(t, inst, "size"); err != nil || got[0] != 1 {
			t.Errorf("size: %v, %v", got, err)
		}
		if mt := inst.Memory("m").Type(); !mt.Is64 || mt.String() != "(memory i64 1)" {
			t.Errorf("type %s", mt)
		}
		if _, err := call(t, inst, "store", 8, 77); err != nil {
			t.Fatal(err)
		}
		if got, err := call(t, inst, "load_far", 0); err != nil || got[0] != 77 {
			t.Errorf("load: %v, %v", got, err)
		}
		_, err := call(t, inst, "load_far", ^uint64(0)-3) // wraps to 4 if added carelessly
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
			t.Errorf("overflowing address: %v", err)
		}
	})
}

// TestDisabledFeatures: a feature turned off makes a module that uses it
// fail to compile.
func TestDisabledFeatures(t *testing.T) {
	tail := `(module (func $f (return_call $f)))`
	if _, err := interp(t, moat.Config{}).CompileText([]byte(tail)); err != nil {
		t.Fatalf("tail calls are on by default: %v", err)
	}
	e := interp(t, moat.Config{DisabledFeatures: moat.FeatureTailCall})
	_, err := e.CompileText([]byte(tail))
	var ce *moat.CompileError
	if !errors.As(err, &ce) || ce.Kind != moat.Malformed || ce.Feature != moat.FeatureTailCall ||
		ce.Msg != "illegal opcode 0x12 (the module uses tail-call, turned off)" {
		t.Errorf("return_call without tail-call: %v, want malformed (an unknown opcode) naming tail-call", err)
	}
	e = interp(t, moat.Config{DisabledFeatures: moat.FeatureMultiMemory | moat.FeatureMemory64})
	_, err = e.CompileText([]byte(`(module (memory 1) (memory 1))`))
	if !errors.As(err, &ce) || ce.Kind != moat.Invalid || ce.Feature != moat.FeatureMultiMemory ||
		ce.Msg != "multiple memories (the module uses multi-memory, turned off)" {
		t.Errorf("two memories without multi-memory: %v", err)
	}
	// A module that is broken anyway keeps the plain error.
	_, err = e.CompileText([]byte(`(module (memory 1) (memory 1) (func (result i32)))`))
	if !errors.As(err, &ce) || ce.Feature != 0 || ce.Msg != "multiple memories" {
		t.Errorf("an invalid module with two memories: %v", err)
	}
	_, err = e.Compile([]byte("\x00asm\x01\x00\x00\x00\x05\x03\x01\x04\x01")) // (memory i64 1)
	if !errors.As(err, &ce) || ce.Kind != moat.Malformed || ce.Feature != moat.FeatureMemory64 {
		t.Errorf("an i64 memory without memory64: %v", err)
	}
	if f, err := moat.ParseFeature("relaxed-simd"); err != nil || f != moat.FeatureRelaxedSIMD || f.String() != "relaxed-simd" {
		t.Errorf("ParseFeature: %v, %v", f, err)
	}
	if _, err := moat.ParseFeature("threads"); err == nil {
		t.Error("ParseFeature accepted an unknown name")
	}
}

// TestCompiler30: the compiler engine compiles every 3.0 feature, garbage
// collection included: GC instructions in bodies and in constant
// expressions, recursion groups, subtypes, the abstract reference types.
func TestCompiler30(t *testing.T) {
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Skipf("compiler engine: %v", err)
	}
	for _, wat := range []string{
		`(module (func $f (return_call $f)))`,
		`(module (tag))`,
		`(module (memory 1) (memory 1))`,
		`(module (memory i64 1))`,
		`(module (type $f (func)) (func (param (ref $f))))`,
		`(module (func (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0))))`,
		`(module (global i32 (i32.add (i32.const 1) (i32.const 2))) (func (result i32) (global.get 0)))`,
		`(module (rec (type $a (sub (func))) (type $b (sub $a (func)))) (table 1 (ref null $a)) (elem declare func $g) (func $g (type $b)))`,
		`(module (global $g i32 (i32.const 1)) (global i32 (global.get $g)))`,
		`(module (func (param anyref eqref i31ref) (result i32) (ref.is_null (local.get 0))))`,
		`(module (type (struct)) (type (array i8)))`,
		`(module (type $s (struct)) (func (result (ref $s)) (struct.new $s)))`,
		`(module (func (result i32) (i31.get_s (ref.i31 (i32.const 1)))))`,
		`(module (global (ref i31) (ref.i31 (i32.const 7))))`,
		`(module (table 1 anyref (ref.i31 (i32.const 7))))`,
	} {
		if _, err := e.CompileText([]byte(wat)); err != nil {
			t.Errorf("%s: %v", wat, err)
		}
	}
}

func TestValueTypes30(t *testing.T) {
	e := interp(t, moat.Config{})
	m := compile(t, e, `(module
  (type $f (func))
  (import "h" "g" (global (ref null $f)))
  (import "h" "t" (table i64 1 exnref))
  (func (export "f") (param (ref func) externref) (result exnref) (unreachable)))`)
	want := []string{"(global (ref null 0))", "(table i64 1 exnref)"}
	for i, im := range m.Imports() {
		if got := im.Type.String(); got != want[i] {
			t.Errorf("import %d: %s, want %s", i, got, want[i])
		}
	}
	ft := m.Exports()[0].Type.(moat.FuncType)
	if ft.String() != "(func (param (ref func) externref) (result exnref))" || ft.Params[0].Nullable() || !ft.Params[1].IsRef() {
		t.Errorf("export %s", ft)
	}
	if moat.ValueExnRef.String() != "exnref" || moat.ValueI64.IsRef() {
		t.Error("value type names")
	}
}

// TestTailCallToTypedHostFunc: a tail call into a typed host function
// (Linker.DefineFunc), from a run's first frame and from deeper, returns
// its result; one that panics ends the call with a *PanicError naming it,
// and the instance runs again afterwards.
func TestTailCallToTypedHostFunc(t *testing.T) {
	const wat = `(module
  (import "h" "add" (func $add (param i32 i32) (result i32)))
  (import "h" "boom" (func $boom (param i32) (result i32)))
  (func $first (export "first") (param i32 i32) (result i32) (return_call $add (local.get 0) (local.get 1)))
  (func (export "deep") (param i32 i32) (result i32) (i32.add (i32.const 1) (call $first (local.get 0) (local.get 1))))
  (func (export "boom") (param i32) (result i32) (return_call $boom (local.get 0))))`
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		l := moat.NewLinker(e)
		if err := l.DefineFunc("h", "add", func(a, b int32) int32 { return a + b }); err != nil {
			t.Fatal(err)
		}
		if err := l.DefineFunc("h", "boom", func(a int32) int32 { panic(fmt.Sprint("boom ", a)) }); err != nil {
			t.Fatal(err)
		}
		inst := instance(t, e, moat.NewStore(e), l, wat)
		for _, c := range []struct {
			name string
			want uint64
		}{{"first", 5}, {"deep", 6}} {
			if got, err := call(t, inst, c.name, 2, 3); err != nil || len(got) != 1 || got[0] != c.want {
				t.Errorf("%s: %v, %v; want %d", c.name, got, err, c.want)
			}
		}
		_, err := call(t, inst, "boom", 7)
		var pe *moat.PanicError
		if !errors.As(err, &pe) || pe.Func != "h.boom" || pe.Value != "boom 7" {
			t.Errorf("boom: %v, want a *PanicError from h.boom", err)
		}
		if got, err := call(t, inst, "first", 1, 1); err != nil || got[0] != 2 {
			t.Errorf("first after the panic: %v, %v", got, err)
		}
	})
}
