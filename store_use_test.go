package moat_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// busyWat has a pure wasm function, one that calls a host function which
// calls back into the store, one that blocks in a host function, and one
// that spins after telling the host it started.
const busyWat = `(module
  (import "env" "sum_via_host" (func $sum_via_host (param i32 i32) (result i32)))
  (import "env" "block" (func $block))
  (import "env" "started" (func $started))
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref)
  (global (export "g") (mut i32) (i32.const 0))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add_via_host") (param i32 i32) (result i32)
    (i32.add (call $sum_via_host (local.get 0) (local.get 1)) (i32.const 1)))
  (func (export "block") (call $block))
  (func (export "spin") (call $started) (loop (br 0))))`

// busyFixture is an instance of busyWat whose env.block waits on release
// after signalling entered (running hook first, on its own goroutine).
type busyFixture struct {
	store   *moat.Store
	inst    *moat.Instance
	entered chan *moat.Caller
	release chan struct{}
	started chan struct{}
	hook    func(ctx context.Context, c *moat.Caller) error
}

func newBusyFixture(t *testing.T, e *moat.Engine) *busyFixture {
	t.Helper()
	fx := &busyFixture{
		store:   moat.NewStore(e),
		entered: make(chan *moat.Caller, 1),
		release: make(chan struct{}),
		started: make(chan struct{}, 1),
	}
	l := moat.NewLinker(e)
	// sum_via_host calls add back through its Caller: re-entry on the
	// owning goroutine must never see ErrStoreBusy.
	must(t, l.DefineFunc("env", "sum_via_host", func(ctx context.Context, c *moat.Caller, a, b int32) (int32, error) {
		r, err := c.ExportedFunc("add").Call(ctx, moat.EncodeI32(a), moat.EncodeI32(b))
		if err != nil {
			return 0, err
		}
		return moat.DecodeI32(r[0]), nil
	}))
	must(t, l.DefineFunc("env", "block", func(ctx context.Context, c *moat.Caller) error {
		if fx.hook != nil {
			if err := fx.hook(ctx, c); err != nil {
				return err
			}
		}
		fx.entered <- c
		<-fx.release
		return nil
	}))
	must(t, l.DefineFunc("env", "started", func() { fx.started <- struct{}{} }))
	inst, err := l.Instantiate(context.Background(), fx.store, compile(t, e, busyWat))
	must(t, err)
	fx.inst = inst
	return fx
}

// wait receives from ch, failing the test instead of hanging.
func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// checkAllBusy tries everything that enters the store, from a goroutine
// that does not own it, and expects ErrStoreBusy (or its equivalent) from
// each.
func checkAllBusy(t *testing.T, e *moat.Engine, fx *busyFixture) {
	t.Helper()
	ctx := context.Background()
	s, inst := fx.store, fx.inst
	if _, err := inst.Func("add").Call(ctx, 1, 2); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Call: %v", err)
	}
	if err := inst.Func("add").CallWithStack(ctx, []uint64{1, 2}); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("CallWithStack: %v", err)
	}
	if _, err := s.Instantiate(ctx, compile(t, e, addWat)); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Instantiate: %v", err)
	}
	if _, err := moat.NewFunc(s, moat.FuncType{}, func(context.Context, *moat.Caller, []uint64) error { return nil }); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("NewFunc: %v", err)
	}
	// Busy, the memory's size reads as 0 (the store may be closing).
	if old, ok := inst.Memory("mem").Grow(1); ok || old != 0 {
		t.Errorf("Memory.Grow: %d %v", old, ok)
	}
	if _, err := inst.Table("tab").Get(0); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Table.Get: %v", err)
	}
	if err := inst.Table("tab").Set(0, 0); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Table.Set: %v", err)
	}
	if _, err := inst.Table("tab").Grow(1, 0); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Table.Grow: %v", err)
	}
	if err := inst.Global("g").Set(5); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Global.Set: %v", err)
	}
	if f := moat.FuncFromRef(s, inst.Func("add").Ref()); f != nil {
		t.Error("FuncFromRef resolved a reference of a busy store")
	}
	if err := inst.Close(ctx); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Instance.Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, moat.ErrStoreBusy) {
		t.Errorf("Store.Close: %v", err)
	}
}

