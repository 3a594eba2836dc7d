package moat

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// staleRaceRounds is how many stores TestStaleHandleRacesRecycling closes
// under the attacker's feet; staleRaceSweeps how many times per round the
// attacker goes through every method of the handles it holds.
const (
	staleRaceRounds = 150
	staleRaceSweeps = 20
)

// TestStaleHandleRacesRecycling is the attacker's side of a handle whose
// store is closed, and its state recycled for the next store, while the
// handle's methods run on another goroutine: the generation check and the
// use are one step (storeRef.enter), so a method that starts after Close
// returned only ever answers ErrClosed or reads as empty, and none of them
// ever touches the next store's instance, which lives in the same state.
// Bounded by a fixed number of rounds and sweeps, not by time.
func TestStaleHandleRacesRecycling(t *testing.T) {
	ctx := context.Background()
	configs := map[string]Config{
		"interpreter":      {Engine: EngineInterpreter},
		"compiler":         {Engine: EngineCompiler},
		"compiler-pooling": {Engine: EngineCompiler, Pooling: &PoolingConfig{TotalMemories: 4}},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			e, err := NewEngine(cfg)
			if err != nil {
				t.Skipf("engine unavailable: %v", err)
			}
			mod, err := e.CompileText([]byte(staleWat))
			if err != nil {
				t.Fatal(err)
			}
			type key struct{}
			reused := 0
			for round := range staleRaceRounds {
				a := NewStore(e)
				instA, err := a.Instantiate(ctx, mod)
				if err != nil {
					t.Fatal(err)
				}
				wordA := instA.Func("get").Ref()
				var closed atomic.Bool
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					attackStale(t, ctx, a, instA, wordA, &closed, key{})
				}()

				stateA := a.storeState
				// The attacker may hold the store's mark for a moment.
				for {
					err := a.Close()
					if err == nil {
						break
					}
					if !errors.Is(err, ErrStoreBusy) {
						t.Fatal(err)
					}
					runtime.Gosched()
				}
				closed.Store(true)
				// The next store, most often in a's state (the engine's
				// pool hands it back), made while the attacker runs.
				b := NewStore(e)
				if b.storeState == stateA {
					reused++
				}
				b.SetValue(key{}, "b")
				instB, err := b.Instantiate(ctx, mod)
				if err != nil {
					t.Fatalf("round %d: next store: Instantiate: %v", round, err)
				}
				if _, err := instB.Func("set").Call(ctx, 22); err != nil {
					t.Fatalf("round %d: next store: set: %v", round, err)
				}
				wg.Wait()

				// The next store saw none of the attacker's writes.
				if r, err := instB.Func("get").Call(ctx); err != nil || r[0] != 22 {
					t.Fatalf("round %d: next store: get = %v, %v; want 22", round, r, err)
				}
				if v := instB.Global("n").Get(); v != 7 {
					t.Fatalf("round %d: next store: n = %d, want 7", round, v)
				}
				if w, err := instB.Table("tab").Get(1); err != nil || w != 0 {
					t.Fatalf("round %d: next store: tab[1] = %#x, %v; want null", round, w, err)
				}
				if w := instB.Global("fref").Get(); w != instB.Func("get").Ref() {
					t.Fatalf("round %d: next store: fref = %#x, want its own get", round, w)
				}
				if v := b.Value(key{}); v != "b" {
					t.Fatalf("round %d: next store: Value = %v, want b", round, v)
				}
				if (b.Limits() != StoreLimits{}) {
					t.Fatalf("round %d: next store: Limits = %+v", round, b.Limits())
				}
				if f := FuncFromRef(b, wordA); f != nil {
					t.Fatalf("round %d: the next store resolves the closed store's funcref", round)
				}
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
			}
			// sync.Pool may drop what it is given (at random under the
			// race detector): how often the state was reused is logged.
			t.Logf("%d of %d rounds ran the next store in the closed one's state", reused, staleRaceRounds)
		})
	}
}

