package moat_test

import (
	"context"
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
