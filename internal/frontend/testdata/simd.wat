(module
  (memory 1)
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  ;; Lane-wise arithmetic, comparisons and a v128 local, global and select.
  (func (export "arith") (param $a v128) (param $b v128) (param $c i32) (result v128)
    (local $t v128)
    (local.set $t (i32x4.add (local.get $a) (local.get $b)))
    (local.set $t (f64x2.mul (local.get $t) (f64x2.splat (f64.const 2))))
    (local.set $t (i16x8.lt_u (local.get $t) (global.get $g)))
    (global.set $g (local.get $t))
    (select (local.get $t) (v128.bitselect (local.get $a) (local.get $b) (local.get $t)) (local.get $c)))
  ;; Lanes, shuffles and reductions.
  (func (export "lanes") (param $a v128) (param $b v128) (result i32)
    (i32.add
      (i8x16.extract_lane_s 15 (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $a) (local.get $b)))
      (i32.add (i16x8.bitmask (local.get $a))
        (i32x4.extract_lane 3 (i32x4.replace_lane 3 (local.get $b) (v128.any_true (local.get $a)))))))
  ;; Every kind of vector memory access.
  (func (export "memory") (param $p i32) (param $v v128)
    (v128.store offset=16 (local.get $p) (v128.load (local.get $p)))
    (v128.store (local.get $p) (v128.load8x8_s (local.get $p)))
    (v128.store (local.get $p) (v128.load16_splat (local.get $p)))
    (v128.store (local.get $p) (v128.load64_zero (local.get $p)))
    (v128.store (local.get $p) (v128.load32_lane 1 (local.get $p) (local.get $v)))
    (v128.store8_lane 15 (local.get $p) (local.get $v)))
  ;; Conversions and lane-size changes.
  (func (export "convert") (param $a v128) (result v128)
    (f64x2.promote_low_f32x4
      (f32x4.convert_i32x4_u
        (i32x4.trunc_sat_f64x2_s_zero
          (i16x8.narrow_i32x4_s (i32x4.extend_high_i16x8_u (local.get $a)) (i32x4.dot_i16x8_s (local.get $a) (local.get $a)))))))
)
