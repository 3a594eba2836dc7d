package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// TestModuleTypesStayTheModules: an instance's tables, memories and
// globals point at their module's types, shared by every instance; an
// import check that takes a grown table's or memory's size as its
// minimum does so on a copy, so the module's next instance starts at the
// declared size, and the exported types read as declared.
func TestModuleTypesStayTheModules(t *testing.T) {
	ctx := context.Background()
	for _, be := range benchEngines {
		e, err := moat.NewEngine(moat.Config{Engine: be.kind})
		if err != nil {
			continue
		}
		owner := compile(t, e, `(module
  (table (export "t") 1 10 funcref)
  (memory (export "m") 1 10)
  (global (export "g") (mut i32) (i32.const 0)))`)
		user := compile(t, e, `(module
  (import "o" "t" (table 5 funcref))
  (import "o" "m" (memory 5)))`)
		s := moat.NewStore(e)
		a, err := s.Instantiate(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Table("t").Grow(4, 0); err != nil {
			t.Fatal(err)
		}
		if _, ok := a.Memory("m").Grow(4); !ok {
			t.Fatal("memory.grow failed")
		}
		l := moat.NewLinker(e)
		l.Define("o", "t", a.Table("t"))
		l.Define("o", "m", a.Memory("m"))
		if _, err := l.Instantiate(ctx, s, user); err != nil {
			t.Fatalf("%s: importing the grown table and memory: %v", be.name, err)
		}
		b, err := moat.NewStore(e).Instantiate(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		if n := b.Table("t").Size(); n != 1 {
			t.Errorf("%s: the next instance's table has %d elements, want 1", be.name, n)
		}
		if n := b.Memory("m").Size(); n != 1 {
			t.Errorf("%s: the next instance's memory has %d pages, want 1", be.name, n)
		}
		if tt := b.Table("t").Type(); tt.Limits.Min != 1 || tt.Limits.Max != 10 {
			t.Errorf("%s: the table's type reads %+v, want 1..10", be.name, tt.Limits)
		}
		if mt := a.Memory("m").Type(); mt.Limits.Min != 1 || mt.Limits.Max != 10 {
			t.Errorf("%s: the memory's type reads %+v, want 1..10", be.name, mt.Limits)
		}
		if gt := a.Global("g").Type(); gt.Value != moat.ValueI32 || !gt.Mutable {
			t.Errorf("%s: the global's type reads %+v", be.name, gt)
		}
	}
}

// TestStaleHandlesReadTheirTypes: the handles of a closed store's
// instance still tell their types (the module's), whether the instance's
// state is recycled for another store or not, on both engines with and
// without a pool; they read no value.
func TestStaleHandlesReadTheirTypes(t *testing.T) {
	ctx := context.Background()
	configs := []moat.Config{{Engine: moat.EngineInterpreter}, {Engine: moat.EngineCompiler},
		{Engine: moat.EngineInterpreter, Pooling: &moat.PoolingConfig{TotalMemories: 2, MaxMemorySize: 1 << 20}},
		{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit, Pooling: &moat.PoolingConfig{TotalMemories: 2, MaxMemorySize: 1 << 20}}}
	for _, cfg := range configs {
		e, err := moat.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		mod := compile(t, e, `(module (memory (export "m") 1 3) (table (export "t") 2 5 funcref)
  (global (export "g") (mut i64) (i64.const 7)))`)
		s := moat.NewStore(e)
		inst, err := s.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		tab, mem, g := inst.Table("t"), inst.Memory("m"), inst.Global("g")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			tt, mt, gt := tab.Type(), mem.Type(), g.Type()
			if tt.Limits.Min != 2 || tt.Limits.Max != 5 || mt.Limits.Min != 1 || mt.Limits.Max != 3 || gt.Value != moat.ValueI64 || !gt.Mutable {
				t.Errorf("round %d: the stale handles read %+v, %+v, %+v", round, tt, mt, gt)
			}
			if v := g.Get(); v != 0 {
				t.Errorf("round %d: the stale global reads %d", round, v)
			}
			// The next store's instance takes the recycled state.
			if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
				t.Fatal(err)
			}
		}
	}
}
