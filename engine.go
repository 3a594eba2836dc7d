package moat

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/moat-run/moat/internal/cache"
	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/interp"
	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/vm"
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
	// CompileBudget bounds what compiling one module may cost the host
	// (the compiler engine; the interpreter's translation is linear in the
	// code). The zero value takes the defaults.
	CompileBudget CompileBudget

	// BoundsChecks chooses how the compiler keeps loads and stores inside
	// linear memory: guard pages (the default on linux/amd64) or explicit
	// checks. The interpreter always checks explicitly.
	BoundsChecks BoundsChecks
	// MemoryReservation is the address space reserved from byte 0 of each
	// linear memory (0: 4 GiB with guard pages; with explicit checks, the
	// memory's own limit). A memory whose limit is larger reserves its
	// limit: memories never move. With guard pages, a reservation plus
	// guard below 4 GiB makes every access checked again.
	MemoryReservation uint64
	// MemoryGuardSize is the inaccessible region after each memory's
	// reservation and before its byte 0 (0: 32 MiB with guard pages, none
	// with explicit checks; NoMemoryGuard: none). A load or store whose
	// static offset plus width fits in it needs no bounds check.
	//
	// BoundsChecks, and with guard pages MemoryReservation and
	// MemoryGuardSize, change the compiled code: artifacts and cache
	// entries record them ("bounds checks", "memory reservation", "memory
	// guard"), and an engine refuses one made under other values with an
	// *ArtifactError naming the setting.
	MemoryGuardSize uint64
	// MaxAddressSpace and MaxMappings bound the address space and the
	// kernel mappings that moat's memories, native stacks and code may
	// hold in the whole process before an instantiation fails with an
	// error wrapping ErrAddressSpace (0: the user address space less 1 TiB,
	// and the kernel's vm.max_map_count less an eighth, left to the rest
	// of the process). A guard-page memory takes about 4 GiB and up to 3
	// mappings.
	MaxAddressSpace uint64
	MaxMappings     int

	// Pooling, when set, makes every instance take its memory from a
	// pool of slots reserved once, when the engine is made (Wasmtime's
	// pooling allocator; see PoolingConfig), on either engine (the
	// interpreter checks every access, so its slots are always laid out
	// as for BoundsChecksExplicit). Pools need Linux: elsewhere NewEngine
	// fails with Pooling set.
	Pooling *PoolingConfig

	// DisabledFeatures turns WebAssembly 3.0 features off; every one is on
	// by default (the zero value), as in Wasmtime. A module that uses a
	// feature turned off fails to compile (see Features).
	DisabledFeatures Features
	// MaxGCHeapBytes caps each store's garbage-collected heap (structs,
	// arrays) in bytes (0: 1 GiB; at most 4 GiB). An allocation that finds
	// no room after a collection traps with TrapGCHeapOutOfMemory, an
	// object larger than the cap with TrapAllocationTooLarge.
	MaxGCHeapBytes uint64

	// ConsumeFuel meters execution with fuel (fuel.go): every store of
	// the engine starts with none, Store.SetFuel adds some, and code that
	// runs out traps with TrapOutOfFuel. It changes the compiled code
	// (a poll at every function entry): artifacts and cache entries record
	// it ("fuel").
	ConsumeFuel bool
	// DisableRealtimeTicker keeps the thread that ticks compiled code's
	// time slices (the epoch's ticker, one per process) out of the
	// real-time class: by default it asks for SCHED_FIFO at the lowest
	// priority where the process may (CAP_SYS_NICE or an RLIMIT_RTPRIO of
	// at least 1), so that its wakes do not wait behind busy CPUs; with
	// this set it asks only for the normal class's shortest slice. The
	// ticker is the process's: once an engine is made with this set, the
	// ticker leaves the real-time class for the rest of the process,
	// whatever other engines ask. Guests' slices may then run longer on a
	// busy machine (docs/compiler.md, "Safepoints").
	DisableRealtimeTicker bool

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

// BoundsChecks chooses how compiled code keeps loads and stores inside
// linear memory (Wasmtime's signals-based-traps setting).
type BoundsChecks int

