;; A small module for the runner's self-tests (see runner_test.go).
(module
  (global (export "g") i32 (i32.const 42))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  ;; a NaN that is neither canonical nor arithmetic: quiet bit clear
  (func (export "snan") (result f32) (f32.reinterpret_i32 (i32.const 0x7fa00000)))
  (func (export "qnan") (result f32) (f32.reinterpret_i32 (i32.const 0x7fc00001)))
  (func (export "v") (result v128) (v128.const i32x4 1 2 3 4))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const 2))
  (func (export "id") (param externref) (result externref) (local.get 0))
  (func (export "loop") (loop (br 0)))
  (func $rec (export "rec") (call $rec)))
