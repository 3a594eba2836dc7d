;; wat2wasm --debug-names trap.wat -o trap.wasm
;; $main calls $divide, which traps on a zero divisor.
(module $calc
  (func $divide (param i32 i32) (result i32)
    (i32.div_u (local.get 0) (local.get 1)))
  (func $main (export "main") (param i32) (result i32)
    (call $divide (i32.const 100) (local.get 0))))
