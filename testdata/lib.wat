;; wat2wasm lib.wat -o lib.wasm
;; A library instance that keeps a counter.
(module
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "inc") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count)))
