package moat_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/moat-run/moat"
)

// tenantWat keeps its tenant's number at address 0 and asks env.peek,
// a host function every store shares, what it sees; env.hop lets the host
// run another sandbox in the middle of this one's call. Its table holds
// peek, so that peek's funcref word can be taken out and handed around.
const tenantWat = `(module
  (import "env" "peek" (func $peek (param i32) (result i32)))
  (import "env" "hop" (func $hop (param i32)))
  (memory (export "memory") 1)
  (table (export "tab") 1 funcref)
  (elem (i32.const 0) $peek)
  (func (export "run") (param i32) (result i32)
    (i32.store (i32.const 0) (local.get 0))
    (call $hop (local.get 0))
    (call $peek (local.get 0)))
  (func (export "peek_indirect") (param i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0))))`

// TestSharedHostFuncSeesOnlyItsStore is the attacker's view of host
// functions bound once for every store: a call of the one shared peek
// sees its own store's value and memory, never another's — while another
// sandbox's call runs nested in its own, after its store's state and its
// memory's slot served earlier tenants, and through a table. A kept
// Caller answers for no later tenant, and peek's funcref word taken from
// one store is refused in another and once its store is closed.
func TestSharedHostFuncSeesOnlyItsStore(t *testing.T) {
	ctx := context.Background()
	type tenantKey struct{}
	cfg := moat.Config{Pooling: &moat.PoolingConfig{TotalMemories: 2}}
	forEachEngine(t, cfg, func(t *testing.T, e *moat.Engine) {
		var (
			kept       *moat.Caller
			keptTenant int32
			inner      *moat.InstancePre
			peeks      int
		)
		l := moat.NewLinker(e)
		must(t, l.DefineFunc("env", "peek", func(c *moat.Caller, tenant int32) (int32, error) {
			peeks++
			// An earlier call's Caller answers only while that call runs
			// (the outer one, while a nested tenant's runs), and only for
			// its own store.
			if v := kept.Value(tenantKey{}); v != nil && v != keptTenant {
				return 0, fmt.Errorf("tenant %d's Caller answers for tenant %v", keptTenant, v)
			}
			if m := kept.Memory(); m != nil {
				if got, _ := m.ReadUint32Le(0); int32(got) != keptTenant {
					return 0, fmt.Errorf("tenant %d's Caller reads tenant %d's memory", keptTenant, got)
				}
			}
			kept, keptTenant = c, tenant
			if v, _ := c.Value(tenantKey{}).(int32); v != tenant {
				return 0, fmt.Errorf("tenant %d's call sees store value %v", tenant, c.Value(tenantKey{}))
			}
			if got, ok := c.Memory().ReadUint32Le(0); !ok || int32(got) != tenant {
				return 0, fmt.Errorf("tenant %d's call sees memory holding %d", tenant, got)
			}
			return tenant, nil
		}))
		// hop runs tenant+100 in a store of its own, nested in this call
		// (once: the nested tenant's hop does nothing).
		must(t, l.DefineFunc("env", "hop", func(ctx context.Context, c *moat.Caller, tenant int32) error {
			if tenant >= 100 {
				return nil
			}
			s := moat.NewStore(e)
			defer s.Close()
			s.SetValue(tenantKey{}, tenant+100)
			inst, err := inner.Instantiate(ctx, s)
			if err != nil {
				return err
			}
			res, err := inst.Func("run").Call(ctx, moat.EncodeI32(tenant+100))
			if err != nil || moat.DecodeI32(res[0]) != tenant+100 {
				return fmt.Errorf("nested tenant %d: %v %v", tenant+100, res, err)
			}
			return nil
		}))
		pre, err := l.Prepare(compile(t, e, tenantWat))
		must(t, err)
		inner = pre

		var lastWord uint64
		var lastStore *moat.Store
		for tenant := int32(1); tenant <= 6; tenant++ {
			s := moat.NewStore(e)
			s.SetValue(tenantKey{}, tenant)
			inst, err := pre.Instantiate(ctx, s)
			must(t, err)
			for _, fn := range []string{"run", "peek_indirect"} {
				res, err := inst.Func(fn).Call(ctx, moat.EncodeI32(tenant))
				if err != nil || moat.DecodeI32(res[0]) != tenant {
					t.Fatalf("tenant %d, %s: %v %v", tenant, fn, res, err)
				}
			}
			word, err := inst.Table("tab").Get(0)
			must(t, err)
			if word == 0 {
				t.Fatal("peek's funcref word is null")
			}
			if lastStore != nil {
				// The previous tenant's word names the same shared
				// function, but belongs to a closed store.
				if err := inst.Table("tab").Set(0, lastWord); err == nil {
					t.Errorf("tenant %d's table took a closed store's funcref word", tenant)
				}
				if moat.FuncFromRef(s, lastWord) != nil {
					t.Errorf("tenant %d resolves a closed store's funcref word", tenant)
				}
			}
			// The word of this store is refused by a live neighbour.
			other := moat.NewStore(e)
			oinst, err := pre.Instantiate(ctx, other)
			must(t, err)
			if err := oinst.Table("tab").Set(0, word); err == nil {
				t.Errorf("a neighbour's table took tenant %d's funcref word", tenant)
			}
			if f := moat.FuncFromRef(s, word); f == nil {
				t.Errorf("tenant %d does not resolve its own funcref word", tenant)
			}
			must(t, other.Close())
			lastWord, lastStore = word, s
			must(t, s.Close())
		}
		if kept.Value(tenantKey{}) != nil || kept.Memory() != nil || kept.Store() != nil {
			t.Error("a Caller answers after its store closed")
		}
		// run, its nested tenant's run and peek_indirect, for six tenants.
		if peeks != 3*6 {
			t.Errorf("peek ran %d times, want %d", peeks, 3*6)
		}
	})
}

