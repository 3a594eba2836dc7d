;; Mandelbrot set on an n x n grid over [-2, 0.5] x [-1.25, 1.25], up to 100
;; iterations per point: an f64 arithmetic and compare kernel with no memory.
;; mandelbrot(n) returns the total iteration count over all points.
(module
  (func (export "mandelbrot") (param $n i32) (result i64)
    (local $px i32) (local $py i32) (local $iter i32) (local $total i64)
    (local $cx f64) (local $cy f64) (local $x f64) (local $y f64)
    (local $x2 f64) (local $y2 f64) (local $step f64)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i64.const 0))))
    (local.set $step (f64.div (f64.const 2.5) (f64.convert_i32_s (local.get $n))))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $py) (local.get $n)))
        (local.set $cy (f64.sub (f64.mul (f64.convert_i32_s (local.get $py)) (local.get $step)) (f64.const 1.25)))
        (local.set $px (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $px) (local.get $n)))
            (local.set $cx (f64.sub (f64.mul (f64.convert_i32_s (local.get $px)) (local.get $step)) (f64.const 2)))
            (local.set $x (f64.const 0))
            (local.set $y (f64.const 0))
            (local.set $x2 (f64.const 0))
            (local.set $y2 (f64.const 0))
            (local.set $iter (i32.const 0))
            (block $escaped
              (loop $iterate
                (br_if $escaped (i32.ge_s (local.get $iter) (i32.const 100)))
                (br_if $escaped (f64.gt (f64.add (local.get $x2) (local.get $y2)) (f64.const 4)))
                (local.set $y (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $x)) (local.get $y)) (local.get $cy)))
                (local.set $x (f64.add (f64.sub (local.get $x2) (local.get $y2)) (local.get $cx)))
                (local.set $x2 (f64.mul (local.get $x) (local.get $x)))
                (local.set $y2 (f64.mul (local.get $y) (local.get $y)))
                (local.set $iter (i32.add (local.get $iter) (i32.const 1)))
                (br $iterate)))
            (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get $iter))))
            (local.set $px (i32.add (local.get $px) (i32.const 1)))
            (br $cols)))
        (local.set $py (i32.add (local.get $py) (i32.const 1)))
        (br $rows)))
    (local.get $total)))
