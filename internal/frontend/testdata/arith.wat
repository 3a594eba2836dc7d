(module
  ;; Division and remainder carry their traps explicitly.
  (func (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  ;; Shifts, comparisons, conversions.
  (func (param i32 i32) (result i32)
    (i32.eqz (i32.shl (local.get 0) (local.get 1))))
  (func (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (param f64 f64) (result f64) (f64.min (local.get 0) (f64.copysign (local.get 0) (local.get 1))))
  (func (param i32 i32 i32) (result i32) (select (local.get 0) (local.get 1) (local.get 2)))
)
