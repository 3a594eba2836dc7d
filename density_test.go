package moat_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// TestDensity holds 2,000 live hello instances (each has run _start) in a
// pool of slots with explicit bounds checks, in a subprocess, and checks
// that the kernel mappings do not grow with the count (the pool is one
// mapping, stacks are lent per call) and that the Go heap per instance
// stays within 1 KiB, WASI's configuration prepared once (wasi.Prepare)
// and each store attached with Prepared.Attach, as a server does. The
// 100,000-instance figures come from bench/cmd/instantiate.
func TestDensity(t *testing.T) {
	out := runSpaceChild(t, "density")
	var n, maps100, mapsN int
	var heapPer, rssPer float64
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "density ") {
			fmt.Sscanf(l, "density %d instances: mappings %d at 100, %d at the end; Go heap %f B, RSS %f B per instance",
				&n, &maps100, &mapsN, &heapPer, &rssPer)
		}
	}
	if n != densityCount {
		t.Fatalf("child output:\n%s", out)
	}
	t.Logf("%d instances: mappings %d at 100, %d at %d; Go heap %.0f B and RSS %.0f B per instance", n, maps100, mapsN, n, heapPer, rssPer)
	if mapsN > maps100+16 {
		t.Errorf("mappings grew from %d to %d with the instance count", maps100, mapsN)
	}
	if heapPer > densityHeapBound {
		t.Errorf("Go heap per instance %.0f B, more than %d", heapPer, densityHeapBound)
	}
}

const (
	densityCount     = 2000
	densityHeapBound = 1 << 10
)

// densityChild is TestSpaceChild's "density" mode.
func densityChild(t *testing.T) {
	ctx := context.Background()
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit,
		Pooling: &moat.PoolingConfig{TotalMemories: densityCount + 10, MaxMemorySize: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := e.Compile(readFixture(t, "hello.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	l := moat.NewLinker(e)
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	pre, err := l.Prepare(mod)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := wasi.Prepare(wasi.Config{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	var stores []*moat.Store
	start := func() {
		s := moat.NewStore(e)
		if _, err := prep.Attach(s); err != nil {
			t.Fatal(err)
		}
		inst, err := pre.Instantiate(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if code, err := wasi.Run(ctx, inst); code != 0 || err != nil {
			t.Fatalf("exit %d: %v", code, err)
		}
		stores = append(stores, s)
	}
	for range 100 {
		start()
	}
	stores = append(make([]*moat.Store, 0, densityCount), stores...)
	runtime.GC()
	maps100, heap100, rss100 := mappings(t), heapAlloc(), rss(t)
	for range densityCount - 100 {
		start()
	}
	runtime.GC()
	mapsN, heapN, rssN := mappings(t), heapAlloc(), rss(t)
	per := float64(densityCount - 100)
	fmt.Printf("density %d instances: mappings %d at 100, %d at the end; Go heap %.0f B, RSS %.0f B per instance\n",
		len(stores), maps100, mapsN, float64(heapN-heap100)/per, float64(rssN-rss100)/per)
	for _, s := range stores {
		s.Close()
	}
}

func mappings(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func heapAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// rss is the process's resident memory in bytes.
func rss(t testing.TB) uint64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Rss:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no Rss in smaps_rollup")
	return 0
}
