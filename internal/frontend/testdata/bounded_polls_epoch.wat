;; Loops that provably do little each time they are entered lose their
;; header poll (the last pass of frontend.Passes); the others keep it.
(module
  (memory 1)
  (func $callee)

  ;; 100 stores: no poll.
  (func $fill100
    (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 100)))))

  ;; Down from a constant to zero: no poll.
  (func $down (result i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.const 500))
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (local.get $s))

  ;; A bound from a parameter: polled.
  (func $upToParam (param $n i32)
    (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; 100,000 iterations: past the budget, polled.
  (func $long
    (local $i i32)
    (loop $l
      (i32.store8 (i32.and (local.get $i) (i32.const 0xff)) (local.get $i))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 100000)))))

  ;; A memory.fill in the body does more than one instruction's work: polled.
  (func $fills
    (local $i i32)
    (loop $l
      (memory.fill (i32.const 0) (local.get $i) (i32.const 65536))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))))

  ;; A call in the body: polled (the callee may not poll).
  (func $calls
    (local $i i32)
    (loop $l
      (call $callee)
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))))

  ;; The sieve's loops: the inner one steps by the outer one's counter
  ;; (2 to 8192), so it runs at most 4,098 times; the outer one, with the
  ;; inner inside, does too much: only the inner loses its poll.
  (func $sieve
    (local $i i32) (local $k i32)
    (local.set $i (i32.const 2))
    (loop $outer
      (local.set $k (i32.add (local.get $i) (local.get $i)))
      (loop $inner
        (i32.store8 (local.get $k) (i32.const 0))
        (br_if $inner (i32.lt_u (local.tee $k (i32.add (local.get $k) (local.get $i))) (i32.const 8193))))
      (br_if $outer (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8193)))))

  ;; 10 times 100: neither loop polls.
  (func $nestedSmall
    (local $i i32) (local $j i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (i32.store8 (local.get $j) (local.get $i))
        (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 100))))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))))

  ;; An inner loop without a bound keeps the outer one's poll too.
  (func $nestedUnbounded (param $n i32)
    (local $i i32) (local $j i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10)))))
)
