package moat_test

import (
	"context"
	"math"
	"testing"

	"github.com/moat-run/moat"
)

// negatedCmpWat tests the negation of a comparison (i32.eqz of it, or a
// compare of it with 0) in every place the compiler fuses the inner
// compare's flags: a br_if, an if, a select, a value and a trap
// condition (the divisor of i32.div_u). Each function returns 1 where
// the negated condition holds and 0 where it does not.
const negatedCmpWat = `(module
  (func (export "br_if_not_lt") (param f64 f64) (result i32)
    (block (br_if 0 (i32.eqz (f64.lt (local.get 0) (local.get 1)))) (return (i32.const 0)))
    (i32.const 1))
  (func (export "if_not_eq") (param f64 f64) (result i32)
    (if (result i32) (i32.eqz (f64.eq (local.get 0) (local.get 1)))
      (then (i32.const 1)) (else (i32.const 0))))
  (func (export "if_not_ne") (param f64 f64) (result i32)
    (if (result i32) (i32.eq (f64.ne (local.get 0) (local.get 1)) (i32.const 0))
      (then (i32.const 1)) (else (i32.const 0))))
  (func (export "select_not_ge") (param f64 f64) (result i32)
    (select (i32.const 1) (i32.const 0) (i32.eqz (f64.ge (local.get 0) (local.get 1)))))
  (func (export "value_not_gt") (param f64 f64) (result i32)
    (i32.eqz (f64.gt (local.get 0) (local.get 1))))
  (func (export "value_not_eq32") (param f64 f64) (result i32)
    (i32.eqz (f32.eq (f32.demote_f64 (local.get 0)) (f32.demote_f64 (local.get 1)))))
  (func (export "br_if_not_not_le") (param f64 f64) (result i32)
    (block (br_if 0 (i32.eqz (i32.eqz (f64.le (local.get 0) (local.get 1))))) (return (i32.const 0)))
    (i32.const 1))
  (func (export "br_if_ne0_lt") (param f64 f64) (result i32)
    (block (br_if 0 (i32.ne (f64.lt (local.get 0) (local.get 1)) (i32.const 0))) (return (i32.const 1)))
    (i32.const 0))
  (func (export "trap_not_eq") (param f64 f64) (result i32)
    ;; traps (divide by zero) when the operands are equal
    (drop (i32.div_u (i32.const 1) (i32.eqz (f64.eq (local.get 0) (local.get 1)))))
    (i32.const 1)))`

func TestNegatedCompares(t *testing.T) {
	nan := math.NaN()
	vals := []float64{nan, math.Inf(-1), -1.5, math.Copysign(0, -1), 0, 1.5, math.Inf(1)}
	want := map[string]func(a, b float64) bool{
		"br_if_not_lt":     func(a, b float64) bool { return !(a < b) },
		"if_not_eq":        func(a, b float64) bool { return !(a == b) },
		"if_not_ne":        func(a, b float64) bool { return !(a != b) },
		"select_not_ge":    func(a, b float64) bool { return !(a >= b) },
		"value_not_gt":     func(a, b float64) bool { return !(a > b) },
		"value_not_eq32":   func(a, b float64) bool { return !(float32(a) == float32(b)) },
		"br_if_not_not_le": func(a, b float64) bool { return !!(a <= b) },
		"br_if_ne0_lt":     func(a, b float64) bool { return !(a < b) },
		"trap_not_eq":      func(a, b float64) bool { return !(a == b) },
	}
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		ctx := context.Background()
		inst := instance(t, e, moat.NewStore(e), nil, negatedCmpWat)
		for name, holds := range want {
			f := inst.Func(name)
			for _, a := range vals {
				for _, b := range vals {
					res, err := f.Call(ctx, moat.EncodeF64(a), moat.EncodeF64(b))
					if name == "trap_not_eq" {
						if trapped := err != nil; trapped == holds(a, b) {
							t.Errorf("%s(%v, %v): error %v, want a trap: %v", name, a, b, err, !holds(a, b))
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s(%v, %v): %v", name, a, b, err)
					}
					got := moat.DecodeI32(res[0]) == 1
					if got != holds(a, b) {
						t.Errorf("%s(%v, %v) = %v, want %v", name, a, b, got, holds(a, b))
					}
				}
			}
		}
	})
}
