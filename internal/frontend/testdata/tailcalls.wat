;; Tail calls: direct (a defined function), through an import's descriptor
;; (its host call stub when the callee is foreign), through a table and
;; through a typed reference.
(module
  (type $t (func (param i64) (result i64)))
  (import "env" "host" (func $host (type $t)))
  (table 1 funcref)
  (func $count (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 0))
      (else (return_call $count (i64.sub (local.get 0) (i64.const 1))))))
  (func (type $t) (return_call $host (local.get 0)))
  (func (type $t) (return_call_indirect (type $t) (local.get 0) (i32.const 0)))
  (func (param (ref null $t) i64) (result i64) (return_call_ref $t (local.get 1) (local.get 0)))
  ;; More arguments than the caller has: stack words.
  (func $wide (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64) (local.get 7))
  (func (param i64) (result i64)
    (return_call $wide (local.get 0) (local.get 0) (local.get 0) (local.get 0)
      (local.get 0) (local.get 0) (local.get 0) (i64.const 8))))
