;; Memory-copy loops written out in wasm (not memory.copy): a byte loop and
;; a 64-bit word loop shuttle a 64 KiB buffer back and forth. memcopy(rounds)
;; fills the buffer, copies it rounds times each way, and returns a checksum
;; (an FNV-style hash over the final buffer's words).
(module
  (memory 4)
  (func $copy_bytes (param $dst i32) (param $src i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (i32.add (local.get $dst) (local.get $i))
          (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
  (func $copy_words (param $dst i32) (param $src i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i64.store (i32.add (local.get $dst) (local.get $i))
          (i64.load (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next))))
  (func (export "memcopy") (param $rounds i32) (result i64)
    (local $i i32) (local $r i32) (local $h i64)
    ;; buffer A at 0, buffer B at 64 KiB; fill A with a byte pattern
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (i32.const 65536)))
        (i32.store8 (local.get $i) (i32.xor (local.get $i) (i32.shr_u (local.get $i) (i32.const 8))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (block $rounds_done
      (loop $round
        (br_if $rounds_done (i32.ge_u (local.get $r) (local.get $rounds)))
        (call $copy_bytes (i32.const 65536) (i32.const 0) (i32.const 65536))
        ;; perturb one byte per round so no round is a no-op
        (i32.store8 (i32.const 65536) (i32.add (i32.load8_u (i32.const 65536)) (local.get $r)))
        (call $copy_words (i32.const 0) (i32.const 65536) (i32.const 65536))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $round)))
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $i (i32.const 0))
    (block $hashed
      (loop $hash
        (br_if $hashed (i32.ge_u (local.get $i) (i32.const 65536)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i))) (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $hash)))
    (local.get $h)))
