;; calc: a calculator for the command line, written in the WebAssembly text
;; format because it uses exception handling (try_table, throw, throw_ref),
;; which Debian's clang 14 cannot produce (it emits the older, legacy
;; instructions) and whose C++ runtime Debian's wasm32 libc++abi lacks.
;;
;; Usage: calc EXPR...
;;
;; Each argument is an expression of integers (i64), + - * / %, unary minus
;; and parentheses, evaluated by a recursive-descent parser. Errors are
;; exceptions thrown from wherever the parser is, however deep: a syntax
;; error carries its position, a division by zero nothing; _start catches
;; them per argument, prints a message and goes on. An argument "!" throws
;; $fatal, which no clause for a single argument catches: the outer handler
;; (catch_all_ref) reports it and rethrows it with throw_ref, so the program
;; ends with an uncaught exception, as a C++ program ends in terminate().
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)

  (tag $syntax (param i32)) ;; the position of the offending character
  (tag $divzero)
  (tag $fatal)

  ;; 0: an iovec and the written count; 64: digits; 1024: argv pointers;
  ;; 4096: argument strings. The messages:
  (data (i32.const 256) " = ")                    ;; 3
  (data (i32.const 264) ": division by zero\n")    ;; 19
  (data (i32.const 288) ": syntax error at ")     ;; 18
  (data (i32.const 312) ": fatal, cleaning up\n") ;; 21
  (data (i32.const 336) "\n")                     ;; 1

  (global $pos (mut i32) (i32.const 0)) ;; the parser's next character
  (global $end (mut i32) (i32.const 0))
  (global $start (mut i32) (i32.const 0))

  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $write_i64 (param $v i64)
    (local $p i32) (local $neg i32)
    (local.set $p (i32.const 128))
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then (local.set $neg (i32.const 1)) (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (if (local.get $neg)
      (then (local.set $p (i32.sub (local.get $p) (i32.const 1))) (i32.store8 (local.get $p) (i32.const 45))))
    (call $write (local.get $p) (i32.sub (i32.const 128) (local.get $p))))

  ;; peek skips spaces and returns the next character, 0 at the end.
  (func $peek (result i32)
    (block $done
      (loop $skip
        (br_if $done (i32.ge_u (global.get $pos) (global.get $end)))
        (br_if $done (i32.ne (i32.load8_u (global.get $pos)) (i32.const 32)))
        (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
        (br $skip)))
    (if (result i32) (i32.ge_u (global.get $pos) (global.get $end))
      (then (i32.const 0))
      (else (i32.load8_u (global.get $pos)))))

  (func $advance (global.set $pos (i32.add (global.get $pos) (i32.const 1))))

  (func $syntax_error (throw $syntax (i32.sub (global.get $pos) (global.get $start))))

  ;; expr = term { ("+" | "-") term }
  (func $expr (result i64)
    (local $v i64) (local $c i32)
    (local.set $v (call $term))
    (loop $more
      (local.set $c (call $peek))
      (if (i32.eq (local.get $c) (i32.const 43))
        (then (call $advance) (local.set $v (i64.add (local.get $v) (call $term))) (br $more)))
      (if (i32.eq (local.get $c) (i32.const 45))
        (then (call $advance) (local.set $v (i64.sub (local.get $v) (call $term))) (br $more))))
    (local.get $v))

  ;; term = factor { ("*" | "/" | "%") factor }
  (func $term (result i64)
    (local $v i64) (local $c i32) (local $d i64)
    (local.set $v (call $factor))
    (loop $more
      (local.set $c (call $peek))
      (if (i32.eq (local.get $c) (i32.const 42))
        (then (call $advance) (local.set $v (i64.mul (local.get $v) (call $factor))) (br $more)))
      (if (i32.or (i32.eq (local.get $c) (i32.const 47)) (i32.eq (local.get $c) (i32.const 37)))
        (then
          (call $advance)
          (local.set $d (call $factor))
          (if (i64.eqz (local.get $d)) (then (throw $divzero)))
          (local.set $v (if (result i64) (i32.eq (local.get $c) (i32.const 47))
            (then (i64.div_s (local.get $v) (local.get $d)))
            (else (i64.rem_s (local.get $v) (local.get $d)))))
          (br $more))))
    (local.get $v))

  ;; factor = number | "(" expr ")" | "-" factor | "!"
  (func $factor (result i64)
    (local $c i32) (local $v i64)
    (local.set $c (call $peek))
    (if (i32.eq (local.get $c) (i32.const 40))
      (then
        (call $advance)
        (local.set $v (call $expr))
        (if (i32.ne (call $peek) (i32.const 41)) (then (call $syntax_error)))
        (call $advance)
        (return (local.get $v))))
    (if (i32.eq (local.get $c) (i32.const 45))
      (then (call $advance) (return (i64.sub (i64.const 0) (call $factor)))))
    (if (i32.eq (local.get $c) (i32.const 33)) (then (throw $fatal)))
    (if (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57)))
      (then (call $syntax_error)))
    (block $done
      (loop $digits
        (local.set $c (i32.load8_u (global.get $pos)))
        (br_if $done (i32.ge_u (global.get $pos) (global.get $end)))
        (br_if $done (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57))))
        (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
        (call $advance)
        (br $digits)))
    (local.get $v))

  ;; eval parses the whole string [start, end).
  (func $eval (param $start i32) (param $end i32) (result i64)
    (local $v i64)
    (global.set $start (local.get $start))
    (global.set $pos (local.get $start))
    (global.set $end (local.get $end))
    (local.set $v (call $expr))
    (if (i32.ne (call $peek) (i32.const 0)) (then (call $syntax_error)))
    (local.get $v))

  (func $strlen (param $p i32) (result i32)
    (local $q i32)
    (local.set $q (local.get $p))
    (loop $next
      (if (i32.load8_u (local.get $q))
        (then (local.set $q (i32.add (local.get $q) (i32.const 1))) (br $next))))
    (i32.sub (local.get $q) (local.get $p)))

  ;; one evaluates argument [p, p+n) and prints its value or its error.
  (func $one (param $p i32) (param $n i32)
    (local $v i64)
    (call $write (local.get $p) (local.get $n))
    (block $syntax (result i32)
      (block $div
        (try_table (catch $syntax $syntax) (catch $divzero $div)
          (local.set $v (call $eval (local.get $p) (i32.add (local.get $p) (local.get $n)))))
        (call $write (i32.const 256) (i32.const 3))
        (call $write_i64 (local.get $v))
        (call $write (i32.const 336) (i32.const 1))
        (return))
      (call $write (i32.const 264) (i32.const 19))
      (return))
    (call $write (i32.const 288) (i32.const 18))
    (call $write_i64 (i64.extend_i32_u))
    (call $write (i32.const 336) (i32.const 1)))

  (func (export "_start")
    (local $argc i32) (local $i i32) (local $arg i32)
    (drop (call $args_sizes_get (i32.const 1024) (i32.const 1028)))
    (local.set $argc (i32.load (i32.const 1024)))
    (drop (call $args_get (i32.const 1032) (i32.const 4096)))
    (block $fatal (result exnref)
      (try_table (catch_all_ref $fatal)
        (local.set $i (i32.const 1))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
            (local.set $arg (i32.load (i32.add (i32.const 1032) (i32.shl (local.get $i) (i32.const 2)))))
            (call $one (local.get $arg) (call $strlen (local.get $arg)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next))))
      (return))
    ;; Something no argument's handler catches: report it, then let it go on.
    (call $write (i32.const 312) (i32.const 21))
    (throw_ref)))
