package moat

import (
	"context"
	"errors"
	"testing"
)

// keptNativeWat leaves what it can in its instance's native state: a
// global, a table entry, memory, and the exception its last catch took
// (the native state keeps the caught exception for the code to read).
const keptNativeWat = `(module
  (memory (export "mem") 1)
  (table $t 2 funcref)
  (global $g (export "g") (mut i64) (i64.const 0))
  (tag $e (param i64))
  (func $secret (result i64) (i64.const 0x5ec2e7))
  (elem declare func $secret)
  (func (export "spray") (param $v i64)
    (global.set $g (local.get $v))
    (table.set $t (i32.const 1) (ref.func $secret))
    (i64.store (i32.const 64) (local.get $v))
    (drop (block $h (result i64)
      (try_table (catch $e $h) (throw $e (local.get $v)))
      (i64.const 0))))
  (func (export "look") (result i64 i64 i64)
    (global.get $g)
    (i64.load (i32.const 64))
    (block $h (result i64)
      (try_table (catch $e $h) (throw $e (i64.const 7)))
      (i64.const 0)))
  (func (export "indirect") (result i64)
    (call_indirect $t (result i64) (i32.const 1))))`

// TestKeptNativeStateServesNextTenantEmpty is the attacker's side of an
// instance state that keeps its engine's native state for the module's
// next instance made in it (the compiler leaves it in the vm.Instance when
// the store is released, engine.KeptState): a tenant fills its global,
// table, memory and its last caught exception with a secret and closes
// its store; the next tenant, in the same instance state and so the same
// native state, finds none of it, and the first tenant's handles reach
// nothing of the second.
func TestKeptNativeStateServesNextTenantEmpty(t *testing.T) {
	ctx := context.Background()
	configs := map[string]Config{
		"compiler-pooling":          {Engine: EngineCompiler, Pooling: &PoolingConfig{TotalMemories: 2}},
		"compiler-pooling-explicit": {Engine: EngineCompiler, BoundsChecks: BoundsChecksExplicit, Pooling: &PoolingConfig{TotalMemories: 2, MaxMemorySize: 1 << 20}},
		"compiler":                  {Engine: EngineCompiler},
	}
	const secret = 0x5ec2e7
	forConfigs(t, configs, keptNativeWat, func(t *testing.T, cfg Config, e *Engine, mod *Module) {
		reused := 0
		for round := range 20 {
			a := NewStore(e)
			instA, err := a.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := instA.Func("spray").Call(ctx, secret); err != nil {
				t.Fatal(err)
			}
			stateA, lookA := instA.vmInst(), instA.Func("look")
			nativeA := stateA.Engine
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}

			b := NewStore(e)
			instB, err := b.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			if instB.vmInst() == stateA {
				reused++
				if cfg.Pooling != nil && instB.vmInst().Engine != nativeA {
					// The block in the slot's region: the native
					// state stays in the instance state.
					t.Errorf("round %d: the next tenant in the same instance state has another native state", round)
				}
			}
			got, err := instB.Func("look").Call(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != 0 || got[1] != 0 || got[2] != 7 {
				t.Fatalf("round %d: next tenant reads global %#x, memory %#x, caught %d; want 0, 0, 7", round, got[0], got[1], got[2])
			}
			var trap *Trap
			if _, err := instB.Func("indirect").Call(ctx); !errors.As(err, &trap) {
				t.Fatalf("round %d: next tenant's call through its empty table: %v, want a trap", round, err)
			}
			if _, err := lookA.Call(ctx); !errors.Is(err, ErrClosed) {
				t.Fatalf("round %d: the closed tenant's function: %v, want ErrClosed", round, err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
		}
		// sync.Pool may drop a state (at random under the race
		// detector): how often it served the next tenant is logged.
		t.Logf("%d of 20 rounds ran the next tenant in the closed one's instance state", reused)
	})
}
