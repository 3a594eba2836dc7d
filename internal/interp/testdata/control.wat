;; Control flow and calls for the interpreter's own tests.
(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (import "host" "double" (func $double (param i32) (result i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $inc $nothing)

  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $nothing (type $v))

  ;; sum 1..n with a loop and br_if
  (func (export "sum") (param $n i32) (result i64)
    (local $acc i64)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  ;; br_table with a value: 0 -> 100, 1 -> 101, 2 -> 102, else -> 999
  (func (export "switch") (param $i i32) (result i32)
    (block $default (result i32)
      (block $two (result i32)
        (block $one (result i32)
          (block $zero (result i32)
            (i32.const 7)
            (br_table $zero $one $two $default (local.get $i)))
          (drop) (return (i32.const 100)))
        (drop) (return (i32.const 101)))
      (drop) (return (i32.const 102)))
    (drop) (i32.const 999))

  ;; multi-value: a block with params and two results; returns (a+b, a-b)
  (func (export "addsub") (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32 i32)
      (local.set 1) (local.set 0)
      (i32.add (local.get 0) (local.get 1))
      (i32.sub (local.get 0) (local.get 1))))

  ;; swap through a multi-value return of locals
  (func (export "swap") (param i64 i64) (result i64 i64)
    (local.get 1) (local.get 0))

  ;; local.tee, select, if/else with results
  (func (export "maxish") (param $a i32) (param $b i32) (result i32)
    (local $t i32)
    (select (local.tee $t (local.get $a)) (local.get $b) (i32.gt_s (local.get $t) (local.get $b))))

  ;; a pending local read must not see a later write
  (func (export "pending") (param $x i32) (result i32)
    (local.get $x)
    (local.set $x (i32.const 5))
    (local.get $x)
    (i32.sub))

  (func $divide (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "outer") (param i32 i32) (result i32)
    (i32.add (i32.const 1) (call $divide (local.get 0) (local.get 1))))

  (func (export "indirect") (param $i i32) (param $x i32) (result i32)
    (call_indirect (type $ii) (local.get $x) (local.get $i)))

  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))

  (func (export "spin") (loop $l (br $l)))

  (func (export "call_double") (param i32) (result i32)
    (i32.add (call $double (local.get 0)) (i32.const 1)))
  (func (export "call_reenter") (param i32) (result i32)
    (call $reenter (local.get 0)))

  (func (export "mem") (param $v i64) (result i64)
    (i64.store offset=8 (i32.const 0) (local.get $v))
    (i64.add (i64.load32_u offset=8 (i32.const 0)) (i64.load16_s offset=12 (i32.const 0))))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "oob") (param i32) (result i32)
    (i32.load offset=65532 (local.get 0)))
)