// TestSharedHostFuncWordOfAnotherEngine: a shared host function's word is
// its engine's. Forged with another engine's store's generation (the
// top 16 bits), it is refused there, never resolved: a compiler's code
// would take it for one of its own descriptors, and an interpreter's
// index for a descriptor address.
func TestSharedHostFuncWordOfAnotherEngine(t *testing.T) {
	ctx := context.Background()
	type sandbox struct {
		name  string
		store *moat.Store
		inst  *moat.Instance
		word  uint64
	}
	var boxes []sandbox
	for i, kind := range []moat.EngineKind{moat.EngineCompiler, moat.EngineCompiler, moat.EngineInterpreter} {
		e, err := moat.NewEngine(moat.Config{Engine: kind})
		if err != nil {
			t.Logf("%s: %v", kind, err)
			continue
		}
		l := moat.NewLinker(e)
		must(t, l.DefineFunc("env", "peek", func(x int32) int32 { return x }))
		must(t, l.DefineFunc("env", "hop", func(int32) {}))
		pre, err := l.Prepare(compile(t, e, tenantWat))
		must(t, err)
		s := moat.NewStore(e)
		inst, err := pre.Instantiate(ctx, s)
		must(t, err)
		word, err := inst.Table("tab").Get(0)
		must(t, err)
		boxes = append(boxes, sandbox{fmt.Sprintf("%s %d", kind, i), s, inst, word})
	}
	const tagMask = uint64(0xffff) << 48
	for _, src := range boxes {
		for _, dst := range boxes {
			forged := src.word&^tagMask | dst.word&tagMask
			if src.name == dst.name {
				if forged != dst.word {
					t.Fatalf("%s: the word %#x does not carry its store's generation", dst.name, dst.word)
				}
				continue
			}
			if err := dst.inst.Table("tab").Set(0, forged); err == nil {
				t.Errorf("%s's table took %s's host function word %#x", dst.name, src.name, forged)
			}
			if f := moat.FuncFromRef(dst.store, forged); f != nil {
				t.Errorf("%s resolves %s's host function word %#x", dst.name, src.name, forged)
			}
			res, err := dst.inst.Func("peek_indirect").Call(ctx, moat.EncodeI32(7))
			if err != nil || moat.DecodeI32(res[0]) != 7 {
				t.Errorf("%s after the refusal: %v %v", dst.name, res, err)
			}
		}
	}
	for _, b := range boxes {
		must(t, b.store.Close())
	}
}
