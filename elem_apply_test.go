package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// TestElemSegmentsAfterFailedInstantiation: element segments of ref.func
// items are written straight into their tables, but when an earlier one
// traps, the segments not reached keep their items, as the spec leaves
// them: a function the failed instance left in a shared table can still
// table.init from them.
func TestElemSegmentsAfterFailedInstantiation(t *testing.T) {
	ctx := context.Background()
	for _, be := range benchEngines {
		e, err := moat.NewEngine(moat.Config{Engine: be.kind})
		if err != nil {
			continue
		}
		s := moat.NewStore(e)
		owner, err := s.Instantiate(ctx, compile(t, e, `(module
  (type $r (func (result i32)))
  (table (export "t") 3 funcref)
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`))
		if err != nil {
			t.Fatal(err)
		}
		l := moat.NewLinker(e)
		l.Define("m", "t", owner.Table("t"))
		_, err = l.Instantiate(ctx, s, compile(t, e, `(module
  (import "m" "t" (table 3 funcref))
  (func $init (result i32) (table.init 2 (i32.const 1) (i32.const 0) (i32.const 1)) (i32.const 1))
  (func $seven (result i32) (i32.const 7))
  (elem (i32.const 0) func $init)
  (elem (i32.const 3) func $seven $seven)
  (elem (i32.const 2) func $seven))`))
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapTableOutOfBounds {
			t.Fatalf("%s: instantiate: %v, want an out-of-bounds table trap", be.name, err)
		}
		// Segment 0 was applied; segment 2 was never reached, so table.init
		// from it works, and puts $seven at 1.
		if r, err := owner.Func("call").Call(ctx, 0); err != nil || r[0] != 1 {
			t.Fatalf("%s: table.init from the segment not reached: %v, %v", be.name, r, err)
		}
		if r, err := owner.Func("call").Call(ctx, 1); err != nil || r[0] != 7 {
			t.Errorf("%s: the element table.init wrote: %v, %v", be.name, r, err)
		}
		if _, err := owner.Func("call").Call(ctx, 2); !errors.As(err, &trap) || trap.Code != moat.TrapUninitializedElement {
			t.Errorf("%s: segment 2 was applied: %v", be.name, err)
		}
	}
}

// TestDroppedElemsStayShared: a module whose element segments are all
// written into their tables at instantiation shares one list of dropped
// segments among its instances. An instantiation that traps before
// reaching a segment keeps that segment's items in a list of its own, so
// the module's next instance still finds it dropped (table.init from it
// traps), and an elem.drop of a dropped segment changes nothing.
func TestDroppedElemsStayShared(t *testing.T) {
	ctx := context.Background()
	for _, be := range benchEngines {
		e, err := moat.NewEngine(moat.Config{Engine: be.kind})
		if err != nil {
			continue
		}
		mod := compile(t, e, `(module
  (import "m" "off" (global $off i32))
  (type $r (func (result i32)))
  (table 4 funcref)
  (func $init (export "init") (result i32)
    (table.init 2 (i32.const 3) (i32.const 0) (i32.const 1)) (i32.const 1))
  (func (export "drop") (elem.drop 0) (elem.drop 1) (elem.drop 2) (elem.drop 3))
  (func $seven (result i32) (i32.const 7))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
  (elem (i32.const 0) func $init)
  (elem (global.get $off) func $seven $seven)
  (elem (i32.const 2) func $seven)
  (elem declare func $seven))`)
		instantiate := func(off int32) (*moat.Instance, error) {
			s := moat.NewStore(e)
			g, err := moat.NewGlobal(s, moat.GlobalType{Value: moat.ValueI32}, uint64(uint32(off)))
			if err != nil {
				t.Fatal(err)
			}
			l := moat.NewLinker(e)
			l.Define("m", "off", g)
			return l.Instantiate(ctx, s, mod)
		}
		var trap *moat.Trap
		for round := 0; round < 3; round++ {
			// Segment 1 out of bounds: segment 2 is kept, not applied.
			if _, err := instantiate(3); !errors.As(err, &trap) || trap.Code != moat.TrapTableOutOfBounds {
				t.Fatalf("%s: instantiate at 3: %v, want an out-of-bounds table trap", be.name, err)
			}
			inst, err := instantiate(0)
			if err != nil {
				t.Fatalf("%s: instantiate at 0: %v", be.name, err)
			}
			if _, err := inst.Func("init").Call(ctx); !errors.As(err, &trap) || trap.Code != moat.TrapTableOutOfBounds {
				t.Fatalf("%s: round %d: table.init from an applied segment: %v, want an out-of-bounds table trap", be.name, round, err)
			}
			if _, err := inst.Func("drop").Call(ctx); err != nil {
				t.Fatalf("%s: elem.drop: %v", be.name, err)
			}
			if r, err := inst.Func("call").Call(ctx, 2); err != nil || r[0] != 7 {
				t.Fatalf("%s: segment 2's element: %v, %v", be.name, r, err)
			}
		}
	}
}
