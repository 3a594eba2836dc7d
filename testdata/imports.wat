;; wat2wasm imports.wat -o imports.wasm
;; Imports one of each kind, for link-checking tests.
(module
  (import "host" "f" (func $f (param i32) (result i32)))
  (import "host" "mem" (memory 1 2))
  (import "host" "tab" (table 2 funcref))
  (import "host" "g" (global i32))
  (func (export "call_f") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "get_g") (result i32) (global.get 0)))
