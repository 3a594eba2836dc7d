package moat

import (
	"context"
	"testing"
)

// doubleLinker is an engine of kind k (nil when it is unavailable here)
// and a linker defining env.double, a typed host function without a
// Caller.
func doubleLinker(t *testing.T, k EngineKind) (*Engine, *Linker) {
	t.Helper()
	e, err := NewEngine(Config{Engine: k})
	if err != nil {
		t.Logf("%s: %v", k, err)
		return nil, nil
	}
	l := NewLinker(e)
	if err := l.DefineFunc("env", "double", func(x int32) int32 { return 2 * x }); err != nil {
		t.Fatal(err)
	}
	return e, l
}

// TestHostFuncBoundOnce: a linker's host function is one function for
// every store that imports it, whether through an InstancePre or the
// linker itself, registered in none of them.
func TestHostFuncBoundOnce(t *testing.T) {
	ctx := context.Background()
	for _, k := range []EngineKind{EngineInterpreter, EngineCompiler} {
		e, l := doubleLinker(t, k)
		if e == nil {
			continue
		}
		mod, err := e.CompileText([]byte(`(module (import "env" "double" (func (param i32) (result i32))))`))
		if err != nil {
			t.Fatal(err)
		}
		pre, err := l.Prepare(mod)
		if err != nil {
			t.Fatal(err)
		}
		a, b := NewStore(e), NewStore(e)
		ia, err := pre.Instantiate(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ib, err := l.Instantiate(ctx, b, mod)
		if err != nil {
			t.Fatal(err)
		}
		fa, fb := ia.state.inst.Funcs[0], ib.state.inst.Funcs[0]
		if fa != fb || !fa.Shared() || fa.Store() != nil {
			t.Errorf("%s: stores import %p and %p (shared %v, store %p), want one shared function", k, fa, fb, fa.Shared(), fa.Store())
		}
		if wa, wb := fa.Word(a.vs), fb.Word(b.vs); wa == 0 || wa != wb {
			t.Errorf("%s: the function's words in two stores are %#x and %#x, want one", k, wa, wb)
		}
		a.Close()
		b.Close()
	}
}

// TestCallerOnDemand: a Caller is made for an instance only when one of
// its host calls takes one (a typed function without a *Caller
// parameter, and WASI's functions, need none).
func TestCallerOnDemand(t *testing.T) {
	ctx := context.Background()
	for _, k := range []EngineKind{EngineInterpreter, EngineCompiler} {
		e, l := doubleLinker(t, k)
		if e == nil {
			continue
		}
		if err := l.DefineFunc("env", "log", func(c *Caller, ptr, n uint32) error {
			if c.Memory() == nil {
				t.Error("log's Caller has no memory")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		mod, err := e.CompileText([]byte(`(module
  (import "env" "double" (func $double (param i32) (result i32)))
  (import "env" "log" (func $log (param i32 i32)))
  (memory 1)
  (func (export "quadruple") (param i32) (result i32) (call $double (call $double (local.get 0))))
  (func (export "greet") (call $log (i32.const 0) (i32.const 1))))`))
		if err != nil {
			t.Fatal(err)
		}
		s := NewStore(e)
		inst, err := l.Instantiate(ctx, s, mod)
		if err != nil {
			t.Fatal(err)
		}
		state := inst.state
		if res, err := inst.Func("quadruple").Call(ctx, EncodeI32(3)); err != nil || DecodeI32(res[0]) != 12 {
			t.Fatalf("%s: quadruple(3) = %v, %v", k, res, err)
		}
		if s.lastCaller != nil || s.callerMap() != nil {
			t.Errorf("%s: a Caller was made for calls of a function that takes none", k)
		}
		if _, err := inst.Func("greet").Call(ctx); err != nil {
			t.Fatal(err)
		}
		if c := s.lastCaller; c == nil || c.inst != &state.inst || s.callerMap() != nil {
			t.Errorf("%s: no Caller was made for a function that takes one, or more than one", k)
		}
		s.Close()
	}
}

// TestCallersPerInstance: the store keeps its only Caller without a map,
// and one per instance once a second instance's host calls take one; each
// sees its own instance's memory, and a Caller kept past its instance's
// Close answers nil, whether it was the store's only one or in the map.
func TestCallersPerInstance(t *testing.T) {
	ctx := context.Background()
	for _, k := range []EngineKind{EngineInterpreter, EngineCompiler} {
		e, l := doubleLinker(t, k)
		if e == nil {
			continue
		}
		var seen []byte
		var kept []*Caller
		if err := l.DefineFunc("env", "peek", func(c *Caller) error {
			b, _ := c.Memory().ReadUint8(0)
			seen = append(seen, b)
			kept = append(kept, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		compile := func(data string) *Module {
			mod, err := e.CompileText([]byte(`(module
  (import "env" "peek" (func $peek))
  (memory 1)
  (data (i32.const 0) "` + data + `")
  (func (export "peek") (call $peek)))`))
			if err != nil {
				t.Fatal(err)
			}
			return mod
		}
		s := NewStore(e)
		a, err := l.Instantiate(ctx, s, compile("A"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := l.Instantiate(ctx, s, compile("B"))
		if err != nil {
			t.Fatal(err)
		}
		call := func(inst *Instance) {
			t.Helper()
			if _, err := inst.Func("peek").Call(ctx); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}
		call(a)
		call(a)
		if s.callerMap() != nil {
			t.Errorf("%s: a map of Callers for one instance's", k)
		}
		call(b)
		call(a)
		call(b)
		if string(seen) != "AABAB" {
			t.Errorf("%s: the Callers saw the memories %q, want AABAB", k, seen)
		}
		if kept[0] != kept[1] || kept[0] != kept[3] || kept[2] != kept[4] || kept[0] == kept[2] {
			t.Errorf("%s: one Caller per instance expected", k)
		}
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if kept[0].inst != nil || kept[0].mem != nil {
			t.Errorf("%s: a closed instance's Caller still reaches it", k)
		}
		call(b)
		if err := b.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if kept[2].inst != nil || kept[2].mem != nil || s.lastCaller != nil {
			t.Errorf("%s: a closed instance's Caller still reaches it", k)
		}
		// The store's only Caller, not in a map, is cut too.
		c, err := l.Instantiate(ctx, s, compile("C"))
		if err != nil {
			t.Fatal(err)
		}
		s.rare.callers = nil
		call(c)
		only := kept[len(kept)-1]
		if s.callerMap() != nil || s.lastCaller != only {
			t.Errorf("%s: the store's only Caller is not kept alone", k)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if only.inst != nil || only.mem != nil || s.lastCaller != nil {
			t.Errorf("%s: the only Caller still reaches its closed instance", k)
		}
		s.Close()
	}
}
