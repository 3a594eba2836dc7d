package moat

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/interp"
)

// EngineKind chooses how WebAssembly code runs.
type EngineKind int

const (
	// EngineAuto picks the best engine available on this platform
	// (today the interpreter).
	EngineAuto EngineKind = iota
	// EngineInterpreter runs a pre-decoded instruction stream; portable.
	EngineInterpreter
	// EngineCompiler compiles to native code (not available yet).
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
}

// DefaultMaxCallDepth is the call depth used when Config.MaxCallDepth is 0.
const DefaultMaxCallDepth = 10000

// Engine compiles modules. It is safe for concurrent use, and has no global
// state: two engines share nothing.
type Engine struct {
	cfg  Config
	impl engine.Engine
}

// ErrCompilerUnavailable is returned by NewEngine for EngineCompiler.
var ErrCompilerUnavailable = errors.New("moat: the compiler engine is not available yet")

// NewEngine makes an engine with the given configuration.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.MaxCallDepth < 0 {
		return nil, fmt.Errorf("moat: MaxCallDepth %d is negative", cfg.MaxCallDepth)
	}
	if cfg.MaxCallDepth == 0 {
		cfg.MaxCallDepth = DefaultMaxCallDepth
	}
	switch cfg.Engine {
	case EngineAuto, EngineInterpreter:
		cfg.Engine = EngineInterpreter
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth})}, nil
	case EngineCompiler:
		return nil, ErrCompilerUnavailable
	}
	return nil, fmt.Errorf("moat: unknown engine kind %d", int(cfg.Engine))
}

// Config returns the engine's configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }
