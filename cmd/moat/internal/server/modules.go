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
)

// maxModuleFile bounds the module files read.
const maxModuleFile = 1 << 30

// modules loads and compiles the routes' modules. Compiled modules are
// kept by the sha256 of their bytes and the memory limit, so a reload
// recompiles only what changed; load is the one place module bytes become
// a compiled module. Across restarts, the engines' compilation cache
// (Config.CacheDir) spares compiling again.
type modules struct {
	base      moat.Config // every engine's configuration but its memory limit
	precomp   precompiled
	log       *slog.Logger
	store     *oci.Store
	registry  oci.Options
	mu        sync.Mutex
	engines   map[engineKey]*moat.Engine
	compiled  map[moduleKey]*moat.Module
	lastBuilt map[moduleKey]bool // used by the table being built
}

type moduleKey struct {
	sum [sha256.Size]byte
	engineKey
}

// engineKey is what sets routes' engines apart: the memory limit in
// pages, and whether the engine consumes fuel (which changes the code).
type engineKey struct {
	pages uint32
	fuel  bool
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

func newModules(base moat.Config, precomp precompiled, log *slog.Logger, store *oci.Store, registry oci.Options) *modules {
	return &modules{base: base, precomp: precomp, log: log, store: store, registry: registry,
		engines: map[engineKey]*moat.Engine{}, compiled: map[moduleKey]*moat.Module{}}
}

// begin starts building a table; end keeps only the modules it used.
func (m *modules) begin() {
	m.mu.Lock()
	m.lastBuilt = map[moduleKey]bool{}
	m.mu.Unlock()
}

func (m *modules) end(ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ok {
		for k := range m.compiled {
			if !m.lastBuilt[k] {
				delete(m.compiled, k)
			}
		}
	}
	m.lastBuilt = nil
}

// load reads a module (file or oci:// reference) and compiles it for the
// engine of ek, or loads its compiled artifact where that is allowed
// (precompiled.go).
func (m *modules) load(ctx context.Context, name string, ek engineKey) (*moat.Module, source, error) {
	src := source{Module: name}
	var bin, companion []byte
	if isOCI(name) {
		if _, err := oci.RequireDigest(name); err != nil {
			return nil, src, err
		}
		p, err := oci.Pull(ctx, name, m.store, m.registry)
		if err != nil {
			return nil, src, err
		}
		bin, companion, src.Manifest = p.Module, p.Artifact, string(p.Manifest)
	} else {
		var err error
		if bin, err = readLimited(name); err != nil {
			return nil, src, err
		}
	}
	sum := sha256.Sum256(bin)
	src.Digest = fmt.Sprintf("sha256:%x", sum)
	key := moduleKey{sum: sum, engineKey: ek}

	m.mu.Lock()
	mod := m.compiled[key]
	m.mu.Unlock()
	if mod == nil {
		e, err := m.engineFor(ek)
		if err != nil {
			return nil, src, err
		}
		if mod, src.Precompiled, err = m.compile(e, name, bin, sum, companion); err != nil {
			return nil, src, err
		}
		src.Compiled = true
	}
	m.mu.Lock()
	m.compiled[key] = mod
	if m.lastBuilt != nil {
		m.lastBuilt[key] = true
	}
	m.mu.Unlock()
	return mod, src, nil
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
// pair: both are the engine's).
func (m *modules) engineFor(ek engineKey) (*moat.Engine, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.engines[ek]; e != nil {
		return e, nil
	}
	cfg := m.base
	cfg.MaxMemoryPages, cfg.ConsumeFuel = ek.pages, ek.fuel
	e, err := moat.NewEngine(cfg)
	if err != nil && cfg.CacheDir != "" {
		// An unusable cache costs time, not correctness: say why, and
		// compile without it from now on.
		m.log.Warn("not caching compiled code", "cache_dir", cfg.CacheDir, "reason", err.Error())
		m.base.CacheDir, cfg.CacheDir = "", ""
		e, err = moat.NewEngine(cfg)
	}
	if err != nil {
		return nil, err
	}
	m.engines[ek] = e
	return e, nil
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
