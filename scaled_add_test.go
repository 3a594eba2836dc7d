package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// scaledAddWat adds a shifted i32 to another, the shape the compiler
// lowers as one lea (x + z*2^k): operands are the low halves of i64
// parameters (i32.wrap_i64), whose upper halves are set, so a lowering
// that let them reach the 32-bit result would be wrong; "load" uses the
// sum as an address, "shift35" shifts by 35 (35 mod 32 = 3), "const" and
// "const64" add a constant to the shifted value (lea with no base).
const scaledAddWat = `(module
  (memory 1)
  (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00\06\00\00\00")
  (func (export "shl1") (param i64 i64) (result i32)
    (i32.add (i32.wrap_i64 (local.get 0)) (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 1))))
  (func (export "shl2") (param i64 i64) (result i32)
    (i32.add (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 2)) (i32.wrap_i64 (local.get 0))))
  (func (export "shl3") (param i64 i64) (result i32)
    (i32.add (i32.wrap_i64 (local.get 0)) (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 3))))
  (func (export "shift35") (param i64 i64) (result i32)
    (i32.add (i32.wrap_i64 (local.get 0)) (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 35))))
  (func (export "shared") (param i64 i64) (result i32)
    (local $s i32)
    (local.set $s (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 3)))
    (i32.xor (i32.add (i32.wrap_i64 (local.get 0)) (local.get $s)) (local.get $s)))
  (func (export "const") (param i64 i64) (result i32)
    (i32.add (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 2)) (i32.const -8)))
  (func (export "const64") (param i64 i64) (result i32)
    (i32.wrap_i64 (i64.add (i64.shl (local.get 1) (i64.const 3)) (i64.const 1024))))
  (func (export "load") (param i64 i64) (result i32)
    (i32.load (i32.add (i32.wrap_i64 (local.get 0)) (i32.shl (i32.wrap_i64 (local.get 1)) (i32.const 2))))))`

func TestScaledAdds(t *testing.T) {
	lo := func(v uint64) uint32 { return uint32(v) }
	cases := []struct {
		fn   string
		x, z uint64
		want uint32
	}{
		{"shl1", 0xffffffff_00000005, 0xdeadbeef_00000007, 5 + 7<<1},
		{"shl2", 0x80000000_fffffff0, 0x00000001_00000005, lo(0xfffffff0 + 5<<2)},
		{"shl3", 0x12345678_7fffffff, 0xffffffff_40000001, lo(0x7fffffff + 0x40000001<<3)},
		{"shl3", 3, 4, 3 + 4<<3},
		{"shift35", 0xffffffff_00000001, 0xffffffff_00000002, 1 + 2<<3},
		{"shared", 0xffffffff_00000009, 0xaaaaaaaa_00000003, (9 + 3<<3) ^ 3<<3},
		{"const", 0, 0xffffffff_00000001, 0xfffffffc}, // 4 - 8
		{"const", 0, 0x00000001_80000003, lo(0x80000003<<2 - 8)},
		{"const64", 0, 0xf0000000_00000007, 7<<3 + 1024},      // the low half
		{"load", 0xffffffff_00000004, 0xffffffff_00000002, 4}, // bytes 12..15 hold 4
		{"load", 0x00000001_fffffffc, 0x00000002_00000001, 1}, // -4 + 4 wraps to 0
	}
	for _, mode := range []moat.BoundsChecks{moat.BoundsChecksGuardPages, moat.BoundsChecksExplicit} {
		forEachEngine(t, moat.Config{BoundsChecks: mode}, func(t *testing.T, e *moat.Engine) {
			ctx := context.Background()
			inst := instance(t, e, moat.NewStore(e), nil, scaledAddWat)
			for _, c := range cases {
				res, err := inst.Func(c.fn).Call(ctx, moat.EncodeI64(int64(c.x)), moat.EncodeI64(int64(c.z)))
				if err != nil {
					t.Fatalf("%s(%#x, %#x): %v", c.fn, c.x, c.z, err)
				}
				if got := moat.DecodeU32(res[0]); got != c.want {
					t.Errorf("%s(%#x, %#x) = %#x, want %#x", c.fn, c.x, c.z, got, c.want)
				}
			}
		})
	}
}
