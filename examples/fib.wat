;; fib.wat: Fibonacci numbers, recursively and iteratively.
;;
;;   moat run --invoke fib examples/fib.wasm 20        # prints 6765
;;   moat run --invoke fib_iter examples/fib.wasm 40   # prints 102334155
(module $fib
  ;; fib(n) = n for n < 2, else fib(n-1) + fib(n-2); exponential on purpose,
  ;; which makes it a handy call-heavy workload.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; The same numbers in linear time, wrapping modulo 2^32 like the recursive one.
  (func $fib_iter (export "fib_iter") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
)
