;; wat2wasm state.wat -o state.wasm
;; Exports a memory, a global and a table for the host to read and write.
(module
  (memory (export "mem") 1 4)
  (global (export "limit") (mut i64) (i64.const 100))
  (table (export "fns") 2 funcref)
  (elem (i32.const 0) $seven)
  (func $seven (export "seven") (result i32) (i32.const 7))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "call_slot") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0))))