const (
	// BoundsChecksAuto: guard pages where moat has its signal handler
	// (linux/amd64), explicit checks elsewhere.
	BoundsChecksAuto BoundsChecks = iota
	// BoundsChecksGuardPages: each memory reserves MemoryReservation
	// (4 GiB) of address space plus MemoryGuardSize before and after, all
	// inaccessible beyond the memory's current size, so that a load or
	// store with a small offset needs no bounds check: out of bounds it
	// faults, and moat's signal handler turns the fault into the
	// out-of-bounds trap.
	BoundsChecksGuardPages
	// BoundsChecksExplicit: every access is compared with the memory's
	// size; memories reserve only their limit. For platforms without the
	// handler and for packing many memories densely.
	BoundsChecksExplicit
)

func (b BoundsChecks) String() string {
	switch b {
	case BoundsChecksAuto:
		return "auto"
	case BoundsChecksGuardPages:
		return "guard pages"
	case BoundsChecksExplicit:
		return "explicit"
	}
	return fmt.Sprintf("BoundsChecks(%d)", int(b))
}

// PoolingConfig sizes an engine's pool of memory slots (Wasmtime's
// PoolingAllocationConfig). The slots lie back to back in one reservation;
// a memory takes a free slot when its instance is made and gives it back,
// reset (LinearMemoryKeepResident), when its instance or store is closed.
// Zero fields take the defaults.
type PoolingConfig struct {
	// TotalMemories is how many memories may live at once (default
	// 1000); one more fails to instantiate with ErrPoolExhausted.
	TotalMemories int
	// MaxMemorySize is the most bytes a memory may have (default 4 GiB):
	// a larger minimum fails to instantiate, and memory.grow past it
	// returns -1. With guard pages each slot still reserves
	// MemoryReservation and its guards (about 4 GiB: some 30,000 slots fit
	// in the address space); with explicit checks a slot is MaxMemorySize
	// bytes and the whole pool is one kernel mapping, so 100,000 small
	// memories fit.
	MaxMemorySize uint64
	// MaxUnusedWarmSlots bounds the free slots kept warm, with the last
	// module's image still mapped (default 100).
	MaxUnusedWarmSlots int
	// LinearMemoryKeepResident is how many bytes of a warm slot's memory
	// are reset in place when its instance closes (Wasmtime's
	// linear_memory_keep_resident): the pages written, wherever they lie
	// in the memory (the kernel's page tables tell which), are compared
	// with what the next instance must find (zeros, or the module's data)
	// and rewritten where they differ, as many as fit in this many bytes,
	// so they stay resident and the next instance takes no page fault on
	// them. The rest of the memory is given back to the
	// kernel with madvise(MADV_DONTNEED). The cost is at most this many
	// bytes of memory per warm slot. Default DefaultKeepResident;
	// negative: none (every page goes back to the kernel).
	LinearMemoryKeepResident int64
	// TableKeepResident is how many bytes of an instance's first table's
	// elements (8 bytes each) stay with its state when its store closes,
	// for the module's next instance (Wasmtime's table_keep_resident):
	// the elements it held are cleared there and then, a clear bounded by
	// the table's length, so that no reference of the last tenant's
	// outlives its store, and the next instance allocates none. A larger
	// table's elements go back to the Go heap. Default
	// DefaultTableKeepResident; negative: none (every instance allocates
	// its table's elements).
	TableKeepResident int64
}

// DefaultTableKeepResident is PoolingConfig.TableKeepResident's default,
// and what an engine without a pool keeps: 8,192 elements.
const DefaultTableKeepResident = 64 << 10

// tableKeepElems is how many elements of a first table an instance state
// keeps from one instance to the next (TableKeepResident).
func (c *Config) tableKeepElems() int {
	k := int64(DefaultTableKeepResident)
	if c.Pooling != nil && c.Pooling.TableKeepResident != 0 {
		k = max(c.Pooling.TableKeepResident, 0)
	}
	return int(min(k/8, vm.MaxTableElems))
}

// DefaultKeepResident is PoolingConfig.LinearMemoryKeepResident's default:
// two WebAssembly pages, more than a small C program writes in a request
// (data, stack and heap), at most 12.5 MiB resident for 100 warm slots.
const DefaultKeepResident = pool.DefaultKeepResident