// TestStoreBusyWhileHostFunctionRuns: while a host function runs, every
// entry into the store from another goroutine fails with ErrStoreBusy and
// changes nothing, the host function's Caller is nil to that goroutine, and
// the host function itself re-enters freely. Once the call returns, the
// other goroutine gets its turn.
func TestStoreBusyWhileHostFunctionRuns(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		fx := newBusyFixture(t, e)
		fx.hook = func(ctx context.Context, c *moat.Caller) error {
			// Re-entry on the owning goroutine: through the Caller, and
			// through externs held from outside.
			if r, err := c.ExportedFunc("add_via_host").Call(ctx, 2, 3); err != nil || r[0] != 6 {
				t.Errorf("re-entry through the Caller: %v %v", r, err)
			}
			if r, err := fx.inst.Func("add").Call(ctx, 2, 3); err != nil || r[0] != 5 {
				t.Errorf("re-entry through a held Func: %v %v", r, err)
			}
			if err := c.ExportedGlobal("g").Set(1); err != nil {
				t.Errorf("Global.Set inside: %v", err)
			}
			if _, ok := c.Memory().Grow(0); !ok {
				t.Error("Memory.Grow inside failed")
			}
			// Closing from inside a call is refused, with a busy error.
			if err := fx.inst.Close(ctx); !errors.Is(err, moat.ErrStoreBusy) {
				t.Errorf("Instance.Close inside: %v", err)
			}
			if err := c.Store().Close(); !errors.Is(err, moat.ErrStoreBusy) {
				t.Errorf("Store.Close inside: %v", err)
			}
			return nil
		}
		done := make(chan error, 1)
		go func() {
			_, err := fx.inst.Func("block").Call(ctx)
			done <- err
		}()
		c := wait(t, fx.entered)
		checkAllBusy(t, e, fx)
		if c.Store() != nil || c.Memory() != nil || c.ExportedFunc("add") != nil {
			t.Error("the running call's Caller answered another goroutine")
		}
		close(fx.release)
		if err := wait(t, done); err != nil {
			t.Fatalf("blocked call: %v", err)
		}
		if r, err := fx.inst.Func("add").Call(ctx, 40, 2); err != nil || r[0] != 42 {
			t.Fatalf("after the call: %v %v", r, err)
		}
		if g := fx.inst.Global("g").Get(); g != 1 {
			t.Errorf("global %d, want 1 (set inside, not by the busy Set)", g)
		}
	})
}

// TestStoreBusyWhileGuestRuns: the same while guest code spins.
func TestStoreBusyWhileGuestRuns(t *testing.T) {
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		fx := newBusyFixture(t, e)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := fx.inst.Func("spin").Call(ctx)
			done <- err
		}()
		wait(t, fx.started)
		checkAllBusy(t, e, fx)
		cancel()
		var trap *moat.Trap
		if err := wait(t, done); !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
			t.Fatalf("spin: %v", err)
		}
		if r, err := fx.inst.Func("add").Call(context.Background(), 1, 2); err != nil || r[0] != 3 {
			t.Fatalf("after the spin: %v %v", r, err)
		}
	})
}

// TestStoreHammer: 8 goroutines call into one store for a second (less
// with -short). Every call either returns the right result or fails with
// ErrStoreBusy; nothing crashes, and the store works afterwards. Run it
// with -race too.
func TestStoreHammer(t *testing.T) {
	run := time.Second
	if testing.Short() {
		run = 100 * time.Millisecond
	}
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		fx := newBusyFixture(t, e)
		ctx := context.Background()
		var ok, busy atomic.Int64
		deadline := time.Now().Add(run)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stack := make([]uint64, 2)
				for i := 0; time.Now().Before(deadline); i++ {
					a, b := int32(g*1000000+i), int32(i)
					var err error
					var want uint64
					switch i % 4 {
					case 0, 1:
						stack[0], stack[1] = moat.EncodeI32(a), moat.EncodeI32(b)
						err = fx.inst.Func("add").CallWithStack(ctx, stack)
						want = moat.EncodeI32(a + b)
					case 2:
						stack[0], stack[1] = moat.EncodeI32(a), moat.EncodeI32(b)
						err = fx.inst.Func("add_via_host").CallWithStack(ctx, stack)
						want = moat.EncodeI32(a + b + 1)
					case 3:
						if _, grown := fx.inst.Memory("mem").Grow(0); !grown {
							err = moat.ErrStoreBusy // Grow says false, without an error
						}
						stack[0], want = 0, 0
					}
					switch {
					case err == nil && stack[0] == want:
						ok.Add(1)
					case errors.Is(err, moat.ErrStoreBusy):
						busy.Add(1)
					default:
						t.Errorf("goroutine %d, op %d: got %#x, %v; want %#x", g, i%4, stack[0], err, want)
						return
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("%d calls succeeded, %d found the store busy", ok.Load(), busy.Load())
		if ok.Load() == 0 {
			t.Error("no call succeeded")
		}
		if r, err := fx.inst.Func("add_via_host").Call(ctx, 1, 2); err != nil || r[0] != 4 {
			t.Fatalf("after the hammering: %v %v", r, err)
		}
	})
}

