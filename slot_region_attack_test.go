package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// A closed instance's descriptors (the funcref words its store's other
// instances call it through) may live in the context region of its
// memory's pool slot. Closing the instance gives the slot back at once,
// but never that region: with a pool of one slot, the next store's
// instance takes the very slot while the first store's other instance
// still calls the closed one's functions, directly and through its table,
// and each sandbox reaches only its own code, globals and table, round
// after round, and after the first store is closed too.
func TestClosedInstanceDescriptorsStayTheirs(t *testing.T) {
	ctx := context.Background()
	const (
		ownerWat = `(module (memory 1)
		  (global $g (mut i32) (i32.const 0x11))
		  (table 2 funcref) (elem (i32.const 0) $mine $getg)
		  (type $r (func (result i32)))
		  (func $mine (export "mine") (result i32) (i32.const 0x11))
		  (func $getg (export "getg") (result i32) (global.get $g))
		  (func (export "callt") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`
		callerWat = `(module
		  (import "a" "mine" (func $mine (result i32)))
		  (import "a" "getg" (func $getg (result i32)))
		  (import "a" "callt" (func $callt (param i32) (result i32)))
		  (table 2 funcref) (elem (i32.const 0) $mine $getg)
		  (type $r (func (result i32)))
		  (func (export "mine") (result i32) (call $mine))
		  (func (export "getg") (result i32) (call $getg))
		  (func (export "callt") (param i32) (result i32) (call $callt (local.get 0)))
		  (func (export "mytable") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`
		tenantWat = `(module (memory 1)
		  (global $g (mut i32) (i32.const 0x2a))
		  (table 2 funcref) (elem (i32.const 0) $theirs $getg)
		  (type $r (func (result i32)))
		  (func $theirs (export "mine") (result i32) (i32.const 0x2a))
		  (func $getg (export "getg") (result i32) (global.get $g))
		  (func (export "callt") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`
	)
	poolingModes(t, moat.PoolingConfig{TotalMemories: 1, MaxMemorySize: 1 << 20}, func(t *testing.T, e *moat.Engine) {
		want := func(what string, f *moat.Func, arg []uint64, v uint64) {
			t.Helper()
			if res, err := f.Call(ctx, arg...); err != nil || len(res) != 1 || res[0] != v {
				t.Errorf("%s: %v, %v; want %#x", what, res, err, v)
			}
		}
		s1 := moat.NewStore(e)
		owner, err := s1.Instantiate(ctx, compile(t, e, ownerWat))
		if err != nil {
			t.Fatal(err)
		}
		l := moat.NewLinker(e)
		for _, name := range []string{"mine", "getg", "callt"} {
			if err := l.Define("a", name, owner.Func(name)); err != nil {
				t.Fatal(err)
			}
		}
		caller, err := l.Instantiate(ctx, s1, compile(t, e, callerWat))
		if err != nil {
			t.Fatal(err)
		}
		if err := owner.Close(ctx); err != nil {
			t.Fatal(err)
		}
		tenantMod := compile(t, e, tenantWat)
		check := func(round int, tenant *moat.Instance) {
			t.Helper()
			for _, name := range []string{"mine", "getg"} {
				want("the closed instance's "+name+" through an import", caller.Func(name), nil, 0x11)
			}
			for i := range uint64(2) {
				want("the closed instance's table", caller.Func("callt"), []uint64{i}, 0x11)
				want("the caller's table of the closed instance's functions", caller.Func("mytable"), []uint64{i}, 0x11)
				if tenant != nil {
					want("the slot's next tenant's table", tenant.Func("callt"), []uint64{i}, 0x2a)
				}
			}
			if tenant != nil {
				want("the slot's next tenant's function", tenant.Func("mine"), nil, 0x2a)
				want("the slot's next tenant's global", tenant.Func("getg"), nil, 0x2a)
			}
		}
		for round := range 3 {
			s2 := moat.NewStore(e)
			tenant, err := s2.Instantiate(ctx, tenantMod) // the one slot, the closed instance's
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			check(round, tenant)
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
			check(round, nil)
		}
		if err := s1.Close(); err != nil {
			t.Fatal(err)
		}
		// The region went back with the first store: the slot's tenants
		// have it again, and find nothing of the closed instance there.
		for round := range 2 {
			s3 := moat.NewStore(e)
			tenant, err := s3.Instantiate(ctx, tenantMod)
			if err != nil {
				t.Fatalf("after the first store: %v", err)
			}
			for i := range uint64(2) {
				want("the tenant's table after the first store", tenant.Func("callt"), []uint64{i}, 0x2a)
			}
			want("the tenant's global after the first store", tenant.Func("getg"), nil, 0x2a)
			_ = round
			s3.Close()
		}
	})
}

