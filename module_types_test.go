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
