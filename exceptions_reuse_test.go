package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// reuseWat throws and catches in a loop ("loop"), keeps an exception it
// caught with catch_ref ("keep") and throws that one again
// ("rethrow_saved"); "catch_passed" catches what the host function "pass"
// returns, an exception "throw_one" threw out to the host.
const reuseWat = `(module
  (import "env" "pass" (func $pass (param i32)))
  (tag $t (param i32))
  (global $saved (mut exnref) (ref.null exn))
  (func (export "loop") (param $n i32) (result i32) (local $sum i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $sum (i32.add (local.get $sum)
          (block $h (result i32) (try_table (catch $t $h) (throw $t (local.get $n))) (unreachable))))
        (br $l)))
    (local.get $sum))
  (func (export "keep") (param i32)
    (block $h (result i32 exnref) (try_table (catch_ref $t $h) (throw $t (local.get 0))) (unreachable))
    (global.set $saved)
    (drop))
  (func (export "throw_one") (param i32) (throw $t (local.get 0)))
  (func (export "catch_passed") (param i32) (result i32)
    (block $h (result i32) (try_table (catch $t $h) (call $pass (local.get 0))) (unreachable)))
  (func (export "rethrow_saved") (result i32)
    (block $h (result i32) (try_table (catch $t $h) (throw_ref (global.get $saved))) (unreachable))))`

// TestExceptionReuse: an exception that a catch without a reference ended
// is filled again by the next throw instead of a new one being allocated
// (a guest that throws in a loop must not keep the Go collector busy), but
// never one that an exnref names: an exception kept
// by catch_ref keeps its payload through later throws, and is the one
// throw_ref throws.
func TestExceptionReuse(t *testing.T) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		l := moat.NewLinker(e)
		var inst *moat.Instance
		var passed error // the exception the host holds on to
		pass := func(ctx context.Context, c *moat.Caller, stack []uint64) error {
			_, passed = c.ExportedFunc("throw_one").Call(ctx, stack[0])
			return passed
		}
		if err := l.DefineHostFunc("env", "pass", moat.FuncType{Params: []moat.ValueType{moat.ValueI32}}, pass); err != nil {
			t.Fatal(err)
		}
		inst = instance(t, e, s, l, reuseWat)
		if got, err := call(t, inst, "loop", 4); err != nil || got[0] != 3+2+1 {
			t.Fatalf("loop(4) = %v, %v; want 6", got, err)
		}
		if _, err := call(t, inst, "keep", 7); err != nil {
			t.Fatal(err)
		}
		if got, err := call(t, inst, "loop", 3); err != nil || got[0] != 2+1 {
			t.Fatalf("loop(3) = %v, %v; want 3", got, err)
		}
		if _, err := call(t, inst, "keep", 9); err != nil {
			t.Fatal(err)
		}
		if got, err := call(t, inst, "loop", 5); err != nil || got[0] != 4+3+2+1 {
			t.Fatalf("loop(5) = %v, %v; want 10", got, err)
		}
		if got, err := call(t, inst, "rethrow_saved"); err != nil || got[0] != 9 {
			t.Fatalf("rethrow_saved = %v, %v; want 9, the payload it was caught with", got, err)
		}
		// An exception that went out to the host and came back is the
		// host's too: the throws after its catch leave it alone.
		if got, err := call(t, inst, "catch_passed", 11); err != nil || got[0] != 11 {
			t.Fatalf("catch_passed(11) = %v, %v", got, err)
		}
		call(t, inst, "loop", 5)
		var exn *moat.Exception
		if !errors.As(passed, &exn) || exn.Payload()[0] != 11 {
			t.Fatalf("the exception the host held: %v, want one with payload 11", passed)
		}
		loop := inst.Func("loop")
		stack := make([]uint64, 1)
		ctx := context.Background()
		allocs := testing.AllocsPerRun(20, func() {
			stack[0] = 1000
			if err := loop.CallWithStack(ctx, stack); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 1 {
			t.Errorf("1,000 throws and catches allocate %v times", allocs)
		}
	})
}
