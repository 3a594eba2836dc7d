package server

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
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
// a compiled module.
type modules struct {
	engine    moat.EngineKind
	store     *oci.Store
	registry  oci.Options
	mu        sync.Mutex
	engines   map[uint32]*moat.Engine // by memory limit in pages
	compiled  map[moduleKey]*moat.Module
	lastBuilt map[moduleKey]bool // used by the table being built
}

type moduleKey struct {
	sum   [sha256.Size]byte
	pages uint32
}

// source is where a module came from, for logs.
type source struct {
	Module string // the configured name
	Digest string // sha256 of the module's bytes
	// Manifest is the OCI manifest's digest for oci:// modules.
	Manifest string
	Compiled bool // compiled now, rather than reused
}

func newModules(kind moat.EngineKind, store *oci.Store, registry oci.Options) *modules {
	return &modules{engine: kind, store: store, registry: registry,
		engines: map[uint32]*moat.Engine{}, compiled: map[moduleKey]*moat.Module{}}
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

// load reads a module (file or oci:// reference) and compiles it with a
// memory limit of pages.
func (m *modules) load(ctx context.Context, name string, pages uint32) (*moat.Module, source, error) {
	src := source{Module: name}
	var bin []byte
	if isOCI(name) {
		if _, err := oci.RequireDigest(name); err != nil {
			return nil, src, err
		}
		p, err := oci.Pull(ctx, name, m.store, m.registry)
		if err != nil {
			return nil, src, err
		}
		bin, src.Manifest = p.Module, string(p.Manifest)
	} else {
		var err error
		if bin, err = readLimited(name); err != nil {
			return nil, src, err
		}
	}
	sum := sha256.Sum256(bin)
	src.Digest = fmt.Sprintf("sha256:%x", sum)
	key := moduleKey{sum: sum, pages: pages}

	m.mu.Lock()
	mod := m.compiled[key]
	m.mu.Unlock()
	if mod == nil {
		e, err := m.engineFor(pages)
		if err != nil {
			return nil, src, err
		}
		if mod, err = e.Compile(bin); err != nil {
			return nil, src, fmt.Errorf("%s: %w", name, err)
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

// engineFor returns the engine for a memory limit (one per limit: the
// limit is the engine's).
func (m *modules) engineFor(pages uint32) (*moat.Engine, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.engines[pages]; e != nil {
		return e, nil
	}
	e, err := moat.NewEngine(moat.Config{Engine: m.engine, MaxMemoryPages: pages})
	if err != nil {
		return nil, err
	}
	m.engines[pages] = e
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
