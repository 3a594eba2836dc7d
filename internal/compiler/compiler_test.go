package compiler_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// TestSpinningGuestYields: a guest looping forever neither stalls
// runtime.GC in another goroutine nor ignores cancellation.
func TestSpinningGuestYields(t *testing.T) {
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Skip(err)
	}
	wasm, err := moat.Wat2Wasm([]byte(`(module (func (export "spin") (loop (br 0))))`))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := e.Compile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	store := moat.NewStore(e)
	inst, err := store.Instantiate(context.Background(), mod)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := inst.Func("spin").Call(ctx)
		done <- err
	}()
	for range 20 {
		runtime.GC() // must not wait on the spinning goroutine
	}
	err = <-done
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
		t.Fatalf("got %v, want an interrupted trap", err)
	}
}
