(module
  ;; A loop with locals as variables and a poll at the header.
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $s))
  ;; if/else with a result; code after br is not emitted.
  (func (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.const 1))
      (else (br 1 (i32.const 2)) (i32.const 3))))
  ;; br_table, including a branch to the function.
  (func (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (br_table $a $b 0 (i32.const 7) (local.get 0))))
  )
  ;; Multi-value blocks and loop parameters.
  (func (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (loop (param i32 i32) (result i32 i32)))
  (func (unreachable) (drop (i32.const 1)))
)
