;; wat2wasm host.wat -o host.wasm
;; Calls two host functions: env.double (fast form) and env.log, which reads
;; the caller's memory.
(module
  (import "env" "double" (func $double (param i32) (result i32)))
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world")
  (func (export "quadruple") (param i32) (result i32)
    (call $double (call $double (local.get 0))))
  (func (export "greet")
    (call $log (i32.const 16) (i32.const 12))))
