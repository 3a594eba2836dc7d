package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// zextIndexWat sums bytes of memory from start to end in loops whose i32
// index reaches the loop by different routes: the compiler addresses
// memory with the index register itself when every route leaves it
// zero-extended (32-bit arithmetic), and must zero-extend it when one does
// not: the low half of an i64 (i32.wrap_i64) whose upper half is set.
const zextIndexWat = `(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (func (export "wrapped") (param i64 i32) (result i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.wrap_i64 (local.get 0)))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 1))))
    (local.get $s))
  (func (export "added") (param i64 i32) (result i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.add (i32.wrap_i64 (local.get 0)) (i32.const 1)))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 1))))
    (local.get $s))
  (func (export "either") (param i64 i32) (result i32)
    (local $i i32) (local $s i32)
    (if (i32.wrap_i64 (i64.shr_u (local.get 0) (i64.const 63)))
      (then (local.set $i (i32.wrap_i64 (local.get 0))))
      (else (local.set $i (i32.and (i32.wrap_i64 (local.get 0)) (i32.const 15)))))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u offset=0 (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 1))))
    (local.get $s)))`

func TestZeroExtendedIndex(t *testing.T) {
	sum := func(from, to uint32) uint32 {
		s := uint32(0)
		for i := from; ; i++ {
			s += i + 1 // byte i holds i+1
			if i+1 >= to {
				return s
			}
		}
	}
	cases := []struct {
		fn    string
		start uint64
		end   uint32
		want  uint32
	}{
		{"wrapped", 0xffffffff_00000002, 6, sum(2, 6)},
		{"wrapped", 0x80000000_00000000, 4, sum(0, 4)},
		{"wrapped", 3, 9, sum(3, 9)},
		{"added", 0xffffffff_00000002, 6, sum(3, 6)},
		{"added", 0x12345678_00000000, 16, sum(1, 16)},
		{"either", 0xffffffff_00000004, 8, sum(4, 8)},
		{"either", 0x7fffffff_00000005, 8, sum(5, 8)},
	}
	for _, mode := range []moat.BoundsChecks{moat.BoundsChecksGuardPages, moat.BoundsChecksExplicit} {
		forEachEngine(t, moat.Config{BoundsChecks: mode}, func(t *testing.T, e *moat.Engine) {
			ctx := context.Background()
			inst := instance(t, e, moat.NewStore(e), nil, zextIndexWat)
			for _, c := range cases {
				res, err := inst.Func(c.fn).Call(ctx, moat.EncodeI64(int64(c.start)), moat.EncodeI32(int32(c.end)))
				if err != nil {
					t.Fatalf("%s(%#x, %d): %v", c.fn, c.start, c.end, err)
				}
				if got := moat.DecodeU32(res[0]); got != c.want {
					t.Errorf("%s(%#x, %d) = %d, want %d", c.fn, c.start, c.end, got, c.want)
				}
			}
		})
	}
}
