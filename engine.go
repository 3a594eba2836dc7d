package moat

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/cache"
	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/interp"
)

// EngineKind chooses how WebAssembly code runs.
type EngineKind int

const (
	// EngineAuto picks the best engine available on this platform: the
	// compiler on linux/amd64 (when the CPU has the features it needs),
	// the interpreter elsewhere. Engine.Config reports the one picked,
	// never EngineAuto.
	EngineAuto EngineKind = iota
	// EngineInterpreter runs a pre-decoded instruction stream; portable.
	EngineInterpreter
	// EngineCompiler compiles to native code (linux/amd64 only), SIMD
	// included (with AVX/AVX2 forms where the host has them).
	EngineCompiler
)

func (k EngineKind) String() string {
	switch k {
	case EngineAuto:
		return "auto"
	case EngineInterpreter:
		return "interpreter"
	case EngineCompiler:
		return "compiler"
	}
	return fmt.Sprintf("EngineKind(%d)", int(k))
}

// Config configures an Engine. The zero value is a usable default.
type Config struct {
	Engine EngineKind
	// MaxMemoryPages caps every linear memory, in 64 KiB pages (0: only
	// the module's own maximum and the 4 GiB of 32-bit memories).
	MaxMemoryPages uint32
	// MaxTableElements caps every table (0: the runtime's default cap).
	MaxTableElements uint32
	// MaxCallDepth bounds nested calls before the call-stack-exhausted trap
	// (0: the engine's default).
	MaxCallDepth int
	// DisabledFeatures turns WebAssembly 3.0 features off; every one is on
	// by default (the zero value), as in Wasmtime. A module that uses a
	// feature turned off fails to compile (see Features).
	DisabledFeatures Features
	// MaxGCHeapBytes caps each store's garbage-collected heap (structs,
	// arrays) in bytes (0: 1 GiB; at most 4 GiB). An allocation that finds
	// no room after a collection traps with TrapGCHeapOutOfMemory, an
	// object larger than the cap with TrapAllocationTooLarge.
	MaxGCHeapBytes uint64

	// TrustedKeys, when not empty, makes Deserialize and DeserializeFile
	// accept only artifacts signed by one of these keys (see
	// Module.SerializeSigned); unsigned and otherwise signed ones fail
	// with an *ArtifactError. The engine's own cache entries are not
	// signed: they are its own output, in a directory only its user can
	// write.
	TrustedKeys []ed25519.PublicKey
	// CacheDir, when set, is a compilation cache: Compile loads a module's
	// code from it when any engine with the same moat build and
	// code-affecting configuration compiled that module before (in this
	// process or another), and stores what it compiles. The directory is
	// created private (0700); one that other users can write is refused.
	// Only compiled code is cached: the interpreter engine ignores it.
	CacheDir string
	// CacheMaxBytes caps the cache (0: 1 GiB). Past it, the least recently
	// used entries are removed.
	CacheMaxBytes int64
}

// DefaultMaxCallDepth is the call depth used when Config.MaxCallDepth is 0.
const DefaultMaxCallDepth = 10000

// Engine compiles modules. It is safe for concurrent use, and has no global
// state: two engines share nothing.
type Engine struct {
	cfg   Config
	impl  engine.Engine
	cache *cache.Cache // nil: no compilation cache
	// skipDigest makes loading skip the digest check, for benchmarks
	// that measure the rest.
	skipDigest bool
}

// ErrCompilerUnavailable is returned by NewEngine for EngineCompiler on
// platforms (or CPUs) the compiler does not support.
var ErrCompilerUnavailable = errors.New("moat: the compiler engine is not available on this platform")

// NewEngine makes an engine with the given configuration.
func NewEngine(cfg Config) (*Engine, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	if _, ok := e.impl.(engine.ArtifactEngine); ok && cfg.CacheDir != "" {
		if e.cache, err = cache.Open(cfg.CacheDir, cfg.CacheMaxBytes); err != nil {
			return nil, fmt.Errorf("moat: %w", err)
		}
	}
	return e, nil
}

func newEngine(cfg Config) (*Engine, error) {
	if cfg.MaxCallDepth < 0 {
		return nil, fmt.Errorf("moat: MaxCallDepth %d is negative", cfg.MaxCallDepth)
	}
	if cfg.MaxCallDepth == 0 {
		cfg.MaxCallDepth = DefaultMaxCallDepth
	}
	switch cfg.Engine {
	case EngineAuto:
		if c, err := compiler.New(compiler.Config{MaxCallDepth: cfg.MaxCallDepth}); err == nil {
			cfg.Engine = EngineCompiler
			return &Engine{cfg: cfg, impl: c}, nil
		}
		cfg.Engine = EngineInterpreter
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth})}, nil
	case EngineInterpreter:
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth})}, nil
	case EngineCompiler:
		impl, err := compiler.New(compiler.Config{MaxCallDepth: cfg.MaxCallDepth})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCompilerUnavailable, err)
		}
		return &Engine{cfg: cfg, impl: impl}, nil
	}
	return nil, fmt.Errorf("moat: unknown engine kind %d", int(cfg.Engine))
}

// Config returns the engine's configuration, defaults filled in: Engine is
// the engine in use (EngineCompiler or EngineInterpreter), also when
// NewEngine was asked for EngineAuto.
func (e *Engine) Config() Config { return e.cfg }