// keepResident is LinearMemoryKeepResident in bytes, the default filled in.
func (p *PoolingConfig) keepResident() uint64 {
	switch k := p.LinearMemoryKeepResident; {
	case k == 0:
		return DefaultKeepResident
	case k < 0:
		return 0
	default:
		return uint64(k)
	}
}

// ErrPoolExhausted is wrapped by the error of an instantiation that finds
// every slot of the engine's pool in use.
var ErrPoolExhausted = pool.ErrExhausted

// NoMemoryGuard as Config.MemoryGuardSize asks for no guard regions.
const NoMemoryGuard = compiler.NoGuard

// ErrAddressSpace is wrapped by the error of an instantiation that would
// take moat's mappings past Config.MaxAddressSpace or MaxMappings, or that
// the kernel refused address space.
var ErrAddressSpace = vm.ErrAddressSpace

// compilerConfig is the compiler engine's configuration for cfg.
func compilerConfig(cfg Config) compiler.Config {
	checks := map[BoundsChecks]compiler.BoundsChecks{
		BoundsChecksAuto:       compiler.BoundsChecksAuto,
		BoundsChecksGuardPages: compiler.BoundsChecksGuardPages,
		BoundsChecksExplicit:   compiler.BoundsChecksExplicit,
	}
	c, ok := checks[cfg.BoundsChecks]
	if !ok {
		c = compiler.BoundsChecks(-1) // refused by compiler.New
	}
	cc := compiler.Config{MaxCallDepth: cfg.MaxCallDepth, MaxStackBytes: cfg.MaxWasmStack, ConsumeFuel: cfg.ConsumeFuel, Memory: compiler.MemoryConfig{
		Checks: c, Reservation: cfg.MemoryReservation, GuardSize: cfg.MemoryGuardSize,
		Limits: vm.Limits{Bytes: cfg.MaxAddressSpace, Mappings: cfg.MaxMappings},
	}, MaxFuncWork: cfg.CompileBudget.MaxFuncWork, MaxFuncSize: cfg.CompileBudget.MaxFuncSize, CompileTimeout: cfg.CompileBudget.Timeout}
	if p := cfg.Pooling; p != nil {
		cc.Pool = &compiler.PoolConfig{Slots: p.TotalMemories, MaxMemorySize: p.MaxMemorySize, MaxWarm: p.MaxUnusedWarmSlots,
			KeepResident: p.keepResident()}
	}
	return cc
}

