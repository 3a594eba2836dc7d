;; Guard-page mode (translated with Env.Unchecked = 4 GiB + 32 MiB): loads
;; and stores whose offset and width fit the guard have no bounds check and
;; stay trapping (no notrap); larger offsets keep their check.
(module
  (memory 1 4)
  (func (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  ;; The largest unchecked offset for 8 bytes, and one past it.
  (func (param i32 i64)
    (i64.store offset=0x1fffff9 (local.get 0) (local.get 1))
    (i64.store offset=0x1fffffa (local.get 0) (local.get 1)))
  (func (param i32 i64) (i64.store16 offset=0x80000000 (local.get 0) (local.get 1)))
  ;; A constant address folds into the displacement.
  (func (result i32) (i32.load8_u offset=16 (i32.const 0xffffffff)))
  (func (param i32) (result v128) (v128.load offset=32 (local.get 0)))
  (func (param i32) (result v128) (v128.load32_splat (local.get 0)))
  ;; An invariant load inside a loop is not hoisted: it may trap.
  (func (param i32 i32) (result i32) (local i32)
    (loop
      (local.set 2 (i32.add (local.get 2) (i32.load (local.get 0))))
      (br_if 0 (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
    (local.get 2))
  ;; Bulk operations keep their checks.
  (func (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
)
