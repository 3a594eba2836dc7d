;; churn: a guest that allocates far more than it keeps.
;;
;; A ring of $slots entries holds short lists of 32-byte nodes; each step
;; replaces one entry with a new list of $chain nodes, so the live set is
;; the ring plus $slots * $chain nodes, and everything older is garbage.
;; (run steps slots chain) allocates steps * chain nodes (32 bytes each)
;; and returns a checksum of what the ring holds at the end, which the
;; test compares with the same sum computed in Go.
(module
  (type $node (struct (field $v i64) (field $w i64) (field $next (ref null $node))))
  (type $ring (array (mut (ref null $node))))

  (func $list (param $v i64) (param $n i32) (result (ref null $node))
    (local $l (ref null $node))
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $l (struct.new $node (local.get $v) (i64.mul (local.get $v) (i64.const 3)) (local.get $l)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $more)))
    (local.get $l))

  (func (export "run") (param $steps i64) (param $slots i32) (param $chain i32) (result i64)
    (local $ring (ref $ring))
    (local $i i64)
    (local $sum i64)
    (local $j i32)
    (local $p (ref null $node))
    (local.set $ring (array.new_default $ring (local.get $slots)))
    (block $done
      (loop $step
        (br_if $done (i64.ge_u (local.get $i) (local.get $steps)))
        (array.set $ring (local.get $ring)
          (i32.wrap_i64 (i64.rem_u (local.get $i) (i64.extend_i32_u (local.get $slots))))
          (call $list (local.get $i) (local.get $chain)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $step)))
    ;; checksum: every payload, checked against its pair
    (block $end
      (loop $slot
        (br_if $end (i32.ge_u (local.get $j) (local.get $slots)))
        (local.set $p (array.get $ring (local.get $ring) (local.get $j)))
        (block $next
          (loop $walk
            (br_if $next (ref.is_null (local.get $p)))
            (if (i64.ne (struct.get $node $w (local.get $p))
                        (i64.mul (struct.get $node $v (local.get $p)) (i64.const 3)))
              (then unreachable))
            (local.set $sum (i64.add (local.get $sum) (struct.get $node $v (local.get $p))))
            (local.set $p (struct.get $node $next (local.get $p)))
            (br $walk)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $slot)))
    (local.get $sum)))
