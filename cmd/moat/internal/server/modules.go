package server

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/oci"
	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/serve"
)

// maxModuleFile bounds the module files read.
const maxModuleFile = 1 << 30

// modules loads and compiles the routes' modules. Compiled modules are
// kept by the sha256 of their bytes and the memory limit, so a reload
// recompiles only what changed; load is the one place module bytes become
// a compiled module. Across restarts, the engines' compilation cache
// (Config.CacheDir) spares compiling again.
type modules struct {
	base     moat.Config // every engine's configuration but its memory limit
	precomp  precompiled
	log      *slog.Logger
	store    *oci.Store
	registry oci.Options
	// pooling gives each route an engine whose memories come from a
	// pool of the route's max_concurrent slots and a reset batch's more
	// (Wasmtime's pooling allocator), with the route's gate of
	// max_concurrent.
	pooling bool

	mu        sync.Mutex
	engines   map[engineKey]*routeEngine
	compiled  map[moduleKey]*moat.Module
	lastBuilt map[moduleKey]bool // used by the table being built
}

// routeEngine is an engine and, with a pool, the gate of its routes.
type routeEngine struct {
	engine *moat.Engine
	// gate is the pool's: as many slots, shared by the route's handlers
	// across reloads (nil without a pool).
	gate *serve.Gate
}

type moduleKey struct {
	sum [sha256.Size]byte
	engineKey
}

// engineKey is what sets routes' engines apart: the memory limit in
// pages, whether the engine consumes fuel (which changes the code), and
// with pooling the route and its pool's size: a pool belongs to one
// route, and stays with it across reloads while its limits stay.
type engineKey struct {
	pages uint32
	fuel  bool
	route string
	slots int // 0: no pool
	keep  Size
	// explicit: the pool's memories are checked explicitly (pooledChecks).
	explicit bool
}

// source is where a module came from, for logs.
type source struct {
	Module string // the configured name
	Digest string // sha256 of the module's bytes
	// Manifest is the OCI manifest's digest for oci:// modules.
	Manifest string
	Compiled bool // compiled (or loaded) now, rather than reused
	// Precompiled: the code is a compiled artifact's (the route's file,
	// or the one that came with an OCI module), not compiled here.
	Precompiled bool
}

func newModules(base moat.Config, precomp precompiled, pooling bool, log *slog.Logger, store *oci.Store, registry oci.Options) *modules {
	return &modules{base: base, precomp: precomp, pooling: pooling, log: log, store: store, registry: registry,
		engines: map[engineKey]*routeEngine{}, compiled: map[moduleKey]*moat.Module{}}
}

// keyFor is the engine key of a route with limits lim.
func (m *modules) keyFor(path string, lim Limits) engineKey {
	k := engineKey{pages: uint32(lim.MaxMemory / wasmPage), fuel: lim.Fuel > 0}
	if m.pooling && lim.MaxConcurrent > 0 {
		k.route, k.slots, k.keep = path, lim.MaxConcurrent, lim.KeepResident
	}
	return k
}

// begin starts building a table; end keeps only the modules (and the
// pooled engines) it used.
func (m *modules) begin() {
	m.mu.Lock()
	m.lastBuilt = map[moduleKey]bool{}
	m.mu.Unlock()
}

func (m *modules) end(ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok {
		used := map[engineKey]bool{}
		for k := range m.compiled {
			if !m.lastBuilt[k] {
				delete(m.compiled, k)
			} else {
				used[k.engineKey] = true
			}
		}
		// A pool no route uses any more is unmapped once the requests
		// still running on it end (the engine's cleanup).
		for k := range m.engines {
			if k.slots > 0 && !used[k] {
				delete(m.engines, k)
			}
		}
	}
	m.lastBuilt = nil
}

// load reads a module (file or oci:// reference) and compiles it for the
// engine of ek, or loads its compiled artifact where that is allowed
// (precompiled.go). It returns the gate of the engine's pool too (nil
// without one).
func (m *modules) load(ctx context.Context, name string, ek engineKey) (*moat.Module, *serve.Gate, source, error) {
	src := source{Module: name}
	var bin, companion []byte
	if isOCI(name) {
		if _, err := oci.RequireDigest(name); err != nil {
			return nil, nil, src, err
		}
		p, err := oci.Pull(ctx, name, m.store, m.registry)
		if err != nil {
			return nil, nil, src, err
		}
		bin, companion, src.Manifest = p.Module, p.Artifact, string(p.Manifest)
	} else {
		var err error
		if bin, err = readLimited(name); err != nil {
			return nil, nil, src, err
		}
	}
	sum := sha256.Sum256(bin)
	src.Digest = fmt.Sprintf("sha256:%x", sum)
	ek.explicit = m.pooledChecks(ek, bin, companion)
	key := moduleKey{sum: sum, engineKey: ek}

	re, err := m.engineFor(ek)
	if err != nil {
		return nil, nil, src, err
	}
	m.mu.Lock()
	mod := m.compiled[key]
	m.mu.Unlock()
	if mod == nil {
		if mod, src.Precompiled, err = m.compile(re.engine, name, bin, sum, companion); err != nil {
			return nil, nil, src, err
		}
		src.Compiled = true
	}
	m.mu.Lock()
	m.compiled[key] = mod
	if m.lastBuilt != nil {
		m.lastBuilt[key] = true
	}
	m.mu.Unlock()
	return mod, re.gate, src, nil
}

