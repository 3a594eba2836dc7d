package moat_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// poolingModes runs f with a pool of slots on the compiler in each
// bounds-check mode available here, and on the interpreter.
func poolingModes(t *testing.T, pc moat.PoolingConfig, f func(t *testing.T, e *moat.Engine)) {
	ipc := pc
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter, Pooling: &ipc})
	if err != nil {
		t.Fatalf("interpreter with a pool: %v", err)
	}
	t.Run("interp", func(t *testing.T) { f(t, e) })
	for _, mode := range boundsModes {
		pc := pc
		e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode, Pooling: &pc})
		if err != nil {
			t.Logf("%v: %v", mode, err)
			continue
		}
		t.Run(mode.String(), func(t *testing.T) { f(t, e) })
	}
}

// A slot given back is reset before anyone else gets it: every new
// instance sees exactly the module's data, never what an earlier tenant
// wrote (in the data's pages, past them, or in pages it grew), whether the
// slot comes back warm (the same module) or goes to another module.
func TestPoolSlotReset(t *testing.T) {
	ctx := context.Background()
	const growWat = `(module (memory (export "mem") 1 4)
	  (data (i32.const 16) "image")
	  (func (export "scribble")
	    (drop (memory.grow (i32.const 2)))
	    (i32.store (i32.const 16) (i32.const 0x41414141))
	    (i32.store (i32.const 60000) (i32.const 0x42424242))
	    (i32.store (i32.const 150000) (i32.const 0x43434343))))`
	poolingModes(t, moat.PoolingConfig{TotalMemories: 2, MaxMemorySize: 1 << 20}, func(t *testing.T, e *moat.Engine) {
		grow, err := moat.NewLinker(e).Prepare(compile(t, e, growWat))
		if err != nil {
			t.Fatal(err)
		}
		data, err := moat.NewLinker(e).Prepare(compile(t, e, dataWat))
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 65536)
		copy(want[16:], "image")
		for round := range 6 {
			s := moat.NewStore(e)
			inst, err := grow.Instantiate(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if mem := inst.Memory("mem").Bytes(); !bytes.Equal(mem, want) {
				t.Fatalf("round %d: a fresh instance sees %d bytes, not the module's data", round, len(mem))
			}
			if _, err := inst.Func("scribble").Call(ctx); err != nil {
				t.Fatal(err)
			}
			if round%2 == 1 {
				inst.Close(ctx) // the instance alone, then the store
			}
			s.Close()
			// Another module takes the slot in between.
			s2 := moat.NewStore(e)
			other, err := data.Instantiate(ctx, s2)
			if err != nil {
				t.Fatal(err)
			}
			if mem := other.Memory("mem").Bytes(); string(mem[:4]) != "moAT" || mem[16] != 0 || mem[60000] != 0 {
				t.Fatalf("round %d: the other module sees the last tenant's bytes", round)
			}
			s2.Close()
		}
	})
}

// Slots are finite: one memory more than the pool holds fails with
// ErrPoolExhausted, and closing an instance gives its slot back at once.
func TestPoolExhausted(t *testing.T) {
	ctx := context.Background()
	poolingModes(t, moat.PoolingConfig{TotalMemories: 3, MaxMemorySize: 1 << 20}, func(t *testing.T, e *moat.Engine) {
		pre, err := moat.NewLinker(e).Prepare(compile(t, e, dataWat))
		if err != nil {
			t.Fatal(err)
		}
		s := moat.NewStore(e)
		var insts []*moat.Instance
		for range 3 {
			inst, err := pre.Instantiate(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			insts = append(insts, inst)
		}
		if _, err := pre.Instantiate(ctx, moat.NewStore(e)); !errors.Is(err, moat.ErrPoolExhausted) {
			t.Fatalf("a fourth memory: %v, want ErrPoolExhausted", err)
		}
		if err := insts[1].Close(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := pre.Instantiate(ctx, moat.NewStore(e)); err != nil {
			t.Fatalf("after closing one: %v", err)
		}
		if _, err := insts[0].Func("get").Call(ctx, 0); err != nil {
			t.Errorf("a live instance: %v", err)
		}
		if _, err := insts[1].Func("get").Call(ctx, 0); !errors.Is(err, moat.ErrClosed) {
			t.Errorf("the closed instance: %v, want ErrClosed", err)
		}
	})
}

// MaxMemorySize caps memories: a larger minimum fails to instantiate, and
// memory.grow past it returns -1.
func TestPoolMaxMemorySize(t *testing.T) {
	ctx := context.Background()
	poolingModes(t, moat.PoolingConfig{TotalMemories: 2, MaxMemorySize: 4 << 16}, func(t *testing.T, e *moat.Engine) {
		big := compile(t, e, `(module (memory 5))`)
		if _, err := moat.NewStore(e).Instantiate(ctx, big); err == nil {
			t.Error("a memory of 5 pages instantiated in 4-page slots")
		}
		inst, err := moat.NewStore(e).Instantiate(ctx, compile(t, e, `(module (memory 1)
		  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ delta, want uint64 }{{3, 1}, {1, 0xffffffff}, {0, 4}} {
			got, err := inst.Func("grow").Call(ctx, c.delta)
			if err != nil || uint32(got[0]) != uint32(c.want) {
				t.Errorf("memory.grow(%d) = %v, %v; want %d", c.delta, got, err, int32(c.want))
			}
		}
	})
}

// Closing a store while a call runs in it from another goroutine fails
// with ErrStoreBusy and leaves the slot to the running guest; once the call
// ends, Close gives the slot back and the pool can lend it again.
func TestPoolCloseDuringCall(t *testing.T) {
	ctx := context.Background()
	poolingModes(t, moat.PoolingConfig{TotalMemories: 1, MaxMemorySize: 1 << 20}, func(t *testing.T, e *moat.Engine) {
		mod := compile(t, e, `(module (import "env" "started" (func $started)) (memory 1)
		  (func (export "spin") (call $started) (loop $l (i32.store (i32.const 8) (i32.const 1)) (br $l))))`)
		started := make(chan struct{})
		l := moat.NewLinker(e)
		l.DefineFunc("env", "started", func() { close(started) })
		pre, err := l.Prepare(mod)
		if err != nil {
			t.Fatal(err)
		}
		s := moat.NewStore(e)
		inst, err := pre.Instantiate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { _, err := inst.Func("spin").Call(cctx); done <- err }()
		<-started
		if err := s.Close(); !errors.Is(err, moat.ErrStoreBusy) {
			t.Fatalf("Close during the call: %v, want ErrStoreBusy", err)
		}
		if _, err := pre.Instantiate(ctx, moat.NewStore(e)); !errors.Is(err, moat.ErrPoolExhausted) {
			t.Errorf("the running guest's slot was lent again: %v", err)
		}
		cancel()
		var trap *moat.Trap
		if err := <-done; !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
			t.Fatalf("spin: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := pre.Instantiate(ctx, moat.NewStore(e)); err != nil {
			t.Errorf("after Close: %v", err)
		}
	})
}
