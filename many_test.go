package moat_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm"
)

// manyWat sleeps through a host call ("sleep") or spins until its call's
// deadline ends it ("spin").
const manyWat = `(module
  (import "env" "sleep" (func $sleep (param i32) (result i32)))
  (memory 1)
  (func (export "sleep") (param i32) (result i32)
    (i32.add (call $sleep (local.get 0)) (i32.const 1)))
  (func (export "spin") (loop $l (br $l))))`

// TestManyCallsAtOnce runs 10,000 guest calls at the same time, one per
// goroutine and store: half sleep through a host call, half spin until
// their deadline. All complete correctly, on the compiler (without a pool
// and with one, explicit checks) and on the interpreter with a pool, and
// afterwards the native stacks they borrowed are back: the process holds
// no more stacks than the engine keeps idle.
func TestManyCallsAtOnce(t *testing.T) {
	const n = 10000
	pooled := &moat.PoolingConfig{TotalMemories: n, MaxMemorySize: 1 << 16}
	for _, tc := range []struct {
		name string
		cfg  moat.Config
	}{
		{"compiler", moat.Config{Engine: moat.EngineCompiler}},
		{"compiler-pooling", moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit, Pooling: pooled}},
		{"interp-pooling", moat.Config{Engine: moat.EngineInterpreter, Pooling: pooled}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := moat.NewEngine(tc.cfg)
			if err != nil {
				t.Skip(err)
			}
			manyCallsAtOnce(t, e, n)
			if st, ok := e.PoolStats(); tc.cfg.Pooling != nil && (!ok || st.InUse != 0) {
				t.Errorf("after the calls the pool holds %+v (%v)", st, ok)
			}
		})
	}
}

// manyCallsAtOnce is TestManyCallsAtOnce on engine e.
func manyCallsAtOnce(t *testing.T, e *moat.Engine, n int) {
	ctx := context.Background()
	func() {
		l := moat.NewLinker(e)
		var started sync.WaitGroup
		started.Add(n / 2)
		release := make(chan struct{})
		l.DefineFunc("env", "sleep", func(x int32) int32 {
			started.Done()
			<-release // every sleeper is inside its host call at once
			return 2 * x
		})
		pre, err := l.Prepare(compile(t, e, manyWat))
		if err != nil {
			t.Fatal(err)
		}
		before := vm.SpaceInUse()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := moat.NewStore(e)
				defer s.Close()
				inst, err := pre.Instantiate(ctx, s)
				if err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					got, err := inst.Func("sleep").Call(ctx, uint64(i))
					if err != nil || got[0] != uint64(2*i+1) {
						errs <- errors.Join(err, errors.New("sleep: wrong result"))
					}
					return
				}
				cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
				_, err = inst.Func("spin").Call(cctx)
				var trap *moat.Trap
				if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
					errs <- errors.Join(err, errors.New("spin: not interrupted"))
				}
			}()
		}
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Fatal("the sleepers did not all reach their host call")
		}
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// Idle stacks are bounded by the engine, not by the calls made.
		if after := vm.SpaceInUse(); after.Mappings > before.Mappings+64 {
			t.Errorf("after the calls moat holds %d mappings, %d before", after.Mappings, before.Mappings)
		}
	}()
}
