package moat

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// staleWat exports one of everything a store hands out.
const staleWat = `(module
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref)
  (global (export "fref") (mut funcref) (ref.func $get))
  (global (export "n") (mut i32) (i32.const 7))
  (elem (i32.const 0) func $get)
  (func $get (export "get") (result i32) (i32.load (i32.const 0)))
  (func (export "set") (param i32) (i32.store (i32.const 0) (local.get 0))))`

// importWat imports a function from "x".
const importWat = `(module (import "x" "get" (func (result i32))))`

// forStaleEngines runs f on staleWat on the interpreter and on the
// compiler with and without a pool of memories.
func forStaleEngines(t *testing.T, f func(t *testing.T, e *Engine, mod *Module)) {
	configs := map[string]Config{
		"interpreter":      {Engine: EngineInterpreter},
		"compiler":         {Engine: EngineCompiler},
		"compiler-pooling": {Engine: EngineCompiler, Pooling: &PoolingConfig{TotalMemories: 4}},
	}
	forConfigs(t, configs, staleWat, func(t *testing.T, _ Config, e *Engine, mod *Module) { f(t, e, mod) })
}

// forConfigs runs f, in a subtest per configuration, with an engine of it
// and wat compiled there; a configuration this machine cannot make is
// skipped.
func forConfigs(t *testing.T, configs map[string]Config, wat string, f func(t *testing.T, cfg Config, e *Engine, mod *Module)) {
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			e, err := NewEngine(cfg)
			if err != nil {
				t.Skipf("engine unavailable: %v", err)
			}
			mod, err := e.CompileText([]byte(wat))
			if err != nil {
				t.Fatal(err)
			}
			f(t, cfg, e, mod)
		})
	}
}

