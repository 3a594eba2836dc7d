package moat_test

import (
	"errors"
	"math"
	"testing"

	"github.com/moat-run/moat"
)

// These tests pin what the compiler had to get right beyond the spec
// suite's small cases, on both engines: tail calls whose callee takes more
// stack arguments (and returns stack results), exceptions unwinding many
// frames, payloads of every type, handlers in loops, and values kept
// across calls that may land in a handler.

// tailWideWat alternates, by tail calls, between $a (two arguments) and
// $b (eleven i64 and nine v128 arguments, most of them on the stack), each
// returning four i64 results (two of them on the stack).
const tailWideWat = `(module
  (type $r (func (result i64 i64 i64 i64)))
  (func $a (param $n i64) (param $acc i64) (result i64 i64 i64 i64)
    (if (i64.eqz (local.get $n))
      (then (return (local.get $acc) (i64.add (local.get $acc) (i64.const 1))
        (i64.add (local.get $acc) (i64.const 2)) (i64.add (local.get $acc) (i64.const 3)))))
    (return_call $b (i64.sub (local.get $n) (i64.const 1)) (local.get $acc)
      (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
      (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9)
      (v128.const i64x2 10 11) (v128.const i64x2 12 13) (v128.const i64x2 14 15)
      (v128.const i64x2 16 17) (v128.const i64x2 18 19) (v128.const i64x2 20 21)
      (v128.const i64x2 22 23) (v128.const i64x2 24 25) (v128.const i64x2 26 27)))
  (func $b (param $n i64) (param $acc i64)
      (param i64 i64 i64 i64 i64 i64 i64 i64 i64)
      (param v128 v128 v128 v128 v128 v128 v128 v128 v128)
      (result i64 i64 i64 i64)
    (return_call $a (local.get $n)
      (i64.add (local.get $acc)
        (i64.add (i64.add (local.get 2) (local.get 10))
          (i64.add (i64x2.extract_lane 0 (local.get 11)) (i64x2.extract_lane 1 (local.get 19)))))))
  (func (export "run") (param i64) (result i64 i64 i64 i64) (call $a (local.get 0) (i64.const 0))))`

// TestTailCallStackArguments runs a million tail calls between $a and $b
// under a call-depth limit of 50: $b takes 18 more stack words than $a
// gets, and the results come back through the stack to the caller.
func TestTailCallStackArguments(t *testing.T) {
	eachEngine(t, moat.Config{MaxCallDepth: 50}, func(t *testing.T, e *moat.Engine) {
		inst := instance(t, e, moat.NewStore(e), nil, tailWideWat)
		const n = 1_000_000
		got, err := call(t, inst, "run", n)
		if err != nil {
			t.Fatal(err)
		}
		// Each of the n visits of $b adds 1 + 9 + 10 + 27 = 47.
		acc := uint64(n) * 47
		if got[0] != acc || got[1] != acc+1 || got[2] != acc+2 || got[3] != acc+3 {
			t.Errorf("got %v, want %d..%d", got, acc, acc+3)
		}
	})
}

