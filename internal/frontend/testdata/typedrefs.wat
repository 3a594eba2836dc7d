;; Typed function references: call_ref (a null reference traps),
;; ref.as_non_null, br_on_null and br_on_non_null, a non-nullable local,
;; and call_indirect of a type with subtypes (the runtime decides when the
;; type ids differ).
(module
  (type $t (sub (func (param i32) (result i32))))
  (type $u (sub $t (func (param i32) (result i32))))
  (table 1 funcref)
  (elem declare func $double)
  (func $double (type $u) (i32.mul (local.get 0) (i32.const 2)))
  (func (param (ref null $t) i32) (result i32) (call_ref $t (local.get 1) (local.get 0)))
  (func (param (ref null $t)) (result (ref $t)) (ref.as_non_null (local.get 0)))
  (func (param (ref null $t)) (result i32)
    (block $null
      (drop (br_on_null $null (local.get 0)))
      (return (i32.const 1)))
    (i32.const 0))
  (func (param (ref null $t)) (result (ref $t))
    (block $some (result (ref $t))
      (br_on_non_null $some (local.get 0))
      (ref.func $double)))
  (func (result i32) (local $f (ref $t))
    (local.set $f (ref.func $double))
    (call_ref $t (i32.const 21) (local.get $f)))
  (func (param i32) (result i32) (call_indirect (type $t) (i32.const 5) (local.get 0))))
