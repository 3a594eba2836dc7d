;; Exceptions: throw and throw_ref in and out of a try_table, a call inside
;; one (a try_call and its caught test), nested handlers (the dispatch of
;; the inner one numbers the outer one's clauses after its own), and each
;; kind of catch clause.
(module
  (tag $e (param i32))
  (tag $f (param f64 i64))
  (func $callee (param i32) (throw $e (local.get 0)))
  (func (export "uncaught") (param i32) (throw $e (local.get 0)))
  (func (export "rethrow") (param exnref) (throw_ref (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $callee (local.get 0)))
      (i32.const -1)))
  (func (export "self") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (local.get 0)))
      (unreachable)))
  (func (export "nested") (param i32) (result exnref)
    (block $outer (result exnref)
      (block $all
        (try_table (catch_all $all)
          (block $inner (result f64 i64 exnref)
            (try_table (catch_ref $f $inner) (catch_all_ref $outer)
              (call $callee (local.get 0)))
            (unreachable))
          (drop) (drop) (drop))
        (unreachable))
      (ref.null exn))))
