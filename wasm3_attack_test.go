package moat_test

import (
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// TestMemoriesAttack probes the bounds of memories other than a 32-bit
// memory 0 from the guest's side, on both engines: a small second memory
// next to a larger memory 0, a 64-bit memory addressed past 2^32 and near
// 2^64, and a 64-bit table indexed past 2^32. Every access outside its own
// memory or table traps; nothing reads or writes another's bytes.
func TestMemoriesAttack(t *testing.T) {
	const wat = `(module
  (memory $m0 (export "m0") 2)
  (memory $m1 (export "m1") 1)
  (memory $m64 (export "m64") i64 1)
  (table $t64 i64 1 funcref)
  (elem (table $t64) (i64.const 0) func $f)
  (func $f)
  (func (export "load1") (param i32) (result i32) (i32.load8_u $m1 (local.get 0)))
  (func (export "store1") (param i32 i32) (i32.store $m1 (local.get 0) (local.get 1)))
  (func (export "load64") (param i64) (result i32) (i32.load8_u $m64 (local.get 0)))
  (func (export "load64_off") (param i64) (result i64) (i64.load $m64 offset=0xfffffffffffffff8 (local.get 0)))
  (func (export "copy10") (param i32 i32 i32) (memory.copy $m1 $m0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill64") (param i64 i64) (memory.fill $m64 (local.get 0) (i32.const 0xaa) (local.get 1)))
  (func (export "tab64") (param i64) (result i32) (ref.is_null (table.get $t64 (local.get 0))))
  (func (export "call64") (param i64) (call_indirect $t64 (local.get 0))))`
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		inst := instance(t, e, moat.NewStore(e), nil, wat)
		oob := func(name string, args ...uint64) {
			t.Helper()
			_, err := call(t, inst, name, args...)
			var trap *moat.Trap
			if !errors.As(err, &trap) || (trap.Code != moat.TrapMemoryOutOfBounds && trap.Code != moat.TrapTableOutOfBounds && trap.Code != moat.TrapUndefinedElement) {
				t.Errorf("%s%v: %v, want an out-of-bounds trap", name, args, err)
			}
		}
		ok := func(name string, args ...uint64) []uint64 {
			t.Helper()
			got, err := call(t, inst, name, args...)
			if err != nil {
				t.Errorf("%s%v: %v", name, args, err)
			}
			return got
		}
		// $m1 is one page; memory 0, two, lies elsewhere.
		ok("load1", 65535)
		oob("load1", 65536)
		oob("store1", 65533, 7)
		oob("load1", 0xffffffff)
		oob("copy10", 0, 65536, 65537) // the source range is in $m0, the destination is not
		oob("copy10", 1, 0, 65536)
		ok("copy10", 0, 65536, 65536)
		// The 64-bit memory: addresses past 2^32 and near 2^64, and an
		// offset that wraps the address around to a small one.
		ok("load64", 65535)
		for _, a := range []uint64{65536, 1 << 32, 1<<32 + 1, ^uint64(0), ^uint64(0) - 7} {
			oob("load64", a)
		}
		oob("load64_off", 8) // 8 + 2^64 - 8 wraps to 0 if added carelessly
		oob("load64_off", 16)
		oob("fill64", 65535, 2)
		oob("fill64", 1, ^uint64(0))
		ok("fill64", 0, 65536)
		// The 64-bit table: index 2^32 is not index 0.
		if got := ok("tab64", 0); len(got) == 1 && got[0] != 0 {
			t.Errorf("tab64 0: %v, want the function", got)
		}
		oob("tab64", 1<<32)
		oob("call64", 1<<32)
		oob("call64", ^uint64(0))
		if mem := inst.Memory("m0"); mem != nil && mem.Bytes()[65536] != 0 {
			t.Errorf("memory 0 changed by accesses to other memories")
		}
	})
}

// TestMemoryAtAnotherIndex: a memory is memory 1 of the instance that
// defines it (always checked there) and memory 0 of one that imports it
// (unchecked in guard-page mode, relying on its reservation and guard): it
// serves both, each engine and bounds-check mode, and every access past
// its end traps in either instance, whatever index reaches it.
func TestMemoryAtAnotherIndex(t *testing.T) {
	const definer = `(module
  (memory $m0 2)
  (memory $m1 (export "m1") 1 3)
  (func (export "load") (param i32) (result i32) (i32.load8_u $m1 (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 $m1 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow $m1 (local.get 0))))`
	const importer = `(module
  (import "a" "m1" (memory 1 3))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load_off") (param i32) (result i32) (i32.load8_u offset=65536 (local.get 0))))`
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		a := instance(t, e, s, nil, definer)
		l := moat.NewLinker(e)
		if err := l.DefineInstance("a", a); err != nil {
			t.Fatal(err)
		}
		b := instance(t, e, s, l, importer)
		expect := func(inst *moat.Instance, name string, want uint64, args ...uint64) {
			t.Helper()
			got, err := call(t, inst, name, args...)
			if err != nil || len(got) != 1 || got[0] != want {
				t.Errorf("%s%v: %v, %v; want %d", name, args, got, err, want)
			}
		}
		oob := func(inst *moat.Instance, name string, args ...uint64) {
			t.Helper()
			_, err := call(t, inst, name, args...)
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
				t.Errorf("%s%v: %v, want out of bounds", name, args, err)
			}
		}
		if _, err := call(t, a, "store", 65535, 42); err != nil {
			t.Fatal(err)
		}
		expect(b, "load", 42, 65535)
		for _, addr := range []uint64{65536, 1 << 31, 0xffffffff} {
			oob(a, "load", addr)
			oob(b, "load", addr)
		}
		oob(b, "load_off", 0)
		expect(a, "grow", 1, 1)
		if _, err := call(t, a, "store", 65536, 7); err != nil {
			t.Fatal(err)
		}
		expect(b, "load", 7, 65536)
		expect(b, "load_off", 7, 0)
		oob(b, "load", 2*65536)
		oob(a, "load", 2*65536)
	})
}
