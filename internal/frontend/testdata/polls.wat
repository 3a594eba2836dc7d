;; Entry polls: kept when a call may run before any loop-header poll,
;; dropped when every call lies inside a loop.
(module
  ;; Recursion without a loop: the entry poll is each step's only poll.
  (func $down (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $down (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 0))))

  ;; Every call inside a loop (here nested in a block and an if): the
  ;; header poll precedes it on every path, so no entry poll.
  (func $fib (param i32) (result i32) (local i32)
    (if (i32.lt_u (local.get 0) (i32.const 2)) (then (return (local.get 0))))
    (loop $again
      (block
        (if (local.get 0)
          (then (local.set 1 (i32.add (local.get 1)
            (call $fib (i32.sub (local.get 0) (i32.const 2))))))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $again (i32.gt_u (local.get 0) (i32.const 1))))
    (i32.add (local.get 1) (local.get 0)))

  ;; A call after the loop's end: not dominated by a poll here, entry poll kept.
  (func $after (param i32) (result i32)
    (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (call $down (local.get 0)))

  ;; A call before the loop: entry poll kept.
  (func $before (param i32) (result i32)
    (local.set 0 (call $down (local.get 0)))
    (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 0))
)
