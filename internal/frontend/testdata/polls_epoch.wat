;; Epoch polls (Env.EpochPolls): the same places as counting polls, each
;; a poll.epoch call instead of poll.tick.
(module
  ;; Recursion without a loop: the entry poll is each step's only poll.
  (func $down (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $down (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 0))))

  ;; A loop: a poll at its header.
  (func $count (param i32) (result i32)
    (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 0))
)
