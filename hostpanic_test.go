package moat_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// testEngines are the engines the behaviour tests run on; an engine this
// platform lacks is skipped.
var testEngines = []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler}

// forEachEngine runs f on every available engine, as a subtest.
func forEachEngine(t *testing.T, cfg moat.Config, f func(t *testing.T, e *moat.Engine)) {
	for _, k := range testEngines {
		t.Run(k.String(), func(t *testing.T) {
			cfg := cfg
			cfg.Engine = k
			e, err := moat.NewEngine(cfg)
			if err != nil {
				t.Skip(err)
			}
			f(t, e)
		})
	}
}

// panicWat calls env.log two wasm frames deep; "rec" recurses n times, to
// check the call-depth count after a panic; "reenter" calls env.reenter,
// which calls back into "run".
const panicWat = `(module $app
  (import "env" "log" (func $log (param i32)))
  (import "env" "reenter" (func $reenter (param i32)))
  (func $inner (param i32) (call $log (local.get 0)))
  (func $outer (export "run") (param i32) (result i32)
    (call $inner (local.get 0))
    (i32.add (local.get 0) (i32.const 1)))
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "via_host") (param i32) (call $reenter (local.get 0))))`

type panicErr struct{ code int }

func (e *panicErr) Error() string { return fmt.Sprintf("panic error %d", e.code) }

// panicValues are what env.log panics with, by its argument.
var panicValues = map[int32]any{
	1: "boom",
	2: &panicErr{7},
	3: struct{ A, B int }{1, 2},
	5: moat.NewTrap(moat.TrapUnreachable, "a trap, panicked"),
}

// instantiatePanicky links panicWat with an env.log that panics with
// panicValues[x] (x = 4: a runtime error; other x: returns), and an
// env.reenter that calls run(x) back and returns its error.
func instantiatePanicky(t *testing.T, e *moat.Engine) *moat.Instance {
	t.Helper()
	l := moat.NewLinker(e)
	must(t, l.DefineFunc("env", "log", func(x int32) {
		if v, ok := panicValues[x]; ok {
			panic(v)
		}
		if x == 4 {
			var m map[string]int
			m["x"] = 1 // a runtime error: assignment to a nil map
		}
	}))
	must(t, l.DefineFunc("env", "reenter", func(ctx context.Context, c *moat.Caller, x int32) error {
		_, err := c.ExportedFunc("run").Call(ctx, moat.EncodeI32(x))
		return err
	}))
	inst, err := l.Instantiate(context.Background(), moat.NewStore(e), compile(t, e, panicWat))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHostPanic: a panicking host function ends the call with a
// TrapHostError trap that names it, carries the wasm frames below it like a
// host error, unwraps to a *PanicError holding the value and the Go stack,
// and to the value itself when that is an error; the store stays usable.
// Both engines give the same trap.
func TestHostPanic(t *testing.T) {
	ctx := context.Background()
	backtraces := map[string][]string{}
	forEachEngine(t, moat.Config{MaxCallDepth: 50}, func(t *testing.T, e *moat.Engine) {
		inst := instantiatePanicky(t, e)
		for _, x := range []int32{1, 2, 3, 4, 5} {
			_, err := inst.Func("run").Call(ctx, moat.EncodeI32(x))
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapHostError {
				t.Fatalf("panic %d: got %v, want a host-error trap", x, err)
			}
			if !strings.Contains(trap.Error(), "host function env.log panicked") {
				t.Errorf("panic %d: message %q does not name the host function", x, trap.Error())
			}
			var pe *moat.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("panic %d: no *PanicError in %v", x, err)
			}
			if pe.Func != "env.log" || !strings.Contains(string(pe.Stack), "hostpanic_test.go") {
				t.Errorf("panic %d: Func %q, stack:\n%s", x, pe.Func, pe.Stack)
			}
			switch x {
			case 1, 3:
				if pe.Value != panicValues[x] || errors.Unwrap(pe) != nil {
					t.Errorf("panic %d: value %#v", x, pe.Value)
				}
			case 2:
				var target *panicErr
				if !errors.Is(err, panicValues[2].(error)) || !errors.As(err, &target) || target.code != 7 {
					t.Errorf("panic 2: the panicked error is not reachable from %v", err)
				}
			case 5:
				// Panicking with a trap is a panic, not a return of it.
				if pe.Value != panicValues[5] || !errors.Is(err, panicValues[5].(error)) {
					t.Errorf("panic 5: value %#v", pe.Value)
				}
			case 4:
				var re runtime.Error
				if !errors.As(err, &re) || !strings.Contains(re.Error(), "nil map") {
					t.Errorf("panic 4: no runtime.Error in %v", err)
				}
			}
			names := []string{}
			for _, f := range trap.Frames {
				names = append(names, fmt.Sprintf("%s:%s:%d:%d", f.Module, f.FuncName, f.FuncIndex, f.Offset))
			}
			want := []string{"env.log:-1:-1", "inner:2", "outer:3"}
			if len(names) != 3 || !strings.HasSuffix(names[0], want[0]) || !strings.Contains(names[1], want[1]) || !strings.Contains(names[2], want[2]) {
				t.Errorf("panic %d: frames %v", x, names)
			}
			backtraces[e.Config().Engine.String()] = append(backtraces[e.Config().Engine.String()], trap.Error()+"\n"+trap.Backtrace())
		}

		// The store is usable after the panics, with its call-depth count
		// intact: rec(n) takes n+1 frames, and 50 fit under MaxCallDepth 50.
		if r, err := inst.Func("run").Call(ctx, moat.EncodeI32(0)); err != nil || r[0] != 1 {
			t.Fatalf("run after panics: %v %v", r, err)
		}
		if r, err := inst.Func("rec").Call(ctx, moat.EncodeI32(49)); err != nil || r[0] != 49 {
			t.Fatalf("rec(49) after panics: %v %v", r, err)
		}
		var trap *moat.Trap
		if _, err := inst.Func("rec").Call(ctx, moat.EncodeI32(50)); !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
			t.Fatalf("rec(50) after panics: %v, want call stack exhausted", err)
		}
		// ... and another goroutine may use it: the panic released the mark.
		done := make(chan error)
		go func() {
			_, err := inst.Func("run").Call(ctx, moat.EncodeI32(0))
			done <- err
		}()
		if err := <-done; err != nil {
			t.Fatalf("call from another goroutine after panics: %v", err)
		}
	})
	if len(backtraces) == 2 && strings.Join(backtraces["interpreter"], "\n") != strings.Join(backtraces["compiler"], "\n") {
		t.Errorf("the engines disagree:\ninterpreter:\n%s\ncompiler:\n%s",
			strings.Join(backtraces["interpreter"], "\n"), strings.Join(backtraces["compiler"], "\n"))
	}
}

