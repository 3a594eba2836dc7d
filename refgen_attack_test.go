package moat_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// refGenWat exposes a function's reference every way a store hands one to
// the host: an export, a table element, a global, a call's result and a
// host function's parameter; "take" and "host" are where words come back.
const refGenWat = `(module
  (import "env" "see" (func $see (param funcref)))
  (import "env" "give" (func $give (result funcref)))
  (type $r (func (result i32)))
  (table $t (export "t") 2 funcref)
  (elem (i32.const 0) func $f)
  (global (export "g") (mut funcref) (ref.func $f))
  (func $f (export "f") (result i32) (i32.const 7))
  (func (export "get") (result funcref) (ref.func $f))
  (func (export "show") (call $see (ref.func $f)))
  (func (export "take") (param funcref) (result i32) (ref.is_null (local.get 0)))
  (func (export "host") (result i32)
    (table.set $t (i32.const 1) (call $give))
    (call_indirect (type $r) (i32.const 1))))`

// engineWord is a funcref word without its store's generation: the
// engine's word, the same for the same function of two stores whose
// descriptors (or function indices) coincide.
func engineWord(w uint64) uint64 { return w & (1<<48 - 1) }

// TestFuncrefOfClosedStoreIsRefused is the attacker's side of descriptor
// blocks reused across stores: a funcref word the host kept from a closed
// store names, inside the engine, the same descriptor as the function of a
// later store of the same module that took the closed store's block (on
// the interpreter, the same index). Every way the host hands a word in
// must refuse it rather than resolve it to the new store's function.
func TestFuncrefOfClosedStoreIsRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cfg  moat.Config
	}{
		{"interp", moat.Config{Engine: moat.EngineInterpreter}},
		{"compiler", moat.Config{Engine: moat.EngineCompiler}},
		{"pooling", moat.Config{Engine: moat.EngineCompiler, Pooling: &moat.PoolingConfig{TotalMemories: 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := moat.NewEngine(tc.cfg)
			if err != nil {
				t.Skip(err)
			}
			var seen, give uint64
			l := moat.NewLinker(e)
			l.DefineHostFunc("env", "see", moat.FuncType{Params: []moat.ValueType{moat.ValueFuncRef}},
				func(_ context.Context, _ *moat.Caller, st []uint64) error { seen = st[0]; return nil })
			l.DefineHostFunc("env", "give", moat.FuncType{Results: []moat.ValueType{moat.ValueFuncRef}},
				func(_ context.Context, _ *moat.Caller, st []uint64) error { st[0] = give; return nil })
			pre, err := l.Prepare(compile(t, e, refGenWat))
			if err != nil {
				t.Fatal(err)
			}

			// Store A hands out its function's reference every way it can.
			a := moat.NewStore(e)
			instA, err := pre.Instantiate(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			kept := map[string]uint64{"Func.Ref": instA.Func("f").Ref()}
			if kept["Table.Get"], err = instA.Table("t").Get(0); err != nil {
				t.Fatal(err)
			}
			kept["Global.Get"] = instA.Global("g").Get()
			r, err := instA.Func("get").Call(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kept["result"] = r[0]
			if _, err := instA.Func("show").Call(ctx); err != nil {
				t.Fatal(err)
			}
			kept["host parameter"] = seen
			for how, w := range kept {
				if w != kept["Func.Ref"] {
					t.Fatalf("%s gave %#x, Func.Ref %#x: one function, one word", how, w, kept["Func.Ref"])
				}
			}
			// A's own words work in A.
			give = kept["Func.Ref"]
			if r, err := instA.Func("host").Call(ctx); err != nil || r[0] != 7 {
				t.Fatalf("A's word in A: %v, %v", r, err)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}

			// Store C, of the same module, takes A's place.
			c := moat.NewStore(e)
			defer c.Close()
			instC, err := pre.Instantiate(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			own := instC.Func("f").Ref()
			if engineWord(own) != engineWord(kept["Func.Ref"]) {
				t.Fatalf("C's function is %#x, A's was %#x: the engine's words differ, so this test shows nothing", own, kept["Func.Ref"])
			}
			if own == kept["Func.Ref"] {
				t.Fatalf("C's funcref word %#x is A's", own)
			}
			refused := func(what string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), "not a funcref of this store") {
					t.Errorf("%s with the closed store's word: %v, want a refusal", what, err)
				}
			}
			w := kept["Func.Ref"]
			if f := moat.FuncFromRef(c, w); f != nil {
				t.Error("FuncFromRef resolved the closed store's word")
			}
			if c.RefHasType(w, moat.ValueFuncRef) {
				t.Error("RefHasType took the closed store's word for a funcref")
			}
			_, err = instC.Func("take").Call(ctx, w)
			refused("Call", err)
			stack := []uint64{w}
			refused("CallWithStack", instC.Func("take").CallWithStack(ctx, stack))
			refused("Table.Set", instC.Table("t").Set(1, w))
			_, err = instC.Table("t").Grow(1, w)
			refused("Table.Grow", err)
			refused("Global.Set", instC.Global("g").Set(w))
			_, err = moat.NewTable(c, moat.TableType{Elem: moat.ValueFuncRef, Limits: moat.Limits{Min: 1}}, w)
			refused("NewTable", err)
			_, err = moat.NewGlobal(c, moat.GlobalType{Value: moat.ValueFuncRef, Mutable: true}, w)
			refused("NewGlobal", err)
			tag, err := moat.NewTag(c, moat.FuncType{Params: []moat.ValueType{moat.ValueFuncRef}}, "t")
			if err != nil {
				t.Fatal(err)
			}
			_, err = moat.NewException(tag, w)
			refused("NewException", err)
			// A host function that returns it traps before any code
			// calls through it.
			give = w
			_, err = instC.Func("host").Call(ctx)
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapHostError {
				t.Errorf("host function returning the closed store's word: %v, want a host error trap", err)
			}
			refused("host function result", err)

			// C's own word works everywhere A's was refused.
			if f := moat.FuncFromRef(c, own); f == nil {
				t.Error("FuncFromRef refused C's own word")
			}
			if r, err := instC.Func("take").Call(ctx, own); err != nil || r[0] != 0 {
				t.Errorf("take(own) = %v, %v", r, err)
			}
			if err := instC.Table("t").Set(1, own); err != nil {
				t.Error(err)
			}
			if err := instC.Global("g").Set(own); err != nil {
				t.Error(err)
			}
			give = own
			if r, err := instC.Func("host").Call(ctx); err != nil || r[0] != 7 {
				t.Errorf("host function returning C's word: %v, %v", r, err)
			}
			exn, err := moat.NewException(tag, own)
			if err != nil || exn.Payload()[0] != own {
				t.Errorf("exception payload: %v, %v", exn, err)
			}
		})
	}
}

// TestHostFuncrefResultIsChecked: a host function whose result is a
// made-up funcref (or one of another live store) makes a trap, on both
// engines, instead of code calling through it.
func TestHostFuncrefResultIsChecked(t *testing.T) {
	ctx := context.Background()
	for _, be := range benchEngines {
		e, err := moat.NewEngine(moat.Config{Engine: be.kind})
		if err != nil {
			continue
		}
		other, err := moat.NewStore(e).Instantiate(ctx, compile(t, e, `(module (func (export "f")))`))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range map[string]uint64{
			"made up":       0xdeadbeef000,
			"another store": other.Func("f").Ref(),
			"no generation": engineWord(other.Func("f").Ref()),
		} {
			l := moat.NewLinker(e)
			l.DefineHostFunc("env", "get", moat.FuncType{Results: []moat.ValueType{moat.ValueFuncRef}},
				func(_ context.Context, _ *moat.Caller, st []uint64) error { st[0] = w; return nil })
			inst, err := l.Instantiate(ctx, moat.NewStore(e), compile(t, e, `(module
  (import "env" "get" (func $get (result funcref)))
  (type $t (func (result i32)))
  (table 1 funcref)
  (func (export "run") (result i32)
    (table.set (i32.const 0) (call $get))
    (call_indirect (type $t) (i32.const 0))))`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = inst.Func("run").Call(ctx)
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapHostError || !strings.Contains(err.Error(), "not a funcref of this store") {
				t.Errorf("%s, %s: %v, want a host error trap refusing the word", be.name, name, err)
			}
		}
	}
}
