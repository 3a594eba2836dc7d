;; Memories other than a 32-bit memory 0: a second memory (through its
;; descriptor) and a 64-bit one (an address plus offset past 2^64 traps),
;; their size, grow and bulk operations, and a 64-bit table.
(module
  (memory $m0 1)
  (memory $m1 1)
  (memory $m64 i64 1)
  (table $t64 i64 2 funcref)
  (func (param i32) (result i32) (i32.load $m1 offset=4 (local.get 0)))
  (func (param i32 i32) (i32.store8 $m1 (local.get 0) (local.get 1)))
  (func (param i64) (result i64) (i64.load $m64 offset=8 (local.get 0)))
  (func (param i64) (result i32) (i32.load $m64 offset=0xffffffff00 (local.get 0)))
  (func (param i64 v128) (v128.store $m64 (local.get 0) (local.get 1)))
  (func (result i32 i64) (memory.size $m1) (memory.size $m64))
  (func (param i32 i64) (result i32 i64) (memory.grow $m1 (local.get 0)) (memory.grow $m64 (local.get 1)))
  (func (param i32 i64 i32) (memory.copy $m64 $m1 (local.get 1) (local.get 0) (local.get 2)))
  (func (param i64 i32 i64) (memory.fill $m64 (local.get 0) (local.get 1) (local.get 2)))
  (func (param i64) (result funcref) (table.get $t64 (local.get 0)))
  (func (result i64) (table.size $t64))
  (func (param i64) (result i64) (table.grow $t64 (ref.null func) (local.get 0))))
