package moat_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// cancelDeepWat recurses depth calls deep; with cancel set, the innermost
// call asks the host to cancel its context and spins.
const cancelDeepWat = `(module (import "env" "cancel" (func $cancel))
  (func $r (param $depth i32) (param $cancel i32)
    (if (local.get $depth) (then
      (call $r (i32.sub (local.get $depth) (i32.const 1)) (local.get $cancel))
      (return)))
    (if (local.get $cancel) (then (call $cancel) (loop (br 0)))))
  (func (export "deep") (param i32 i32) (call $r (local.get 0) (local.get 1))))`

// TestCancelledCallsKeepTheirStacks: on both engines, a call that a
// context's cancellation ended leaves the engine ready for the next call:
// a call right after one, under a context of its own, is never
// interrupted by the first one's cancellation, and (the interpreter)
// the next recursion as deep runs on the stacks the cancelled one grew
// instead of allocating them again.
func TestCancelledCallsKeepTheirStacks(t *testing.T) {
	for _, kind := range spinEngines() {
		t.Run(kind.String(), func(t *testing.T) {
			e, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				t.Fatal(err)
			}
			var cancel context.CancelFunc
			l := moat.NewLinker(e)
			if err := l.DefineFunc("env", "cancel", func() { cancel() }); err != nil {
				t.Fatal(err)
			}
			inst, err := l.Instantiate(context.Background(), moat.NewStore(e), compile(t, e, cancelDeepWat))
			if err != nil {
				t.Fatal(err)
			}
			deep := inst.Func("deep")
			cancelled := func(depth uint64) {
				var ctx context.Context
				ctx, cancel = context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() {
					_, err := deep.Call(ctx, depth, 1)
					done <- err
				}()
				var err error
				select {
				case err = <-done:
				case <-time.After(time.Minute):
					t.Fatalf("depth %d: the call has ignored its cancellation for a minute", depth)
				}
				if !isInterrupted(err) {
					t.Fatalf("depth %d: got %v, want an interrupted trap", depth, err)
				}
			}
			for i := range 100 {
				cancelled(uint64(i % 7))
				ctx, stop := context.WithCancel(context.Background())
				_, err := deep.Call(ctx, uint64(i%5), 0)
				stop()
				if err != nil {
					t.Fatalf("round %d: the call after a cancelled one got %v", i, err)
				}
			}
			if kind != moat.EngineInterpreter {
				return
			}
			// The pool may lose the machine to a collection between the
			// two calls: only every attempt allocating fails.
			const depth = 50000
			var allocated uint64
			for range 3 {
				cancelled(depth)
				allocated = allocatedBy(func() {
					if _, err := deep.Call(context.Background(), depth, 0); err != nil {
						t.Fatal(err)
					}
				})
				if allocated < 256<<10 {
					return
				}
			}
			t.Errorf("a recursion %d deep after a cancelled one allocated %d bytes", depth, allocated)
		})
	}
}

// allocatedBy is how many bytes of heap f allocated.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
