;; Sieve of Eratosthenes over one byte per number: byte loads and stores in
;; nested loops. sieve(n) returns the count of primes below n plus the sum of
;; those primes, modulo 2^32. n is clamped to the memory (16 pages = 1 MiB).
(module
  (memory 16)
  (func (export "sieve") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32) (local $sum i32)
    (if (i32.gt_u (local.get $n) (i32.const 1048576))
      (then (local.set $n (i32.const 1048576))))
    ;; mark every number as a candidate (1)
    (local.set $i (i32.const 0))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    ;; cross out multiples of each prime p, starting at p*p
    (local.set $i (i32.const 2))
    (block $sieved
      (loop $outer
        (br_if $sieved (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $crossed
              (loop $inner
                (br_if $crossed (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    ;; count and sum the survivors
    (local.set $i (i32.const 2))
    (block $counted
      (loop $tally
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $sum (i32.add (local.get $sum) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tally)))
    (i32.add (local.get $count) (local.get $sum))))
