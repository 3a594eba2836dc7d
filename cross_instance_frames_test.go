package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// Calls that go back and forth between two instances, a and b, through a
// table both share (c's): every return, unwinding exception and
// backtrace must find each caller's own instance again (the interpreter
// keeps a caller's instance aside only when its callee's differs, and a
// tail call into the other instance changes whose that is). Results read
// each instance's own global 0, so resuming a caller in the wrong
// instance gives a wrong sum.
const (
	crossC = `(module (table (export "t") 3 funcref) (tag (export "e") (param i32)))`
	crossB = `(module
  (import "c" "t" (table 3 funcref))
  (import "c" "e" (tag $e (param i32)))
  (elem (table 0) (i32.const 1) func $g $thrower)
  (global $gb i32 (i32.const 7))
  (func $g (param i32) (result i32)
    (i32.add (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0)) (global.get $gb)))
  (func $thrower (param i32) (result i32)
    (drop (call_indirect (param i32) (result i32) (i32.const 2) (i32.const 0)))
    (throw $e (local.get 0)))
  (func (export "h") (param i32) (result i32) (i32.add (local.get 0) (global.get $gb))))`
	crossA = `(module
  (import "c" "t" (table 3 funcref))
  (import "c" "e" (tag $e (param i32)))
  (import "b" "h" (func $h (param i32) (result i32)))
  (elem (table 0) (i32.const 0) func $f)
  (global $ga i32 (i32.const 1000))
  ;; f(n) = g(n-1) + 1000 and g(n) = f(n) + 7 in b, so f(n) = 1007n.
  (func $f (export "f") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add
        (call_indirect (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1))
        (global.get $ga)))))
  ;; A tail call into b, whose result returns to viaTail in a.
  (func $tail (param i32) (result i32) (return_call $h (local.get 0)))
  (func (export "viaTail") (param i32) (result i32)
    (i32.add (call $tail (local.get 0)) (global.get $ga)))
  ;; b's thrower calls f(2) (a, b, a, b, a deep) and throws 5 after.
  (func (export "catcher") (result i32)
    (i32.add
      (block $caught (result i32)
        (try_table (catch $e $caught)
          (drop (call_indirect (param i32) (result i32) (i32.const 5) (i32.const 2))))
        (i32.const -1))
      (global.get $ga))))`
)

func TestCrossInstanceFrames(t *testing.T) {
	for _, kind := range spinEngines() {
		t.Run(kind.String(), func(t *testing.T) {
			e, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			store := moat.NewStore(e)
			l := moat.NewLinker(e)
			for _, m := range []struct{ name, wat string }{{"c", crossC}, {"b", crossB}} {
				inst, err := l.Instantiate(ctx, store, compile(t, e, m.wat))
				if err != nil {
					t.Fatalf("%s: %v", m.name, err)
				}
				if err := l.DefineInstance(m.name, inst); err != nil {
					t.Fatal(err)
				}
			}
			a, err := l.Instantiate(ctx, store, compile(t, e, crossA))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				args []uint64
				want uint64
			}{
				{"f", []uint64{3000}, 1007 * 3000},
				{"viaTail", []uint64{5}, 5 + 7 + 1000},
				{"catcher", nil, 5 + 1000},
			} {
				res, err := a.Func(c.name).Call(ctx, c.args...)
				if err != nil || res[0] != c.want {
					t.Errorf("%s%v = %v, %v; want %d", c.name, c.args, res, err, c.want)
				}
			}

			// A recursion past the depth limit: the backtrace's frames
			// alternate between a's f and b's g.
			_, err = a.Func("f").Call(ctx, 1<<30)
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
				t.Fatalf("got %v, want a stack-exhausted trap", err)
			}
			if len(trap.Frames) < 100 {
				t.Fatalf("%d frames", len(trap.Frames))
			}
			for i, f := range trap.Frames[1:] {
				if prev := trap.Frames[i].FuncName; f.FuncName == prev || (f.FuncName != "f" && f.FuncName != "g") {
					t.Fatalf("frames %d and %d are %s and %s, want f and g alternating", i, i+1, prev, f.FuncName)
				}
			}
		})
	}
}
