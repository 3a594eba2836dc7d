package wasi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// TestExitHasNoBacktrace: proc_exit from a few calls deep ends the run
// with its code in a trap that carries no frames (nobody reads them, and a
// Go guest exits this way at every run), on both engines; a guest's own
// trap from the same depth keeps its backtrace.
func TestExitHasNoBacktrace(t *testing.T) {
	const wat = `(module
		(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
		(func $deep (param i32)
			(if (i32.eqz (local.get 0)) (then (call $exit (i32.const 7))))
			(unreachable))
		(func $mid (param i32) (call $deep (local.get 0)))
		(func (export "exit") (call $mid (i32.const 0)))
		(func (export "trap") (call $mid (i32.const 1)))
		(memory (export "memory") 1))`
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		t.Run(kind.String(), func(t *testing.T) {
			eng, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				t.Skip(err)
			}
			inst, done := instantiateWat(t, eng, wat, wasi.Config{})
			defer done()
			ctx := context.Background()
			_, err = inst.Func("exit").Call(ctx)
			trap, ok := errors.AsType[*moat.Trap](err)
			exit, isExit := errors.AsType[*wasi.ExitError](err)
			switch {
			case !ok || !isExit || exit.Code != 7:
				t.Fatalf("exit: %v, want a trap holding exit status 7", err)
			case trap.Code != moat.TrapHostError || len(trap.Frames) != 0:
				t.Errorf("exit: trap %v with %d frames, want a host error with none", trap.Code, len(trap.Frames))
			}
			_, err = inst.Func("trap").Call(ctx)
			if trap, ok := errors.AsType[*moat.Trap](err); !ok || trap.Code != moat.TrapUnreachable || len(trap.Frames) != 3 {
				t.Errorf("trap: %v, want unreachable with 3 frames", err)
			}
		})
	}
}
