package server

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/oci"
)

// A route keeps its pool (engine and gate) across reloads while its
// memory limit and concurrency cap stay: requests still running on the
// old handlers count against the same slots as the new ones. A route
// whose cap changes gets a new pool, and the old one is let go once no
// table uses it. Without pooling, routes share engines by limit, with
// no gate of their own.
func TestPoolsAcrossReloads(t *testing.T) {
	if !poolsHere(t) {
		t.Skip("the compiler has no pools of memory slots here")
	}
	ctx := context.Background()
	store, err := oci.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := newModules(moat.Config{Engine: moat.EngineCompiler}, precompiled{}, true, log, store, oci.Options{})
	lim := Limits{MaxMemory: 1 << 20, MaxConcurrent: 3}
	build := func(lim Limits) (*moat.Module, *routeEngine) {
		t.Helper()
		m.begin()
		mod, gate, _, err := m.load(ctx, cgiWasm, m.keyFor("/a", lim))
		if err != nil {
			t.Fatal(err)
		}
		m.end(true)
		re := m.engines[m.keyFor("/a", lim)]
		if re == nil || re.engine != mod.Engine() || re.gate != gate || gate == nil {
			t.Fatalf("the route's engine and gate: %+v, module's engine %p, gate %p", re, mod.Engine(), gate)
		}
		return mod, re
	}
	mod1, re1 := build(lim)
	if st, ok := mod1.Engine().PoolStats(); !ok || st.Slots != 3 || re1.gate.Capacity() != 3 {
		t.Errorf("pool %+v (%v), gate of %d; want 3 slots and a gate of 3", st, ok, re1.gate.Capacity())
	}
	if mod1.Engine().Config().Pooling.MaxMemorySize != 1<<20 {
		t.Errorf("slots of %d bytes, want the route's memory limit", mod1.Engine().Config().Pooling.MaxMemorySize)
	}
	mod2, re2 := build(lim)
	if mod2 != mod1 || re2 != re1 {
		t.Error("a reload with the same limits made the route a new pool")
	}
	lim.MaxConcurrent = 5
	_, re3 := build(lim)
	if re3 == re1 || re3.gate.Capacity() != 5 {
		t.Errorf("a reload with a cap of 5: the same pool, or a gate of %d", re3.gate.Capacity())
	}
	if len(m.engines) != 1 {
		t.Errorf("%d engines kept, want the route's current one only", len(m.engines))
	}

	plain := newModules(moat.Config{Engine: moat.EngineCompiler}, precompiled{}, false, log, store, oci.Options{})
	plain.begin()
	a, ga, _, errA := plain.load(ctx, cgiWasm, plain.keyFor("/a", lim))
	b, gb, _, errB := plain.load(ctx, cgiWasm, plain.keyFor("/b", lim))
	plain.end(true)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if _, ok := a.Engine().PoolStats(); ok || a.Engine() != b.Engine() || ga != nil || gb != nil {
		t.Error("without pooling: routes of the same limits should share one engine without a pool or a gate")
	}
}
