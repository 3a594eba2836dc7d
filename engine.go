package moat

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/interp"
	"github.com/moat-run/moat/internal/vm"
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
	// MaxCallDepth bounds the number of nested wasm frames, counted across
	// host functions that call back into wasm (0: DefaultMaxCallDepth).
	MaxCallDepth int
	// MaxWasmStack bounds the stack, in bytes, that the wasm frames of one
	// call chain may use, counted across host functions that call back
	// into wasm, like Wasmtime's max_wasm_stack (0: DefaultMaxWasmStack;
	// at most 1 GiB). The compiler maps each store a native stack of
	// this size (plus a small red zone and a guard region) and checks it
	// in every function's prologue; the interpreter charges each frame 8
	// bytes per value slot (parameters, locals and its deepest operand
	// stack) plus 32 bytes, so a recursion exhausts a given limit at a
	// depth of the same order on both. Stacks commit only the memory they
	// touch: a large limit costs address space until a guest uses it.
	//
	// A call that would pass either this or MaxCallDepth traps with
	// TrapStackExhausted ("call stack exhausted").
	MaxWasmStack int
}

// DefaultMaxCallDepth is the call depth used when Config.MaxCallDepth is 0:
// ten times what the deepest test of Go's standard library reaches
// (encoding/asn1's nesting limit, about 10,000 frames). The stack limit
// is the binding one for frames that average over 84 bytes.
const DefaultMaxCallDepth = 100_000

// DefaultMaxWasmStack is the stack limit used when Config.MaxWasmStack is
// 0: 8 MiB, what Go's own wasip1 runner grants wasmtime
// (-W max-wasm-stack=8388608), and enough for every test of Go's standard
// library.
const DefaultMaxWasmStack = 8 << 20

// maxWasmStack bounds Config.MaxWasmStack.
const maxWasmStack = vm.MaxStackSize

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
	if cfg.MaxWasmStack < 0 || cfg.MaxWasmStack > maxWasmStack {
		return nil, fmt.Errorf("moat: MaxWasmStack %d is out of range (0..%d bytes)", cfg.MaxWasmStack, maxWasmStack)
	}
	if cfg.MaxCallDepth == 0 {
		cfg.MaxCallDepth = DefaultMaxCallDepth
	}
	if cfg.MaxWasmStack == 0 {
		cfg.MaxWasmStack = DefaultMaxWasmStack
	}
	icfg := interp.Config{MaxCallDepth: cfg.MaxCallDepth, MaxStackBytes: cfg.MaxWasmStack}
	ccfg := compiler.Config{MaxCallDepth: cfg.MaxCallDepth, MaxStackBytes: cfg.MaxWasmStack}
	switch cfg.Engine {
	case EngineAuto:
		if c, err := compiler.New(ccfg); err == nil {
			return &Engine{cfg: cfg, impl: c}, nil
		}
		cfg.Engine = EngineInterpreter
		return &Engine{cfg: cfg, impl: interp.New(icfg)}, nil
	case EngineInterpreter:
		return &Engine{cfg: cfg, impl: interp.New(icfg)}, nil
	case EngineCompiler:
		impl, err := compiler.New(ccfg)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCompilerUnavailable, err)
		}
		return &Engine{cfg: cfg, impl: impl}, nil
	}
	return nil, fmt.Errorf("moat: unknown engine kind %d", int(cfg.Engine))
}

// Config returns the engine's configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }
