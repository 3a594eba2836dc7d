;; wat2wasm refs.wat -o refs.wasm
(module
  (table (export "t") 1 funcref)
  (func (export "is_null") (param funcref) (result i32) (ref.is_null (local.get 0)))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "v") (param v128) (result v128) (local.get 0)))