// An instance's first table may keep its elements in the context region
// of its memory's pool slot (outside the Go heap). They stay the
// instance's store's: with a pool of one slot, the table's owner closed
// and its slot taken by another store's instance, the first store's
// importer of the table and a kept handle read and call only the owner's
// elements, and grow the table out of the region; the slot's next tenant
// reads only its own; after the first store closes, its kept handle is
// refused and the next tenants find their own table, whose elements the
// last tenant's never leak into.
func TestLentTableStaysTheirs(t *testing.T) {
	ctx := context.Background()
	const (
		ownerWat = `(module (memory 1)
		  (table (export "t") 3 funcref) (elem (i32.const 0) $mine $mine)
		  (type $r (func (result i32)))
		  (func $mine (export "mine") (result i32) (i32.const 0x11))
		  (func (export "callt") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`
		importerWat = `(module
		  (import "a" "t" (table 3 funcref))
		  (type $r (func (result i32)))
		  (func (export "callt") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
		  (func (export "size") (result i32) (table.size))
		  (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`
		tenantWat = `(module (memory 1)
		  (table (export "t") 3 funcref) (elem (i32.const 1) $theirs $theirs)
		  (type $r (func (result i32)))
		  (func $theirs (result i32) (i32.const 0x2a))
		  (func (export "fill") (table.fill (i32.const 0) (ref.func $theirs) (table.size)))
		  (func (export "grow") (param i32) (result i32) (table.grow (ref.func $theirs) (local.get 0)))
		  (func (export "callt") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`
	)
	poolingModes(t, moat.PoolingConfig{TotalMemories: 1, MaxMemorySize: 1 << 20}, func(t *testing.T, e *moat.Engine) {
		compiled := e.Config().Engine == moat.EngineCompiler
		want := func(what string, f *moat.Func, arg []uint64, v uint64) {
			t.Helper()
			if res, err := f.Call(ctx, arg...); err != nil || len(res) != 1 || res[0] != v {
				t.Errorf("%s: %v, %v; want %#x", what, res, err, v)
			}
		}
		wantTrap := func(what string, f *moat.Func, arg []uint64) {
			t.Helper()
			var trap *moat.Trap
			if _, err := f.Call(ctx, arg...); !errors.As(err, &trap) || trap.Code != moat.TrapUninitializedElement {
				t.Errorf("%s: %v, want an uninitialized element trap", what, err)
			}
		}
		s1 := moat.NewStore(e)
		owner, err := s1.Instantiate(ctx, compile(t, e, ownerWat))
		if err != nil {
			t.Fatal(err)
		}
		kept := owner.Table("t")
		if moat.TableIsLent(kept) != compiled {
			t.Fatalf("the owner's table lent: %v, want %v", moat.TableIsLent(kept), compiled)
		}
		l := moat.NewLinker(e)
		if err := l.Define("a", "t", kept); err != nil {
			t.Fatal(err)
		}
		importer, err := l.Instantiate(ctx, s1, compile(t, e, importerWat))
		if err != nil {
			t.Fatal(err)
		}
		if err := owner.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if moat.TableIsLent(kept) {
			t.Fatal("the closed owner's table is still in its slot's region")
		}
		tenantMod := compile(t, e, tenantWat)
		for round := range 3 {
			s2 := moat.NewStore(e)
			tenant, err := s2.Instantiate(ctx, tenantMod) // the one slot, the closed owner's
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if _, err := tenant.Func("fill").Call(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range uint64(2) {
				want("the closed owner's table through the importer", importer.Func("callt"), []uint64{i}, 0x11)
				if w, err := kept.Get(uint32(i)); err != nil || w == 0 {
					t.Errorf("the kept handle's element %d: %#x, %v", i, w, err)
				}
			}
			wantTrap("the closed owner's null element", importer.Func("callt"), []uint64{2})
			for i := range uint64(3) {
				want("the tenant's table", tenant.Func("callt"), []uint64{i}, 0x2a)
			}
			if round == 1 {
				// The importer grows the closed owner's table; the tenant grows
				// its own past the region's room.
				want("grow", importer.Func("grow"), []uint64{40}, 3)
				want("the tenant's grow", tenant.Func("grow"), []uint64{100}, 3)
				want("the tenant's grown element", tenant.Func("callt"), []uint64{102}, 0x2a)
			}
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
		}
		want("the closed owner's table's size", importer.Func("size"), nil, 43)
		wantTrap("the closed owner's grown element", importer.Func("callt"), []uint64{42})
		if err := s1.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := kept.Get(0); !errors.Is(err, moat.ErrClosed) {
			t.Errorf("the kept handle of a closed store: %v, want ErrClosed", err)
		}
		// The next tenants take the slot and its region again: an
		// untouched tenant finds its own elements at 1 and 2, and null at
		// 0, where the last one filled its table.
		for round := range 3 {
			s3 := moat.NewStore(e)
			tenant, err := s3.Instantiate(ctx, tenantMod)
			if err != nil {
				t.Fatalf("after the first store: %v", err)
			}
			if compiled && !moat.TableIsLent(tenant.Table("t")) {
				t.Errorf("round %d: the tenant's table is not in its slot's region", round)
			}
			wantTrap("the next tenant's first element", tenant.Func("callt"), []uint64{0})
			want("the next tenant's own element", tenant.Func("callt"), []uint64{1}, 0x2a)
			if _, err := kept.Get(1); !errors.Is(err, moat.ErrClosed) {
				t.Errorf("the kept handle with the slot's next tenant: %v, want ErrClosed", err)
			}
			if round == 0 {
				if _, err := tenant.Func("fill").Call(ctx); err != nil {
					t.Fatal(err)
				}
			}
			s3.Close()
		}
	})
}
