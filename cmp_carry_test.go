package moat_test

import (
	"context"
	"math"
	"testing"

	"github.com/moat-run/moat"
)

// carryAddWat adds the result of an unsigned comparison to a count, the
// shape the compiler lowers as a compare and adc/sbb: each function
// returns n + (a OP b), for 32- and 64-bit operands and with a constant.
const carryAddWat = `(module
  (func (export "lt") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.lt_u (local.get 1) (local.get 2))))
  (func (export "gt") (param i32 i32 i32) (result i32)
    (i32.add (i32.gt_u (local.get 1) (local.get 2)) (local.get 0)))
  (func (export "ge") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.ge_u (local.get 1) (local.get 2))))
  (func (export "le") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.le_u (local.get 1) (local.get 2))))
  (func (export "lt64") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i64.lt_u (i64.extend_i32_s (local.get 1)) (i64.extend_i32_u (local.get 2)))))
  (func (export "lt_const") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.lt_u (local.get 1) (i32.const 26))))
  (func (export "const_lt") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.lt_u (i32.const 26) (local.get 1))))
  (func (export "gt_const") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.gt_u (local.get 1) (i32.const 26))))
  (func (export "le_const") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.le_u (local.get 1) (i32.const 26))))
  (func (export "gt_max") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.gt_u (local.get 1) (i32.const -1))))
  (func (export "le_max") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.le_u (local.get 1) (i32.const -1))))
  (func (export "gt_maxint") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.gt_u (local.get 1) (i32.const 0x7fffffff))))
  (func (export "le_neg2") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.le_u (local.get 1) (i32.const -2))))
  (func (export "gt64_neg2") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i64.gt_u (i64.extend_i32_s (local.get 1)) (i64.const -2))))
  (func (export "ge_self") (param i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.ge_u (local.get 0) (local.get 2)))))`

func TestCarryAdds(t *testing.T) {
	vals := []uint32{0, 1, 25, 26, 27, math.MaxInt32, math.MaxInt32 + 1, math.MaxUint32 - 1, math.MaxUint32}
	want := map[string]func(n, a, b uint32) uint32{
		"lt":        func(n, a, b uint32) uint32 { return n + b2u(a < b) },
		"gt":        func(n, a, b uint32) uint32 { return n + b2u(a > b) },
		"ge":        func(n, a, b uint32) uint32 { return n + b2u(a >= b) },
		"le":        func(n, a, b uint32) uint32 { return n + b2u(a <= b) },
		"lt64":      func(n, a, b uint32) uint32 { return n + b2u(uint64(int64(int32(a))) < uint64(b)) },
		"lt_const":  func(n, a, b uint32) uint32 { return n + b2u(a < 26) },
		"const_lt":  func(n, a, b uint32) uint32 { return n + b2u(26 < a) },
		"ge_self":   func(n, a, b uint32) uint32 { return n + b2u(n >= b) },
		"gt_const":  func(n, a, b uint32) uint32 { return n + b2u(a > 26) },
		"le_const":  func(n, a, b uint32) uint32 { return n + b2u(a <= 26) },
		"gt_max":    func(n, a, b uint32) uint32 { return n + b2u(a > math.MaxUint32) },
		"le_max":    func(n, a, b uint32) uint32 { return n + b2u(a <= math.MaxUint32) },
		"gt_maxint": func(n, a, b uint32) uint32 { return n + b2u(a > math.MaxInt32) },
		"le_neg2":   func(n, a, b uint32) uint32 { return n + b2u(a <= math.MaxUint32-1) },
		"gt64_neg2": func(n, a, b uint32) uint32 { return n + b2u(uint64(int64(int32(a))) > math.MaxUint64-1) },
	}
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		ctx := context.Background()
		inst := instance(t, e, moat.NewStore(e), nil, carryAddWat)
		for name, f := range want {
			fn := inst.Func(name)
			for _, n := range vals {
				for _, a := range vals {
					for _, b := range vals {
						res, err := fn.Call(ctx, moat.EncodeI32(int32(n)), moat.EncodeI32(int32(a)), moat.EncodeI32(int32(b)))
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if got := uint32(moat.DecodeI32(res[0])); got != f(n, a, b) {
							t.Errorf("%s(%d, %d, %d) = %d, want %d", name, n, a, b, got, f(n, a, b))
						}
					}
				}
			}
		}
	})
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