// TestStaleHandlesOfRecycledStore is the attacker's side of recycling a
// closed store's state for the next store: every handle of the closed
// store (the store, its instance, functions, memory, table, globals, its
// funcref words) kept by a careless embedder is refused, or reads as
// empty, and never reaches the next store's instance living in the same
// state.
func TestStaleHandlesOfRecycledStore(t *testing.T) {
	ctx := context.Background()
	forStaleEngines(t, func(t *testing.T, e *Engine, mod *Module) {
		type key struct{}
		a := NewStore(e)
		a.SetValue(key{}, "a")
		instA, err := a.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		getA, setA := instA.Func("get"), instA.Func("set")
		memA, tabA := instA.Memory("mem"), instA.Table("tab")
		frefA, nA := instA.Global("fref"), instA.Global("n")
		if _, err := setA.Call(ctx, 11); err != nil {
			t.Fatal(err)
		}
		wordA := getA.Ref()
		state := a.storeState
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}

		// The next store in the same state, as NewStore makes it
		// when the engine's pool hands this state back.
		b := &Store{storeRef: state.ref()}
		b.SetValue(key{}, "b")
		instB, err := b.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		if instB.vmInst() != instA.vmInst() {
			t.Log("the next store's instance did not take the closed one's state")
		}
		getB := instB.Func("get")
		if _, err := instB.Func("set").Call(ctx, 22); err != nil {
			t.Fatal(err)
		}
		wordB := getB.Ref()

		// The store.
		if _, err := a.Instantiate(ctx, mod); !errors.Is(err, ErrClosed) {
			t.Errorf("stale store: Instantiate: %v, want ErrClosed", err)
		}
		if err := a.Close(); !errors.Is(err, ErrClosed) {
			t.Errorf("stale store: Close: %v, want ErrClosed", err)
		}
		if v := a.Value(key{}); v != nil {
			t.Errorf("stale store: Value = %v, want nil", v)
		}
		a.SetValue(key{}, "evil")
		if err := a.SetLimits(StoreLimits{Instances: 1}); !errors.Is(err, ErrClosed) {
			t.Errorf("stale store: SetLimits: %v, want ErrClosed", err)
		}
		if err := a.SetFuel(1); !errors.Is(err, ErrClosed) {
			t.Errorf("stale store: SetFuel: %v, want ErrClosed", err)
		}
		if (a.Limits() != StoreLimits{}) {
			t.Errorf("stale store: Limits = %+v", a.Limits())
		}
		if f := FuncFromRef(a, wordB); f != nil {
			t.Error("stale store resolves the next store's funcref")
		}
		if _, err := NewFunc(a, FuncType{}, func(context.Context, *Caller, []uint64) error { return nil }); !errors.Is(err, ErrClosed) {
			t.Errorf("stale store: NewFunc: %v, want ErrClosed", err)
		}

		// Its instance and functions.
		if _, err := getA.Call(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("stale function: Call: %v, want ErrClosed", err)
		}
		stack := []uint64{33}
		if err := setA.CallWithStack(ctx, stack); !errors.Is(err, ErrClosed) {
			t.Errorf("stale function: CallWithStack: %v, want ErrClosed", err)
		}
		if w := getA.Ref(); w != 0 {
			t.Errorf("stale function: Ref = %#x, want 0", w)
		}
		if err := instA.Close(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("stale instance: Close: %v, want ErrClosed", err)
		}
		if _, err := instA.Func("get").Call(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("stale instance: its export's Call: %v, want ErrClosed", err)
		}
		if m := instA.Memory("mem"); m.Size() != 0 || len(m.Bytes()) != 0 || m.WriteUint8(0, 1) {
			t.Error("stale instance: its memory is not empty")
		}
		if g := instA.Global("n"); g.Get() != 0 || g.Set(1) == nil {
			t.Error("stale instance: its global is not closed")
		}
		if tab := instA.Table("tab"); tab.Size() != 0 {
			t.Error("stale instance: its table is not empty")
		}
		if got := getA.Type(); len(got.Params) != 0 || len(got.Results) != 1 {
			t.Errorf("stale function: Type = %v, want its own", got)
		}
		if _, err := instA.Store().Instantiate(ctx, mod); !errors.Is(err, ErrClosed) {
			t.Errorf("stale instance's store: Instantiate: %v, want ErrClosed", err)
		}

		// Its memory, table and globals.
		if n := len(memA.Bytes()); n != 0 {
			t.Errorf("stale memory: %d bytes, want 0", n)
		}
		if memA.WriteUint32Le(0, 99) {
			t.Error("stale memory: a write succeeded")
		}
		if _, err := tabA.Get(0); !errors.Is(err, ErrClosed) {
			t.Errorf("stale table: Get: %v, want ErrClosed", err)
		}
		if err := tabA.Set(1, wordB); !errors.Is(err, ErrClosed) {
			t.Errorf("stale table: Set: %v, want ErrClosed", err)
		}
		if err := nA.Set(5); !errors.Is(err, ErrClosed) {
			t.Errorf("stale global: Set: %v, want ErrClosed", err)
		}
		if w := frefA.Get(); w != 0 {
			t.Errorf("stale funcref global: Get = %#x, want 0", w)
		}
		if v := nA.Get(); v != 0 {
			t.Errorf("stale global: Get = %d, want 0", v)
		}
		if n := tabA.Size(); n != 0 {
			t.Errorf("stale table: Size = %d, want 0", n)
		}

		// Its externs cannot be linked into the next store, nor its
		// funcref words resolved there.
		l := NewLinker(e)
		if err := l.Define("x", "get", getA); err != nil {
			t.Fatal(err)
		}
		imp, err := e.CompileText([]byte(importWat))
		if err != nil {
			t.Fatal(err)
		}
		var le *LinkError
		if _, err := l.Instantiate(ctx, b, imp); !errors.As(err, &le) {
			t.Errorf("stale function linked into the next store: %v", err)
		}
		if f := FuncFromRef(b, wordA); f != nil {
			t.Error("the next store resolves the closed store's funcref")
		}

		// The next store saw none of it.
		if v := b.Value(key{}); v != "b" {
			t.Errorf("next store: Value = %v, want b", v)
		}
		if (b.Limits() != StoreLimits{}) {
			t.Errorf("next store: Limits = %+v", b.Limits())
		}
		if r, err := getB.Call(ctx); err != nil || r[0] != 22 {
			t.Errorf("next store: get = %v, %v; want 22", r, err)
		}
		if v := instB.Global("n").Get(); v != 7 {
			t.Errorf("next store: n = %d, want 7", v)
		}
		if w, err := instB.Table("tab").Get(1); err != nil || w != 0 {
			t.Errorf("next store: tab[1] = %#x, %v; want null", w, err)
		}
		if w := instB.Global("fref").Get(); w != wordB {
			t.Errorf("next store: fref = %#x, want its own get %#x", w, wordB)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStoreStateRecycled: a closed store's state serves the engine's next
// store, emptied, and a store that is not closed keeps its own.
func TestStoreStateRecycled(t *testing.T) {
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := NewStore(e)
	a.SetValue("k", 1)
	state := a.storeState
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if state.closed || state.values.Load() != nil || state.instanceList() != nil || state.owner.Load() != freeMark(state.gen.Load()) {
		t.Fatal("a recycled state keeps the closed store's data")
	}
	// sync.Pool may drop what it is given (it does at random under the
	// race detector), so only a reuse that happens is checked.
	for range 10 {
		b := NewStore(e)
		if b.storeState == state {
			if b.gen == a.gen || b.Value("k") != nil {
				t.Fatal("the recycled state's store is the closed one")
			}
			return
		}
	}
}

// TestRecycledStoreMetered: a store in a recycled state is metered as a
// new one is, on an engine that consumes fuel, and starts with none.
func TestRecycledStoreMetered(t *testing.T) {
	for _, kind := range []EngineKind{EngineInterpreter, EngineCompiler} {
		e, err := NewEngine(Config{Engine: kind, ConsumeFuel: true})
		if err != nil {
			continue
		}
		for i := range 3 {
			s := NewStore(e)
			if left, err := s.Fuel(); err != nil || left != 0 {
				t.Fatalf("%v, store %d: fuel %d, %v; want 0", kind, i, left, err)
			}
			if err := s.SetFuel(100); err != nil {
				t.Fatalf("%v, store %d: %v", kind, i, err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRecycledTableIsEmptied: a table larger than an instance state's
// inline room keeps its storage from one instance to the next, emptied:
// what the closed store wrote into it is not in the next store's table.
func TestRecycledTableIsEmptied(t *testing.T) {
	ctx := context.Background()
	const wat = `(module
  (table (export "tab") 100 funcref)
  (elem (i32.const 0) func $f)
  (func $f (export "f") (result i32) (i32.const 1))
  (func (export "put") (param i32) (table.set (local.get 0) (ref.func $f))))`
	for _, kind := range []EngineKind{EngineInterpreter, EngineCompiler} {
		e, err := NewEngine(Config{Engine: kind, Pooling: &PoolingConfig{TotalMemories: 2}})
		if err != nil {
			continue
		}
		mod, err := e.CompileText([]byte(wat))
		if err != nil {
			t.Fatal(err)
		}
		for round := range 3 {
			s := NewStore(e)
			inst, err := s.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			tab := inst.Table("tab")
			for i := uint32(1); i < 100; i++ {
				if w, err := tab.Get(i); err != nil || w != 0 {
					t.Fatalf("%v, round %d: tab[%d] = %#x, %v; want null", kind, round, i, w, err)
				}
			}
			if w, err := tab.Get(0); err != nil || w != inst.Func("f").Ref() {
				t.Fatalf("%v, round %d: tab[0] = %#x, %v; want f", kind, round, w, err)
			}
			for _, i := range []uint64{1, 50, 99} {
				if _, err := inst.Func("put").Call(ctx, i); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestStoreInstanceList: a store's first instance is listed in its state,
// the others beside it with the first; Close closes every one and empties
// the list, keeping its storage without a reference to them.
func TestStoreInstanceList(t *testing.T) {
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := e.CompileText([]byte(`(module (func (export "f")))`))
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(e)
	var made []*Instance
	for n := 1; n <= 3; n++ {
		inst, err := s.Instantiate(context.Background(), mod)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, inst)
		list := s.instanceList()
		if len(list) != n {
			t.Fatalf("%d instances listed, want %d", len(list), n)
		}
		for i, inst := range made {
			if list[i] != inst.state {
				t.Fatalf("instance %d listed as %p, want %p", i, list[i], inst.state)
			}
		}
	}
	state := s.storeState
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if state.instanceList() != nil || state.firstInstance[0] != nil {
		t.Error("a closed store still lists instances")
	}
	if r := state.rare; r == nil || cap(r.instances) < 3 || slices.ContainsFunc(r.instances[:cap(r.instances)], func(i *instanceState) bool { return i != nil }) {
		t.Error("the list's storage is not kept, emptied")
	}
	for i, inst := range made {
		if _, err := inst.Func("f").Call(context.Background()); err == nil {
			t.Errorf("instance %d of a closed store ran", i)
		}
	}
}