// CompileBudget bounds the time and memory of compiling a module, so that
// a module built to be expensive to compile (a function keeping thousands
// of values live across thousands of blocks) fails fast with a
// *CompileError of kind BudgetExceeded instead of exhausting the host.
// Everything else the compiler does grows linearly with the code; these
// bound the rest. They bound compiling only: a module loaded from an
// artifact or from the compilation cache (Config.CacheDir) costs a load,
// linear in its size, and is not checked against them.
type CompileBudget struct {
	// MaxFuncWork caps, per function, the two costs that can grow as
	// values × blocks rather than with the code: SSA construction's
	// variable-read steps, and liveness' live-in entries (the values live
	// into each block, summed). Each step costs a few nanoseconds and at
	// most about 12 bytes while its function compiles, so a compile worker
	// (one per GOMAXPROCS) needs at most about 12 × MaxFuncWork bytes
	// beyond the code's own size. 0: DefaultMaxFuncWork; negative: no cap.
	MaxFuncWork int64
	// MaxFuncSize caps, per function, the size of what the engine builds
	// for it, checked as it is built, not after: on the compiler its SSA
	// values and blocks, on the interpreter its instructions, and on both
	// its br_table targets and open blocks. The rest of compiling one
	// function grows linearly with it, so this is the bound on a
	// function's compile memory (see DefaultMaxFuncSize).
	// 0: DefaultMaxFuncSize; negative: no cap.
	MaxFuncSize int64
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

// DefaultMaxFuncSize is CompileBudget.MaxFuncSize's default, 2^18, on
// both engines: the largest functions of the Go standard library's wasip1
// test binaries and of the bench modules need under a quarter of it.
const DefaultMaxFuncSize = compiler.DefaultMaxFuncSize

// DefaultCompileTimeout is CompileBudget.Timeout's default.
const DefaultCompileTimeout = compiler.DefaultCompileTimeout

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
	cfg   Config
	impl  engine.Engine
	cache *cache.Cache // nil: no compilation cache
	// skipDigest makes loading skip the digest check, for benchmarks
	// that measure the rest.
	skipDigest bool
	// stores keeps closed stores' states for new stores (store_recycle.go).
	stores sync.Pool
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
	if cfg.MaxWasmStack < 0 || cfg.MaxWasmStack > maxWasmStack {
		return nil, fmt.Errorf("moat: MaxWasmStack %d is out of range (0..%d bytes)", cfg.MaxWasmStack, maxWasmStack)
	}
	if cfg.MaxCallDepth == 0 {
		cfg.MaxCallDepth = DefaultMaxCallDepth
	}
	if cfg.MaxWasmStack == 0 {
		cfg.MaxWasmStack = DefaultMaxWasmStack
	}
	if cfg.MaxMappings < 0 {
		return nil, fmt.Errorf("moat: MaxMappings %d is negative", cfg.MaxMappings)
	}
	if cfg.DisableRealtimeTicker {
		vm.DisableRealtimeTicker()
	}
	icfg := interp.Config{MaxCallDepth: cfg.MaxCallDepth, MaxStackBytes: cfg.MaxWasmStack, ConsumeFuel: cfg.ConsumeFuel,
		MaxFuncSize: cfg.CompileBudget.MaxFuncSize}
	switch cfg.Engine {
	case EngineAuto:
		c, err := compiler.New(compilerConfig(cfg))
		if err == nil {
			cfg.Engine = EngineCompiler
			return &Engine{cfg: compiledConfig(cfg, c), impl: c}, nil
		}
		if !errors.Is(err, compiler.ErrUnavailable) {
			// A configuration the compiler refuses is the caller's
			// mistake, not a reason to run another engine.
			return nil, fmt.Errorf("moat: %w", err)
		}
		cfg.Engine = EngineInterpreter
		return newInterpreter(cfg, icfg)
	case EngineInterpreter:
		return newInterpreter(cfg, icfg)
	case EngineCompiler:
		impl, err := compiler.New(compilerConfig(cfg))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCompilerUnavailable, err)
		}
		return &Engine{cfg: compiledConfig(cfg, impl), impl: impl}, nil
	}
	return nil, fmt.Errorf("moat: unknown engine kind %d", int(cfg.Engine))
}

// newInterpreter makes the interpreter engine, with its pool of memory
// slots when cfg asks for one.
func newInterpreter(cfg Config, icfg interp.Config) (*Engine, error) {
	if p := cfg.Pooling; p != nil {
		slots, pages, err := pool.NewCheckedSlots(p.TotalMemories, p.MaxUnusedWarmSlots, p.MaxMemorySize, p.keepResident())
		if err != nil {
			return nil, fmt.Errorf("moat: pooling: %w", err)
		}
		icfg.Slots, icfg.SlotPages = slots, pages
	}
	return &Engine{cfg: cfg, impl: interp.New(icfg)}, nil
}

// compiledConfig fills in cfg's memory fields from the compiler engine's
// resolved layout.
func compiledConfig(cfg Config, e engine.Engine) Config {
	if ml, ok := e.(interface{ MemoryLayout() (vm.Layout, bool) }); ok {
		l, guard := ml.MemoryLayout()
		cfg.BoundsChecks = BoundsChecksExplicit
		if guard {
			cfg.BoundsChecks = BoundsChecksGuardPages
		}
		cfg.MemoryReservation, cfg.MemoryGuardSize = l.Reserve, l.GuardAfter
		if l.GuardAfter == 0 {
			cfg.MemoryGuardSize = NoMemoryGuard
		}
	}
	return cfg
}

// Config returns the engine's configuration, defaults filled in: Engine is
// the engine in use (EngineCompiler or EngineInterpreter), also when
// NewEngine was asked for EngineAuto.
func (e *Engine) Config() Config { return e.cfg }
