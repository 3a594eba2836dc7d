(module
  (memory 1 4)
  (func (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  (func (param i32 i64) (i64.store16 offset=0x80000000 (local.get 0) (local.get 1)))
  ;; The length is reloaded after memory.grow.
  (func (param i32) (result i32 i32)
    (drop (memory.grow (local.get 0)))
    (memory.size)
    (i32.load8_s (i32.const 0)))
  (func (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
)
