package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// PoolStats counts the slots as instances take and give them back, and
// says when an engine has no pool.
func TestPoolStats(t *testing.T) {
	ctx := context.Background()
	poolingModes(t, moat.PoolingConfig{TotalMemories: 3, MaxMemorySize: 1 << 20, MaxUnusedWarmSlots: 2}, func(t *testing.T, e *moat.Engine) {
		pre, err := moat.NewLinker(e).Prepare(compile(t, e, dataWat))
		if err != nil {
			t.Fatal(err)
		}
		check := func(when string, want moat.PoolStats) {
			t.Helper()
			if got, ok := e.PoolStats(); !ok || got != want {
				t.Errorf("%s: PoolStats() = %+v, %v; want %+v, true", when, got, ok, want)
			}
		}
		check("fresh", moat.PoolStats{Slots: 3})
		var stores []*moat.Store
		for range 3 {
			s := moat.NewStore(e)
			if _, err := pre.Instantiate(ctx, s); err != nil {
				t.Fatal(err)
			}
			stores = append(stores, s)
		}
		check("three live", moat.PoolStats{Slots: 3, InUse: 3})
		for _, s := range stores {
			s.Close()
		}
		check("all closed", moat.PoolStats{Slots: 3, Warm: 2})
	})
	for _, cfg := range []moat.Config{{Engine: moat.EngineInterpreter}, {}} {
		e, err := moat.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := e.PoolStats(); ok {
			t.Errorf("%v engine, pooling %v: PoolStats() = %+v, true; want no pool", e.Config().Engine, cfg.Pooling != nil, st)
		}
	}
}
