package server

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/oci"
	"github.com/moat-run/moat/internal/pool"
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
		k := m.keyFor("/a", lim)
		k.explicit = true // a pooled route compiled here
		re := m.engines[k]
		if re == nil || re.engine != mod.Engine() || re.gate != gate || gate == nil {
			t.Fatalf("the route's engine and gate: %+v, module's engine %p, gate %p", re, mod.Engine(), gate)
		}
		return mod, re
	}
	mod1, re1 := build(lim)
	if st, ok := mod1.Engine().PoolStats(); !ok || st.Slots != 3+pool.ResetBatch || re1.gate.Capacity() != 3 {
		t.Errorf("pool %+v (%v), gate of %d; want 3+pool.ResetBatch slots and a gate of 3", st, ok, re1.gate.Capacity())
	}
	if c := mod1.Engine().Config(); c.BoundsChecks != moat.BoundsChecksExplicit {
		t.Errorf("a pooled route's bounds checks: %v, want explicit", c.BoundsChecks)
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

// A pooled route compiled here checks its memories explicitly (its memory
// grows without a system call) unless the configuration chose guard pages;
// a route serving an artifact keeps the checks it was compiled for (guard
// pages by default), and so do routes without a pool.
func TestPooledRouteBoundsChecks(t *testing.T) {
	if !poolsHere(t) {
		t.Skip("the compiler has no pools of memory slots here")
	}
	ctx := context.Background()
	store, err := oci.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	artifactPath := filepath.Join(t.TempDir(), "cgi.cwasm")
	if err := os.WriteFile(artifactPath, compiledGuest(t, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	lim := Limits{MaxMemory: 1 << 20, MaxConcurrent: 2}
	for _, tc := range []struct {
		name    string
		checks  moat.BoundsChecks
		module  string
		pooling bool
		want    moat.BoundsChecks
	}{
		{"pooled", moat.BoundsChecksAuto, cgiWasm, true, moat.BoundsChecksExplicit},
		{"pooled, guard pages asked for", moat.BoundsChecksGuardPages, cgiWasm, true, moat.BoundsChecksGuardPages},
		{"pooled artifact", moat.BoundsChecksAuto, artifactPath, true, moat.BoundsChecksGuardPages},
		{"no pool", moat.BoundsChecksAuto, cgiWasm, false, moat.BoundsChecksGuardPages},
	} {
		m := newModules(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: tc.checks}, precompiled{allow: true}, tc.pooling, log, store, oci.Options{})
		m.begin()
		mod, _, _, err := m.load(ctx, tc.module, m.keyFor("/a", lim))
		m.end(err == nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := mod.Engine().Config().BoundsChecks; got != tc.want {
			t.Errorf("%s: bounds checks %v, want %v", tc.name, got, tc.want)
		}
		if _, pooled := mod.Engine().PoolStats(); pooled != tc.pooling {
			t.Errorf("%s: pooled %v", tc.name, pooled)
		}
	}
}