// TestClosed: calls on a closed instance or store fail with ErrClosed, and
// closing twice does too.
func TestClosed(t *testing.T) {
	ctx := context.Background()
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		fx := newBusyFixture(t, e)
		other, err := fx.store.Instantiate(ctx, compile(t, e, addWat))
		must(t, err)
		host, err := moat.NewFunc(fx.store, moat.FuncType{}, func(context.Context, *moat.Caller, []uint64) error { return nil })
		must(t, err)
		mem := fx.inst.Memory("mem")

		must(t, fx.inst.Close(ctx))
		if _, err := fx.inst.Func("add").Call(ctx, 1, 2); !errors.Is(err, moat.ErrClosed) {
			t.Errorf("call on a closed instance: %v", err)
		}
		if err := fx.inst.Close(ctx); !errors.Is(err, moat.ErrClosed) {
			t.Errorf("second Instance.Close: %v", err)
		}
		if _, ok := mem.Read(0, 1); ok {
			t.Error("a closed instance's memory is still readable")
		}
		if r, err := other.Func("add").Call(ctx, 1, 2); err != nil || r[0] != 3 {
			t.Errorf("another instance of the store: %v %v", r, err)
		}

		must(t, fx.store.Close())
		for name, err := range map[string]error{
			"call":         second(other.Func("add").Call(ctx, 1, 2)),
			"host call":    second(host.Call(ctx)),
			"instantiate":  second(fx.store.Instantiate(ctx, compile(t, e, addWat))),
			"NewFunc":      second(moat.NewFunc(fx.store, moat.FuncType{}, func(context.Context, *moat.Caller, []uint64) error { return nil })),
			"Store.Close":  fx.store.Close(),
			"Inst.Close":   other.Close(ctx),
			"linker inst.": second(moat.NewLinker(e).Instantiate(ctx, fx.store, compile(t, e, addWat))),
		} {
			if !errors.Is(err, moat.ErrClosed) {
				t.Errorf("%s after Store.Close: %v", name, err)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

// TestCallerAfterCall: a Caller kept past its host call answers nil, also
// once its instance is closed, and once its store's state serves another
// store; during the call it answers, its store's values included.
func TestCallerAfterCall(t *testing.T) {
	ctx := context.Background()
	type key struct{}
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		var kept *moat.Caller
		l := moat.NewLinker(e)
		must(t, l.DefineFunc("env", "log", func(c *moat.Caller, ptr, n uint32) error {
			kept = c
			if c.Store() == nil || c.Memory() == nil || c.ExportedMemory("memory") == nil || c.ExportedFunc("greet") == nil {
				return errors.New("the Caller does not answer during its call")
			}
			if c.Store() != c.Store() || c.Value(key{}) != "first" || c.Store().Value(key{}) != "first" {
				return errors.New("the Caller's store or its value changes during its call")
			}
			return nil
		}))
		must(t, l.DefineFunc("env", "double", func(x int32) int32 { return 2 * x }))
		store := moat.NewStore(e)
		store.SetValue(key{}, "first")
		inst, err := l.Instantiate(ctx, store, compile(t, e, hostWat))
		must(t, err)
		for range 2 {
			if _, err := inst.Func("greet").Call(ctx); err != nil {
				t.Fatal(err)
			}
			if kept == nil {
				t.Fatal("log was not called")
			}
			if kept.Store() != nil || kept.Memory() != nil || kept.ExportedMemory("memory") != nil ||
				kept.ExportedFunc("greet") != nil || kept.ExportedGlobal("g") != nil || kept.ExportedTable("t") != nil ||
				kept.Value(key{}) != nil {
				t.Error("a Caller answers after its call returned")
			}
		}
		must(t, inst.Close(ctx))
		if kept.Store() != nil || kept.Memory() != nil || kept.ExportedFunc("greet") != nil || kept.Value(key{}) != nil {
			t.Error("a Caller answers after its instance was closed")
		}
		// The closed store's state serves the next store: the kept Caller
		// sees none of its values, even while that store's host calls run.
		first := kept
		must(t, store.Close())
		next := moat.NewStore(e)
		next.SetValue(key{}, "first")
		inst, err = l.Instantiate(ctx, next, compile(t, e, hostWat))
		must(t, err)
		if _, err := inst.Func("greet").Call(ctx); err != nil {
			t.Fatal(err)
		}
		if first.Store() != nil || first.Value(key{}) != nil || first.Memory() != nil {
			t.Error("a Caller of a closed store answers for the next store")
		}
		must(t, next.Close())
	})
}

// TestStoreValuesConcurrent: SetValue and Value may race with calls and
// with each other (run with -race).
func TestStoreValuesConcurrent(t *testing.T) {
	type key struct{}
	s := moat.NewStore(newEngine(t, moat.Config{}))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				if g%2 == 0 {
					s.SetValue(key{}, i)
				} else if v := s.Value(key{}); v != nil {
					_ = v.(int)
				}
			}
		}()
	}
	wg.Wait()
}
