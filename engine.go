package moat

import (
	"errors"
	"fmt"
	"time"

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
	// CompileBudget bounds what compiling one module may cost the host
	// (the compiler engine; the interpreter's translation is linear in the
	// code). The zero value takes the defaults.
	CompileBudget CompileBudget
}

// CompileBudget bounds the time and memory of compiling a module, so that
// a module built to be expensive to compile (a function keeping thousands
// of values live across thousands of blocks) fails fast with a
// *CompileError of kind BudgetExceeded instead of exhausting the host.
// Everything else the compiler does grows linearly with the code; these
// bound the rest.
type CompileBudget struct {
	// MaxFuncWork caps, per function, the two costs that can grow as
	// values × blocks rather than with the code: SSA construction's
	// variable-read steps, and liveness' live-in entries (the values live
	// into each block, summed). Each step costs a few nanoseconds and at
	// most about 12 bytes while its function compiles, so a compile worker
	// (one per GOMAXPROCS) needs at most about 12 × MaxFuncWork bytes
	// beyond the code's own size. 0: DefaultMaxFuncWork; negative: no cap.
	MaxFuncWork int64
	// Timeout caps the time of one Compile, checked before each function
	// (a function started before it may overrun it by what MaxFuncWork
	// allows). 0: DefaultCompileTimeout; negative: no limit.
	Timeout time.Duration
}

// DefaultMaxFuncWork is CompileBudget.MaxFuncWork's default, 2^26: about
// 0.8 GB per compile worker at most. The largest functions of the Go
// standard library's wasip1 test binaries need under 2^22; 1,000 locals
// kept live across 10,000 if/else merges (a 280 KB function) about 2^25.
const DefaultMaxFuncWork = compiler.DefaultMaxFuncWork

// DefaultCompileTimeout is CompileBudget.Timeout's default.
const DefaultCompileTimeout = compiler.DefaultCompileTimeout

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
	ccfg := compiler.Config{MaxCallDepth: cfg.MaxCallDepth, MaxFuncWork: cfg.CompileBudget.MaxFuncWork, CompileTimeout: cfg.CompileBudget.Timeout}
	switch cfg.Engine {
	case EngineAuto:
		if c, err := compiler.New(ccfg); err == nil {
			cfg.Engine = EngineCompiler
			return &Engine{cfg: cfg, impl: c}, nil
		}
		cfg.Engine = EngineInterpreter
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth})}, nil
	case EngineInterpreter:
		return &Engine{cfg: cfg, impl: interp.New(interp.Config{MaxCallDepth: cfg.MaxCallDepth})}, nil
	case EngineCompiler:
		impl, err := compiler.New(ccfg)
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