// compile makes the module of bin: an artifact itself (allowed only with
// AllowPrecompiled), the artifact that came with it when allowed and
// usable, or else the module compiled through the engine's cache.
func (m *modules) compile(e *moat.Engine, name string, bin []byte, sum [sha256.Size]byte, companion []byte) (*moat.Module, bool, error) {
	if isArtifact(bin) {
		mod, err := m.precomp.load(e, bin, nil)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", name, err)
		}
		return mod, true, nil
	}
	if companion != nil && m.precomp.allow {
		mod, err := m.precomp.load(e, companion, &sum)
		if err == nil {
			return mod, true, nil
		}
		// The module itself is verified and always safe to compile: an
		// artifact that cannot be used costs time, not the route.
		m.log.Warn("compiling the module instead of loading its artifact", "module", name, "reason", err.Error())
	}
	mod, err := e.Compile(bin)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", name, err)
	}
	return mod, false, nil
}

// engineFor returns the engine for a memory limit and fuel (one per
// pair: both are the engine's), or with pooling a route's.
func (m *modules) engineFor(ek engineKey) (*routeEngine, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.engines[ek]; e != nil {
		return e, nil
	}
	cfg := m.base
	cfg.MaxMemoryPages, cfg.ConsumeFuel = ek.pages, ek.fuel
	re := m.pooledEngine(cfg, ek)
	if re == nil {
		e, err := m.newEngine(cfg)
		if err != nil {
			return nil, err
		}
		re = &routeEngine{engine: e}
	}
	m.engines[ek] = re
	return re, nil
}

// pooledChecks reports whether the pool of a route compiled here gets
// explicit bounds checks rather than guard pages, when the configuration
// leaves the choice to moat (-O signals-based-traps unset). A request's
// memory then grows without a system call: its slot's whole limit is
// accessible from the start, the checks in the code keep the guest within
// its current size, and a reset has no protection to restore (a guest
// that exhausts its memory costs about half as much CPU as with guard
// pages, which change the protection at every memory.grow and again at
// the reset), while the compiled code runs as fast (bounds-check
// elimination; README "Serving"). An artifact (the route's, or one that
// came with an OCI module and may be used) keeps the bounds checks it was
// compiled for: guard pages unless the configuration says otherwise.
func (m *modules) pooledChecks(ek engineKey, bin, companion []byte) bool {
	return ek.slots > 0 && m.base.BoundsChecks == moat.BoundsChecksAuto && m.base.Engine != moat.EngineInterpreter &&
		!isArtifact(bin) && (companion == nil || !m.precomp.allow)
}

// pooledEngine makes a route's engine with a pool of ek.slots memory
// slots of the route's memory limit (and pool.ResetBatch more), or returns nil (the caller then
// makes one without) for a key without a pool or when the pool cannot be
// had: the interpreter pools nothing, and the address space (about 4 GiB
// a slot with guard pages) is finite.
func (m *modules) pooledEngine(cfg moat.Config, ek engineKey) *routeEngine {
	if ek.slots == 0 {
		return nil
	}
	// A batch of slots more than the gate lets sandboxes hold: slots
	// given back wait for their reset and are reset together, one page
	// table scan for the batch (pool.ResetBatch), while requests take the
	// others. They are address space only, and the pages their resets
	// keep resident.
	cfg.Pooling = &moat.PoolingConfig{TotalMemories: ek.slots + pool.ResetBatch, MaxMemorySize: uint64(ek.pages) * wasmPage,
		LinearMemoryKeepResident: int64(ek.keep)}
	if ek.explicit {
		cfg.BoundsChecks = moat.BoundsChecksExplicit
	}
	e, err := m.newEngine(cfg)
	if err != nil {
		m.log.Warn("sandbox memories on demand: no pool for the route", "route", ek.route, "slots", ek.slots, "reason", err.Error())
		return nil
	}
	if _, ok := e.PoolStats(); !ok {
		return nil // no pools on this system
	}
	return &routeEngine{engine: e, gate: serve.NewGate(ek.slots)}
}

// newEngine makes an engine, without the compilation cache when it
// cannot be used.
func (m *modules) newEngine(cfg moat.Config) (*moat.Engine, error) {
	e, err := moat.NewEngine(cfg)
	if err != nil && cfg.CacheDir != "" {
		// An unusable cache costs time, not correctness: say why, and
		// compile without it from now on.
		m.log.Warn("not caching compiled code", "cache_dir", cfg.CacheDir, "reason", err.Error())
		m.base.CacheDir, cfg.CacheDir = "", ""
		e, err = moat.NewEngine(cfg)
	}
	return e, err
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxModuleFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxModuleFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxModuleFile)
	}
	return b, nil
}