// TestHostPanicNested: a panic in a host function that wasm called from a
// host function's call back into the store reaches the outer caller intact,
// and the store stays usable.
func TestHostPanicNested(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		inst := instantiatePanicky(t, e)
		_, err := inst.Func("via_host").Call(ctx, moat.EncodeI32(2))
		var pe *moat.PanicError
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapHostError || !errors.As(err, &pe) || pe.Func != "env.log" {
			t.Fatalf("got %v", err)
		}
		if !errors.Is(err, panicValues[2].(error)) {
			t.Errorf("the panicked error is not reachable from %v", err)
		}
		if len(trap.Frames) == 0 || trap.Frames[0].FuncName != "env.log" {
			t.Errorf("frames %+v", trap.Frames)
		}
		if _, err := inst.Func("via_host").Call(ctx, moat.EncodeI32(0)); err != nil {
			t.Fatalf("after the nested panic: %v", err)
		}
		// The depth count is back to 0: rec(n) takes n+1 frames.
		if r, err := inst.Func("rec").Call(ctx, moat.EncodeI32(moat.DefaultMaxCallDepth-1)); err != nil || r[0] != moat.DefaultMaxCallDepth-1 {
			t.Fatalf("deepest recursion after the nested panic: %v %v", r, err)
		}
	})
}

// TestHostPanicDirect: a host function called directly by the host
// reports its panic the same way, with itself as the only frame.
func TestHostPanicDirect(t *testing.T) {
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		f, err := moat.NewFunc(s, moat.FuncType{}, func(context.Context, *moat.Caller, []uint64) error { panic("direct") })
		must(t, err)
		_, err = f.Call(context.Background())
		var trap *moat.Trap
		var pe *moat.PanicError
		if !errors.As(err, &trap) || trap.Code != moat.TrapHostError || !errors.As(err, &pe) || pe.Value != "direct" {
			t.Fatalf("got %v", err)
		}
		if len(trap.Frames) != 1 || trap.Frames[0].FuncName != "host" || trap.Frames[0].FuncIndex != -1 {
			t.Errorf("frames %+v", trap.Frames)
		}
	})
}

// TestHostGoexit: a host function that ends its goroutine (runtime.Goexit,
// as t.FailNow does) leaves the store released and its call-depth count
// intact for the next call, from another goroutine.
func TestHostGoexit(t *testing.T) {
	const src = `(module
	  (import "env" "exit" (func $exit))
	  (func (export "run") (call $exit))
	  (func $rec (export "rec") (param i32) (result i32)
	    (if (result i32) (i32.eqz (local.get 0))
	      (then (i32.const 0))
	      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1))))))))`
	ctx := context.Background()
	forEachEngine(t, moat.Config{MaxCallDepth: 50}, func(t *testing.T, e *moat.Engine) {
		l := moat.NewLinker(e)
		must(t, l.DefineFunc("env", "exit", func() { runtime.Goexit() }))
		inst, err := l.Instantiate(ctx, moat.NewStore(e), compile(t, e, src))
		must(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			inst.Func("run").Call(ctx)
			t.Error("Goexit returned")
		}()
		<-done
		if r, err := inst.Func("rec").Call(ctx, moat.EncodeI32(49)); err != nil || r[0] != 49 {
			t.Fatalf("rec(49) after a Goexit: %v %v", r, err)
		}
	})
}
