;; Dense f64 matrix multiply C = A x B of n x n matrices in linear memory:
;; f64 loads, stores and multiply-adds in a triple loop. A[i][j] = i+j,
;; B[i][j] = i-j; matmul(n) returns the sum of C's elements truncated to i64.
;; n is clamped to 128 (three 128x128 f64 matrices fit in 8 pages).
(module
  (memory 8)
  (func $addr (param $base i32) (param $n i32) (param $i i32) (param $j i32) (result i32)
    (i32.add (local.get $base)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))))
  (func (export "matmul") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $k i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local $acc f64) (local $total f64)
    (if (i32.gt_u (local.get $n) (i32.const 128))
      (then (local.set $n (i32.const 128))))
    ;; A at 0, B after it, C after B
    (local.set $a (i32.const 0))
    (local.set $b (i32.shl (i32.mul (local.get $n) (local.get $n)) (i32.const 3)))
    (local.set $c (i32.shl (local.get $b) (i32.const 1)))
    ;; fill A and B
    (local.set $i (i32.const 0))
    (block $filled_rows
      (loop $fill_rows
        (br_if $filled_rows (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $filled_cols
          (loop $fill_cols
            (br_if $filled_cols (i32.ge_u (local.get $j) (local.get $n)))
            (f64.store (call $addr (local.get $a) (local.get $n) (local.get $i) (local.get $j))
              (f64.convert_i32_s (i32.add (local.get $i) (local.get $j))))
            (f64.store (call $addr (local.get $b) (local.get $n) (local.get $i) (local.get $j))
              (f64.convert_i32_s (i32.sub (local.get $i) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $fill_cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill_rows)))
    ;; C = A x B
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (f64.const 0))
            (local.set $k (i32.const 0))
            (block $dot_done
              (loop $dot
                (br_if $dot_done (i32.ge_u (local.get $k) (local.get $n)))
                (local.set $acc
                  (f64.add (local.get $acc)
                    (f64.mul
                      (f64.load (call $addr (local.get $a) (local.get $n) (local.get $i) (local.get $k)))
                      (f64.load (call $addr (local.get $b) (local.get $n) (local.get $k) (local.get $j))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $dot)))
            (f64.store (call $addr (local.get $c) (local.get $n) (local.get $i) (local.get $j)) (local.get $acc))
            (local.set $total (f64.add (local.get $total) (local.get $acc)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i64.trunc_sat_f64_s (local.get $total))))
