package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// gcConstItemsWat builds GC objects in constant expressions of every form
// the decoder holds apart: a lone constructor without operands (inline:
// struct.new_default, struct.new of an empty struct, array.new_fixed of
// none), one with operands (compact instructions: array.new_fixed of two,
// ref.i31), in element items and globals, and ref.null beside them.
const gcConstItemsWat = `(module
  (type $s (struct))
  (type $p (struct (field i32)))
  (type $a (array i32))
  (global $gs (ref $s) (struct.new_default $s))
  (global $ga (ref $a) (array.new_fixed $a 2 (i32.const 7) (i32.const 9)))
  (elem $e (ref null struct) (struct.new_default $s) (struct.new $s) (ref.null struct) (struct.new_default $p))
  (elem $f (ref null array) (array.new_fixed $a 0) (array.new_fixed $a 2 (i32.const 3) (i32.const 4)))
  (elem $g i31ref (ref.i31 (i32.const -1)) (ref.i31 (i32.const 5)))
  (table $t 4 (ref null struct))
  (table $u 2 (ref null array))
  (table $v 2 i31ref)
  (func (export "init")
    (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 4))
    (table.init $u $f (i32.const 0) (i32.const 0) (i32.const 2))
    (table.init $v $g (i32.const 0) (i32.const 0) (i32.const 2)))
  (func (export "is_s") (param i32) (result i32) (ref.test (ref $s) (table.get $t (local.get 0))))
  (func (export "is_p") (param i32) (result i32) (ref.test (ref $p) (table.get $t (local.get 0))))
  (func (export "distinct") (result i32)
    (i32.eqz (ref.eq (table.get $t (i32.const 0)) (table.get $t (i32.const 1)))))
  (func (export "len") (param i32) (result i32) (array.len (table.get $u (local.get 0))))
  (func (export "elem") (param i32 i32) (result i32)
    (array.get $a (ref.cast (ref $a) (table.get $u (local.get 0))) (local.get 1)))
  (func (export "i31") (param i32) (result i32) (i31.get_s (ref.as_non_null (table.get $v (local.get 0)))))
  (func (export "global_s") (result i32) (ref.test (ref $s) (global.get $gs)))
  (func (export "global_a") (result i32) (array.get $a (global.get $ga) (i32.const 1))))`

// TestGCConstructorItems: the objects those expressions make, on both
// engines, have the types, lengths and values they were built with.
func TestGCConstructorItems(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		defer s.Close()
		inst := instance(t, e, s, nil, gcConstItemsWat)
		call := func(name string, args ...uint64) int32 {
			t.Helper()
			r, err := inst.Func(name).Call(context.Background(), args...)
			if err != nil {
				t.Fatalf("%s%v: %v", name, args, err)
			}
			if len(r) == 0 {
				return 0
			}
			return int32(r[0])
		}
		call("init")
		for _, c := range []struct {
			name string
			args []uint64
			want int32
		}{
			{"is_s", []uint64{0}, 1}, // struct.new_default $s
			{"is_s", []uint64{1}, 1}, // struct.new $s
			{"is_s", []uint64{2}, 0}, // ref.null struct
			{"is_s", []uint64{3}, 0}, // a $p
			{"is_p", []uint64{3}, 1},
			{"distinct", nil, 1},
			{"len", []uint64{0}, 0},
			{"len", []uint64{1}, 2},
			{"elem", []uint64{1, 0}, 3},
			{"elem", []uint64{1, 1}, 4},
			{"i31", []uint64{0}, -1},
			{"i31", []uint64{1}, 5},
			{"global_s", nil, 1},
			{"global_a", nil, 9},
		} {
			if got := call(c.name, c.args...); got != c.want {
				t.Errorf("%s%v = %d, want %d", c.name, c.args, got, c.want)
			}
		}
	})
}
