package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// TestGCVectorFields: v128 struct fields after a packed one and v128
// array elements (16 bytes at 8-byte alignment), written by struct.new,
// array.new's fill loop, array.set and array.fill, read back on both
// engines.
func TestGCVectorFields(t *testing.T) {
	const wat = `(module
  (type $s (struct (field (mut v128)) (field i8) (field (mut v128))))
  (type $a (array (mut v128)))
  (func (export "run") (result i64)
    (local $x (ref null $s)) (local $y (ref null $a))
    (local.set $x (struct.new $s (v128.const i64x2 1 2) (i32.const 3) (v128.const i64x2 5 6)))
    (local.set $y (array.new $a (v128.const i64x2 7 8) (i32.const 3)))
    (array.set $a (local.get $y) (i32.const 1) (struct.get $s 2 (local.get $x)))
    (array.fill $a (local.get $y) (i32.const 2) (v128.const i64x2 9 10) (i32.const 1))
    (i64.add (i64x2.extract_lane 1 (array.get $a (local.get $y) (i32.const 0)))
      (i64.add (i64x2.extract_lane 0 (array.get $a (local.get $y) (i32.const 1)))
               (i64x2.extract_lane 1 (array.get $a (local.get $y) (i32.const 2)))))))`
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		defer s.Close()
		r, err := instance(t, e, s, nil, wat).Func("run").Call(context.Background())
		if err != nil || r[0] != 8+5+10 {
			t.Errorf("run: %v %v, want 23", r, err)
		}
	})
}
