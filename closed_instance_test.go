package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// A closed instance's memory goes back at once (a pool's slot, or address
// space the kernel maps again), but the store's other instances may still
// call the closed instance's code: here B imports A's functions. From the
// attacker's side: after A is closed and another store's instance takes
// A's memory's place with a secret in it, B's calls into A's code trap,
// read nothing and write nothing of the other tenant's memory, on every
// engine and bounds-check mode, with a pool and without.
func TestClosedInstanceCodeReachesNoMemory(t *testing.T) {
	ctx := context.Background()
	const (
		aWat = `(module (memory 1)
		  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
		  (func (export "peek0") (result i32) (i32.load (i32.const 0)))
		  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1))))`
		bWat = `(module
		  (import "a" "peek" (func $peek (param i32) (result i32)))
		  (import "a" "peek0" (func $peek0 (result i32)))
		  (import "a" "poke" (func $poke (param i32 i32)))
		  (func (export "peek") (param i32) (result i32) (call $peek (local.get 0)))
		  (func (export "peek0") (result i32) (call $peek0))
		  (func (export "poke") (param i32 i32) (call $poke (local.get 0) (local.get 1))))`
		victimWat = `(module (memory (export "mem") 1) (data (i32.const 0) "\2a\00\00\00"))`
	)
	pools := []*moat.PoolingConfig{nil, {TotalMemories: 4, MaxMemorySize: 1 << 20}}
	for _, pc := range pools {
		name := "no pool"
		if pc != nil {
			name = "pool"
		}
		t.Run(name, func(t *testing.T) {
			cfgs := []moat.Config{{Engine: moat.EngineInterpreter, Pooling: pc}}
			for _, mode := range boundsModes {
				cfgs = append(cfgs, moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode, Pooling: pc})
			}
			for _, cfg := range cfgs {
				e, err := moat.NewEngine(cfg)
				if err != nil {
					t.Logf("%v %v: %v", cfg.Engine, cfg.BoundsChecks, err)
					continue
				}
				t.Run(cfg.Engine.String()+"/"+cfg.BoundsChecks.String(), func(t *testing.T) {
					s1 := moat.NewStore(e)
					defer s1.Close()
					a, err := s1.Instantiate(ctx, compile(t, e, aWat))
					if err != nil {
						t.Fatal(err)
					}
					l := moat.NewLinker(e)
					for _, name := range []string{"peek", "peek0", "poke"} {
						if err := l.Define("a", name, a.Func(name)); err != nil {
							t.Fatal(err)
						}
					}
					b, err := l.Instantiate(ctx, s1, compile(t, e, bWat))
					if err != nil {
						t.Fatal(err)
					}
					if err := a.Close(ctx); err != nil {
						t.Fatal(err)
					}
					victimMod := compile(t, e, victimWat)
					for round := range 3 {
						s2 := moat.NewStore(e)
						victim, err := s2.Instantiate(ctx, victimMod)
						if err != nil {
							t.Fatal(err)
						}
						for _, call := range []struct {
							name string
							args []uint64
						}{{"peek", []uint64{0}}, {"peek0", nil}, {"poke", []uint64{0, 7}}} {
							res, err := b.Func(call.name).Call(ctx, call.args...)
							var trap *moat.Trap
							if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
								t.Errorf("round %d: %s through the closed instance's code: %v, %v; want an out-of-bounds trap", round, call.name, res, err)
							}
						}
						if got := victim.Memory("mem").Bytes()[0]; got != 0x2a {
							t.Errorf("round %d: the other store's memory was written: %#x", round, got)
						}
						s2.Close()
					}
				})
			}
		})
	}
}
