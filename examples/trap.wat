;; trap.wat: a module that traps three calls deep, to show a backtrace.
;; Built with --debug-names so the backtrace shows these names.
;;
;;   moat run --invoke average examples/trap.wasm 10 0
;;   trap: integer divide by zero
;;     0: trap!divide @ 0x...
;;     1: trap!mean @ 0x...
;;     2: trap!average @ 0x...
(module $trap
  (func $divide (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))

  (func $mean (param $sum i32) (param $count i32) (result i32)
    (call $divide (local.get $sum) (local.get $count)))

  ;; average(sum, count) traps with "integer divide by zero" when count is 0.
  (func $average (export "average") (param $sum i32) (param $count i32) (result i32)
    (call $mean (local.get $sum) (local.get $count)))
)
