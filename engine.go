package moat

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/interp"
)

// EngineKind chooses how WebAssembly code runs.
type EngineKind int

const (
	// EngineAuto picks the best engine available on this platform: the
	// compiler on linux/amd64 (when the CPU has the features it needs),
	// the interpreter elsewhere (Config then reports EngineInterpreter).
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
	// ConsumeFuel meters execution with fuel (fuel.go): every store of
	// the engine starts with none, Store.SetFuel adds some, and code that
	// runs out traps with TrapOutOfFuel.
	ConsumeFuel bool
}

// DefaultMaxCallDepth is the call depth used when Config.MaxCallDepth is 0.
const DefaultMaxCallDepth = 10000

// Engine compiles modules. It is safe for concurrent use, and has no global
// state: two engines share nothing.
type Engine struct {
	cfg  Config
	impl engine.Engine
}

// ErrCompilerUnavailable is returned by NewEngine for EngineCompiler on
// platforms (or CPUs) the compiler does not support.
var ErrCompilerUnavailable = errors.New("moat: the compiler engine is not available on this platform")

// NewEngine makes an engine with the given configuration.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.MaxCallDepth < 0 {
		return nil, fmt.Errorf("moat: MaxCallDepth %d is negative", cfg.MaxCallDepth)
	}
	if cfg.MaxCallDepth == 0 {
		cfg.MaxCallDepth = DefaultMaxCallDepth
	}
	switch cfg.Engine {
	case EngineAuto:
		if c, err := compiler.New(compiler.Config{MaxCallDepth: cfg.MaxCallDepth, ConsumeFuel: cfg.ConsumeFuel}); err == nil {
			return &Engine{cfg: cfg, impl: c}, nil
		}
		cfg.Engine = EngineInterpreter
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth, ConsumeFuel: cfg.ConsumeFuel})}, nil
	case EngineInterpreter:
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth, ConsumeFuel: cfg.ConsumeFuel})}, nil
	case EngineCompiler:
		impl, err := compiler.New(compiler.Config{MaxCallDepth: cfg.MaxCallDepth, ConsumeFuel: cfg.ConsumeFuel})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCompilerUnavailable, err)
		}
		return &Engine{cfg: cfg, impl: impl}, nil
	}
	return nil, fmt.Errorf("moat: unknown engine kind %d", int(cfg.Engine))
}

// Config returns the engine's configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }
