package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// gcInteropWat passes GC references through exceptions (a struct as a
// tag's payload, caught by try_table), tail calls (return_call and
// return_call_ref with reference arguments) and typed function references,
// with collections in between (the host's collect), so the references
// live only in compiled frames, exception payloads and arguments.
const gcInteropWat = `(module
  (type $box (struct (field i32) (field (mut anyref))))
  (type $bytes (array (mut i8)))
  (type $step (func (param (ref null $box) i32) (result i32)))
  (import "host" "collect" (func $collect))
  (tag $boxed (param (ref $box)))
  (elem declare func $sum)
  (func $garbage (drop (array.new_default $bytes (i32.const 1000))))
  (func $throwBox (param i32)
    (call $garbage)
    (throw $boxed (struct.new $box (local.get 0) (ref.i31 (i32.const 7)))))
  (func (export "catch") (param i32) (result i32)
    (local $b (ref null $box))
    (block $h (result (ref $box))
      (try_table (catch $boxed $h) (call $throwBox (local.get 0)))
      (return (i32.const -1)))
    (local.set $b)
    (call $collect)
    (i32.add (struct.get $box 0 (local.get $b))
             (i31.get_u (ref.cast (ref i31) (struct.get $box 1 (local.get $b))))))
  ;; counts down, consing a list through tail calls, collecting on the way
  (func $sum (type $step) (param $l (ref null $box)) (param $n i32) (result i32)
    (if (i32.eqz (local.get $n)) (then (return (call $length (local.get $l) (i32.const 0)))))
    (if (i32.eqz (i32.rem_u (local.get $n) (i32.const 100))) (then (call $collect)))
    (call $garbage)
    (return_call_ref $step
      (struct.new $box (local.get $n) (local.get $l))
      (i32.sub (local.get $n) (i32.const 1))
      (ref.func $sum)))
  (func $length (param $l (ref null $box)) (param $acc i32) (result i32)
    (if (ref.is_null (local.get $l)) (then (return (local.get $acc))))
    (return_call $length
      (ref.cast (ref null $box) (struct.get $box 1 (local.get $l)))
      (i32.add (local.get $acc) (struct.get $box 0 (local.get $l)))))
  (func (export "tails") (param i32) (result i32)
    (return_call $sum (ref.null $box) (local.get 0)))
  (func (export "huge") (result i32)
    (array.len (array.new_default $bytes (i32.const -1)))))`

// TestGCInterop: GC references survive exceptions, tail calls and typed
// function references across collections on both engines, the heap
// verified after each, and an array
// of 2^32-1 elements traps as too large instead of overflowing.
func TestGCInterop(t *testing.T) {
	gcheap.SetVerify(true)
	eachEngine(t, moat.Config{MaxGCHeapBytes: 4 << 20}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		defer s.Close()
		l := moat.NewLinker(e)
		if err := l.DefineFunc("host", "collect", func(c *moat.Caller) error { return c.Store().GC() }); err != nil {
			t.Fatal(err)
		}
		inst := instance(t, e, s, l, gcInteropWat)
		r, err := inst.Func("catch").Call(context.Background(), 35)
		if err != nil || r[0] != 42 {
			t.Errorf("catch: %v %v, want 42", r, err)
		}
		r, err = inst.Func("tails").Call(context.Background(), 3000)
		if want := uint64(3000 * 3001 / 2); err != nil || r[0] != want {
			t.Errorf("tails: %v %v, want %d", r, err, want)
		}
		if st := s.GCStats(); st.Collections < 30 {
			t.Errorf("%d collections, want at least 30", st.Collections)
		}
		_, err = inst.Func("huge").Call(context.Background())
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapAllocationTooLarge {
			t.Errorf("huge: %v, want %s", err, moat.TrapAllocationTooLarge)
		}
		if n, err := gcheap.VerifyFailures(); n != 0 {
			t.Fatalf("%d heap verifications failed, last: %v", n, err)
		}
	})
}