// exceptionsDeepWat throws from deep recursion, in a loop, with payloads
// of every type, and keeps locals live across calls inside handlers.
const exceptionsDeepWat = `(module
  (tag $all (param i32 i64 f32 f64 v128 externref))
  (tag $n (param i64))
  (tag $other)
  (func $deep (param $d i32) (param $x externref)
    (if (i32.eqz (local.get $d))
      (then (throw $all (i32.const -7) (i64.const 0x123456789) (f32.const 1.5) (f64.const -2.25)
        (v128.const i64x2 0x1111 0x2222) (local.get $x))))
    (call $deep (i32.sub (local.get $d) (i32.const 1)) (local.get $x)))
  (func (export "deep") (param i32 externref) (result i32 i64 f32 f64 v128 externref)
    (block $h (result i32 i64 f32 f64 v128 externref)
      (block $o
        (try_table (catch $other $o) (catch $all $h) (call $deep (local.get 0) (local.get 1))))
      (unreachable)))
  ;; Many arguments on the stack to a callee that throws; locals live
  ;; across the call must come back intact.
  (func $wide (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (throw $n (i64.add (local.get 9) (i64.trunc_f64_s (local.get 19)))))
  (func (export "loop") (param $k i32) (result i64)
    (local $sum i64) (local $i i32) (local $a i64) (local $b f64)
    (local.set $a (i64.const 1000))
    (local.set $b (f64.const 0.5))
    (loop $next
      (local.set $sum (i64.add (local.get $sum)
        (block $h (result i64)
          (try_table (catch $n $h)
            (call $wide (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
              (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.extend_i32_u (local.get $i))
              (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5)
              (f64.const 6) (f64.const 7) (f64.const 8) (f64.const 9) (f64.const 10)))
          (i64.const -1000000))))
      (local.set $sum (i64.add (local.get $sum) (i64.add (local.get $a) (i64.trunc_f64_s (f64.mul (local.get $b) (f64.const 2))))))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k))))
    (local.get $sum))
  ;; catch_ref in an inner frame, rethrown by throw_ref from its caller,
  ;; caught by the outermost frame with a handler that does not match in
  ;; between.
  (func $inner (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $n (i64.const 42)))
      (unreachable)))
  (func $middle
    (block $h
      (try_table (catch $other $h) (throw_ref (call $inner))))
    (unreachable))
  (func (export "rethrow") (result i64)
    (block $h (result i64)
      (try_table (catch $n $h) (call $middle))
      (i64.const -1))))`

func TestExceptionsNative(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		inst := instance(t, e, moat.NewStore(e), nil, exceptionsDeepWat)
		got, err := call(t, inst, "deep", 5000, 77)
		if err != nil {
			t.Fatal(err)
		}
		want := []uint64{uint64(uint32(0xfffffff9)), 0x123456789, uint64(math.Float32bits(1.5)), math.Float64bits(-2.25), 0x1111, 0x2222, 77}
		if len(got) != len(want) {
			t.Fatalf("deep: %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("deep: word %d is %#x, want %#x", i, got[i], want[i])
			}
		}
		// Each round adds i + 10 (the payload) and 1000 + 1.
		const k = 10000
		got, err = call(t, inst, "loop", k)
		if want := uint64(k*(k-1)/2 + k*10 + k*1001); err != nil || got[0] != want {
			t.Errorf("loop: %v, %v; want %d", got, err, want)
		}
		if got, err := call(t, inst, "rethrow"); err != nil || got[0] != 42 {
			t.Errorf("rethrow: %v, %v; want 42", got, err)
		}
		// Deeper than the call-depth limit allows: the recursion traps
		// before anything throws.
		_, err = call(t, inst, "deep", 1_000_000, 0)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
			t.Errorf("too deep: %v", err)
		}
	})
}

// TestTailCallCrossInstanceConstantStack: two instances tail-call each
// other a million times under a call-depth limit of 100.
func TestTailCallCrossInstanceConstantStack(t *testing.T) {
	eachEngine(t, moat.Config{MaxCallDepth: 100}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		var ping *moat.Instance
		// pong imports ping's function through a host-free indirection:
		// a table ping fills after both exist.
		pong := instance(t, e, s, l, `(module
  (type $t (func (param i64) (result i64)))
  (table (export "tab") 1 funcref)
  (func (export "pong") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 99))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0))))))`)
		if err := l.DefineInstance("pong", pong); err != nil {
			t.Fatal(err)
		}
		ping = instance(t, e, s, l, `(module
  (type $t (func (param i64) (result i64)))
  (import "pong" "pong" (func $pong (type $t)))
  (import "pong" "tab" (table 1 funcref))
  (elem (i32.const 0) $ping)
  (func $ping (export "ping") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 98))
      (else (return_call $pong (i64.sub (local.get 0) (i64.const 1)))))))`)
		for n, want := range map[uint64]uint64{1_000_000: 98, 1_000_001: 99} {
			if got, err := call(t, ping, "ping", n); err != nil || got[0] != want {
				t.Errorf("ping %d: %v, %v; want %d", n, got, err, want)
			}
		}
	})
}