// attackStale goes through the methods of a's handles while a is closed
// and its state recycled on another goroutine, writing what it can. Before
// closed is set a method may still find a open (or busy with Close); once
// closed is set, each must answer ErrClosed or read as empty.
func attackStale(t *testing.T, ctx context.Context, a *Store, inst *Instance, word uint64, closed *atomic.Bool, key any) {
	// refused checks err: nil or ErrStoreBusy only while the store may be
	// open, ErrClosed always.
	refused := func(what string, err error, after bool) {
		switch {
		case errors.Is(err, ErrClosed):
		case after:
			t.Errorf("stale %s after Close: %v, want ErrClosed", what, err)
		case err != nil && !errors.Is(err, ErrStoreBusy):
			t.Errorf("stale %s: %v", what, err)
		}
	}
	for range staleRaceSweeps {
		after := closed.Load()
		get, set := inst.Func("get"), inst.Func("set")
		if after && (get == nil || set == nil) {
			t.Error("stale instance: Func = nil after Close, want a closed function")
			return
		}
		if get != nil {
			_, err := get.Call(ctx)
			refused("Func.Call", err, after)
			if w := get.Ref(); after && w != 0 {
				t.Errorf("stale Func.Ref after Close = %#x, want 0", w)
			}
		}
		if set != nil {
			refused("Func.CallWithStack", set.CallWithStack(ctx, []uint64{0xbad}), after)
		}
		if mem := inst.Memory("mem"); mem != nil {
			wrote := mem.WriteUint32Le(0, 0xbad)
			wrote = mem.Write(4, []byte{0xba, 0xd0}) || wrote
			wrote = mem.WriteUint8(8, 0xba) || wrote
			if n := len(mem.Bytes()); after && (wrote || n != 0 || mem.Size() != 0) {
				t.Errorf("stale memory after Close: wrote %v, %d bytes, size %d", wrote, n, mem.Size())
			}
			if _, ok := mem.ReadUint32Le(0); after && ok {
				t.Error("stale memory after Close: a read succeeded")
			}
			if _, ok := mem.Grow(1); after && ok {
				t.Error("stale memory after Close: Grow succeeded")
			}
		} else if after {
			t.Error("stale instance: Memory = nil after Close")
		}
		if g := inst.Global("n"); g != nil {
			refused("Global.Set", g.Set(666), after)
			if v := g.Get(); after && v != 0 {
				t.Errorf("stale Global.Get after Close = %d, want 0", v)
			}
		}
		if g := inst.Global("fref"); g != nil {
			refused("funcref Global.Set", g.Set(word), after)
			if v := g.Get(); after && v != 0 {
				t.Errorf("stale funcref Global.Get after Close = %#x, want 0", v)
			}
		}
		if tab := inst.Table("tab"); tab != nil {
			refused("Table.Set", tab.Set(1, word), after)
			_, err := tab.Grow(1, word)
			refused("Table.Grow", err, after)
			_, err = tab.Get(0)
			refused("Table.Get", err, after)
			if n := tab.Size(); after && n != 0 {
				t.Errorf("stale Table.Size after Close = %d, want 0", n)
			}
		}
		a.SetValue(key, "evil")
		if v := a.Value(key); after && v != nil {
			t.Errorf("stale Store.Value after Close = %v, want nil", v)
		}
		refused("Store.SetLimits", a.SetLimits(StoreLimits{Instances: 1}), after)
		if after && (a.Limits() != StoreLimits{}) {
			t.Errorf("stale Store.Limits after Close = %+v", a.Limits())
		}
		if err := a.SetFuel(1); !errors.Is(err, ErrFuelDisabled) {
			refused("Store.SetFuel", err, after)
		} else if after {
			t.Error("stale Store.SetFuel after Close: ErrFuelDisabled, want ErrClosed")
		}
		if f := FuncFromRef(a, word); after && f != nil {
			t.Error("stale store resolves a funcref after Close")
		}
		refused("Instance.Close", inst.Close(ctx), after)
		if after {
			if _, err := a.Instantiate(ctx, inst.Module()); !errors.Is(err, ErrClosed) {
				t.Errorf("stale Store.Instantiate after Close: %v, want ErrClosed", err)
			}
		}
	}
}
