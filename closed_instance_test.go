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
// engine and bounds-check mode, with a pool and without. With a pool the
// other tenant's native context takes the region of A's slot as well:
// A's code still reads A's own global and calls through A's own table,
// never the other tenant's.
func TestClosedInstanceCodeReachesNoMemory(t *testing.T) {
	ctx := context.Background()
	const (
		aWat = `(module (memory 1)
		  (global $g (mut i32) (i32.const 0x11))
		  (table 1 funcref) (elem (i32.const 0) $mine)
		  (type $r (func (result i32)))
		  (func $mine (result i32) (i32.const 0x11))
		  (func (export "getg") (result i32) (global.get $g))
		  (func (export "callt") (result i32) (call_indirect (type $r) (i32.const 0)))
		  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
		  (func (export "peek0") (result i32) (i32.load (i32.const 0)))
		  (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1))))`
		bWat = `(module
		  (import "a" "getg" (func $getg (result i32)))
		  (import "a" "callt" (func $callt (result i32)))
		  (import "a" "peek" (func $peek (param i32) (result i32)))
		  (import "a" "peek0" (func $peek0 (result i32)))
		  (import "a" "poke" (func $poke (param i32 i32)))
		  (func (export "getg") (result i32) (call $getg))
		  (func (export "callt") (result i32) (call $callt))
		  (func (export "peek") (param i32) (result i32) (call $peek (local.get 0)))
		  (func (export "peek0") (result i32) (call $peek0))
		  (func (export "poke") (param i32 i32) (call $poke (local.get 0) (local.get 1))))`
		victimWat = `(module (memory (export "mem") 1) (data (i32.const 0) "\2a\00\00\00")
		  (global $g (mut i32) (i32.const 0x2a))
		  (table 1 funcref) (elem (i32.const 0) $theirs)
		  (func $theirs (result i32) (i32.const 0x2a))
		  (func (export "getg") (result i32) (global.get $g)))`
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
					for _, name := range []string{"getg", "callt", "peek", "peek0", "poke"} {
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
						for _, name := range []string{"getg", "callt"} {
							if res, err := b.Func(name).Call(ctx); err != nil || len(res) != 1 || res[0] != 0x11 {
								t.Errorf("round %d: %s through the closed instance's code: %v, %v; want its own 0x11", round, name, res, err)
							}
						}
						if res, err := victim.Func("getg").Call(ctx); err != nil || res[0] != 0x2a {
							t.Errorf("round %d: the other store's global reads %v, %v", round, res, err)
						}
						s2.Close()
					}
				})
			}
		})
	}
}
