package compiler

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Config tunes the compiler engine. Zero fields take the defaults.
type Config struct {
	// MaxStackBytes bounds the native stack, in bytes, that the wasm frames
	// of one call chain may use (default vm.DefaultStackLimit). Host
	// re-entry is included: a nested entry builds its frames below the
	// caller's, on the same stack. Each stack lent to a call maps this
	// much plus the red zone and guard below it, and commits only the
	// pages code touches. A call that would pass it traps with
	// TrapStackExhausted.
	MaxStackBytes int
	// MaxCallDepth bounds nested wasm calls, counted across host
	// re-entry (Store.HostCallDepth) like the interpreter's; deeper calls
	// trap with TrapStackExhausted (default DefaultMaxCallDepth). Whichever
	// of this and MaxStackBytes is reached first gives the trap.
	MaxCallDepth int
	// PollInterval, when positive, fixes vm.Runner's number of polls
	// between visits to Go (for tests; 0 lets the runtime pace them).
	PollInterval int64
	// ConsumeFuel compiles a poll at every function entry, so that fuel
	// (vm.Fuel, one unit per poll) counts every call like the
	// interpreter's does; without it, functions that cannot run long on
	// their own skip it.
	ConsumeFuel bool
	// CountPolls makes polls count down the context's poll counter even
	// without fuel or a fixed PollInterval (which need it), instead of
	// comparing the epoch with a deadline (vm's epoch.go; the default
	// where the platform has the epoch's ticker).
	CountPolls bool
	// Baseline keeps the code to the SSE baseline (no AVX or AVX2 forms)
	// even where the host has them, to test that path. The environment
	// variable MOAT_NO_AVX (any non-empty value) sets it too.
	Baseline bool
	// MaxFuncWork caps the work of compiling one function beyond what is
	// linear in its code: the SSA builder's variable-read steps, and the
	// allocator's live-in entries (values live into each block, summed),
	// each capped at MaxFuncWork. A function past it makes Compile fail
	// with a *LimitError after work and memory proportional to the cap.
	// 0: DefaultMaxFuncWork; negative: no cap.
	MaxFuncWork int64
	// MaxFuncSize caps the size of one function's SSA (values and blocks),
	// checked after each instruction as the frontend builds it; the rest of
	// compiling is linear in that size, so it bounds the memory of one
	// function. 0: DefaultMaxFuncSize; negative: no cap.
	MaxFuncSize int64
	// CompileTimeout caps the time of one Compile; it is checked before
	// each function, so one function may overrun it by what MaxFuncWork
	// allows. 0: DefaultCompileTimeout; negative: no limit.
	CompileTimeout time.Duration
	// Memory lays out linear memories and chooses how loads and stores
	// are checked (guard pages by default on linux/amd64).
	Memory MemoryConfig
	// Pool, when set, takes every memory 0 from a pool of slots reserved
	// when the engine is made (see PoolConfig).
	Pool *PoolConfig
}

// PoolConfig sizes the pool of memory slots (Wasmtime's pooling
// allocator). Zero fields take the defaults.
type PoolConfig struct {
	// Slots is how many memories may live at once (default 1000).
	Slots int
	// MaxMemorySize is the most bytes a memory in a slot may have: with
	// guard pages it only caps growth (a slot reserves the engine's memory
	// reservation); with explicit checks it is a slot's size (default
	// DefaultMemoryReservation).
	MaxMemorySize uint64
	// MaxWarm bounds the free slots kept warm (default 100).
	MaxWarm int
	// KeepResident is how many bytes from byte 0 of a warm slot are
	// reset in place (pool.SlotConfig.KeepResident).
	KeepResident uint64
}

// DefaultMaxCallDepth is Config.MaxCallDepth's default.
const DefaultMaxCallDepth = 100_000

// ErrUnsupported is returned by New on platforms the compiler does not target.
var ErrUnsupported = errors.New("compiler: native code needs linux/amd64")

// ErrUnavailable is wrapped by every error of New that says this platform,
// CPU or process cannot run compiled code, as opposed to a configuration
// the compiler refuses anywhere.
var ErrUnavailable = errors.New("compiler unavailable")

// New returns the compiler engine, or an error when this platform or CPU
// cannot run its code.
func New(cfg Config) (engine.Engine, error) {
	if !vm.NativeSupported {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ErrUnsupported)
	}
	if err := amd64.CPUSupported(); err != nil {
		return nil, fmt.Errorf("%w: compiler: %w", ErrUnavailable, err)
	}
	if cfg.MaxCallDepth <= 0 {
		cfg.MaxCallDepth = DefaultMaxCallDepth
	}
	if cfg.MaxStackBytes <= 0 {
		cfg.MaxStackBytes = vm.DefaultStackLimit
	}
	if cfg.MaxStackBytes > vm.MaxStackSize {
		return nil, fmt.Errorf("compiler: stack limit %d exceeds %d bytes", cfg.MaxStackBytes, vm.MaxStackSize)
	}
	if cfg.MaxFuncSize == 0 {
		cfg.MaxFuncSize = DefaultMaxFuncSize
	}
	if cfg.MaxFuncWork == 0 {
		cfg.MaxFuncWork = DefaultMaxFuncWork
	}
	if cfg.CompileTimeout == 0 {
		cfg.CompileTimeout = DefaultCompileTimeout
	}
	feat := amd64.HostFeatures()
	if cfg.Baseline || os.Getenv("MOAT_NO_AVX") != "" {
		feat = amd64.Features{}
	}
	layout, handler, err := cfg.Memory.layout()
	if err != nil {
		return nil, err
	}
	if handler {
		if err := vm.EnableFaultTraps(); err != nil {
			return nil, fmt.Errorf("%w: compiler: installing the signal handler: %w", ErrUnavailable, err)
		}
	}
	e := &compilerEngine{cfg: cfg, feat: feat, layout: layout, guard: handler, typeIDs: map[string]uint32{}, stubs: map[uint32]uintptr{}}
	e.epoch = !cfg.ConsumeFuel && !cfg.CountPolls && cfg.PollInterval <= 0 && vm.EpochSupported && vm.StartEpoch() == nil
	e.stacks = pool.NewStacks(cfg.MaxStackBytes, layout.Limits, max(4, 2*runtime.GOMAXPROCS(0)))
	if cfg.Pool != nil {
		if e.slots, e.slotLimit, err = newSlots(*cfg.Pool, layout); err != nil {
			return nil, err
		}
	}
	if handler {
		// Made now rather than at the first Instance.Close, so that the
		// engine's charge to the address space stays what it is from its
		// creation on. Without it (the space is exhausted), closed
		// instances keep their memories until their store closes.
		e.dead, _ = newDeadMemory(layout)
	}
	return e, nil
}

// compilerEngine holds what its modules share: canonical type ids (so
// call_indirect can compare signatures across modules) and the host call
// stubs, one per signature.
type compilerEngine struct {
	cfg    Config
	feat   amd64.Features // what the generated code may use
	layout vm.Layout      // of every memory bound to this engine's code
	guard  bool           // guard-page mode: the signal handler is installed
	epoch  bool           // polls compare the epoch (frontend.Env.EpochPolls)

	mu        sync.Mutex
	typeIDs   map[string]uint32
	stubs     map[uint32]uintptr // host call stub per type id
	stubCodes []*vm.Code         // keeps the stubs mapped for the engine's life
	// descs caches descFields by signature key (a hostDesc each), read
	// without the lock: every store binding host functions asks.
	descs sync.Map

	// stacks lends native stacks to running calls.
	stacks *pool.Stacks
	// slots, when set, holds every memory 0, each at most slotLimit pages.
	slots     *pool.Slots
	slotLimit uint32
	// dead is what closed instances' code addresses in guard-page mode
	// (close.go).
	dead *vm.Memory
	// faultSeen, when set (by tests), is told of every hardware fault
	// the engine's runs turn into a trap.
	faultSeen func(*vm.Fault)
}

// typeID is the engine-wide id of function type ft.
func (e *compilerEngine) typeID(ft *wasm.FuncType) uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.typeIDLocked(ft)
}

func (e *compilerEngine) typeIDLocked(ft *wasm.FuncType) uint32 {
	k := ft.Key()
	id, ok := e.typeIDs[k]
	if !ok {
		id = uint32(len(e.typeIDs))
		e.typeIDs[k] = id
	}
	return id
}

// typeIDsOf lists the canonical ids of m's types, by type index.
func (e *compilerEngine) typeIDsOf(m *wasm.Module) []uint32 {
	ids := make([]uint32, len(m.Types))
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range m.Types {
		ids[i] = e.typeIDLocked(&m.Types[i].Func)
	}
	return ids
}

// descFields are the fields of a descriptor of a host function of type
// ft: its canonical type id and its host call stub. A signature the stub
// cannot carry (v128) gets none: compiled code never calls such a
// function, since the type check of call_indirect fails first.
func (e *compilerEngine) descFields(ft *wasm.FuncType) (uint32, uintptr) {
	k := ft.Key()
	if d, ok := e.descs.Load(k); ok {
		hd := d.(*hostDesc)
		return hd.typeID, hd.stub
	}
	stub, _ := e.hostStub(ft)
	hd := &hostDesc{typeID: e.typeID(ft), stub: stub}
	e.descs.Store(k, hd)
	return hd.typeID, hd.stub
}

// hostDesc is what descFields answers for one signature.
type hostDesc struct {
	typeID uint32
	stub   uintptr
}

// hostStub returns the address of the host call stub for ft's signature.
func (e *compilerEngine) hostStub(ft *wasm.FuncType) (uintptr, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.typeIDLocked(ft)
	if a, ok := e.stubs[id]; ok {
		return a, nil
	}
	sig, err := ssaSignature(ft)
	if err != nil {
		return 0, err
	}
	sig.Params = append(sig.Params, ssa.I64)
	code, err := amd64.HostCallStub(sig)
	if err != nil {
		return 0, err
	}
	c, err := mapGenerated(code)
	if err != nil {
		return 0, err
	}
	e.stubCodes = append(e.stubCodes, c)
	e.stubs[id] = c.Addr()
	return c.Addr(), nil
}

// MemoryLayout is the layout of every memory bound to this engine's code,
// and whether the engine uses guard pages (the signal handler).
func (e *compilerEngine) MemoryLayout() (vm.Layout, bool) { return e.layout, e.guard }

// mapGenerated maps generated code and registers it with the signal
// handler (allowFaults).
func mapGenerated(code []byte) (*vm.Code, error) {
	c, err := vm.MapCode(code)
	if err != nil {
		return nil, err
	}
	if err := allowFaults(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// allowFaults registers sealed generated code, linked here or loaded from
// an artifact, with the signal handler (where there is one), so that a
// fault in it is reported as moat's: a trap from a guard page or a stack
// guard, or a loud crash. Closing the code unregisters it.
func allowFaults(c *vm.Code) error {
	if !vm.FaultTrapsSupported {
		return nil
	}
	return c.AllowFaults()
}

// frontendEnv is what the frontend needs of this engine: code-affecting
// settings, each one recorded in artifacts (codeSettings), and the work
// budget, which decides only whether a function compiles.
func (e *compilerEngine) frontendEnv() *frontend.Env {
	return &frontend.Env{Unchecked: e.layout.Unchecked(), PollEveryEntry: e.cfg.ConsumeFuel, EpochPolls: e.epoch, MaxWork: max(e.cfg.MaxFuncWork, 0), MaxSize: max(e.cfg.MaxFuncSize, 0)}
}

// NewStore makes a store whose funcrefs are this engine's function
// descriptors, metered when the engine consumes fuel.
func (e *compilerEngine) NewStore() *vm.Store {
	r := &storeRefs{eng: e}
	s := &r.store
	s.InitWithRefs(r)
	if e.cfg.ConsumeFuel {
		s.Fuel.Enable()
	}
	return s
}

// RecycleStore empties s, a store NewStore made and Release released,
// for the engine's next store (engine.StoreRecycler): its descriptor slab
// and block list storage serve again.
func (e *compilerEngine) RecycleStore(s *vm.Store) {
	r := s.RefCodec().(*storeRefs)
	// The first slab's storage and the tail call's arguments' stay,
	// emptied: nothing of the released store's functions stays reachable
	// from them.
	rare := r.rare
	if rare != nil {
		first := rare.first[0]
		clear(first.funcs[:cap(first.funcs)])
		first.funcs = first.funcs[:0]
		clear(rare.blocks[:cap(rare.blocks)])
		*rare = storeRare{first: [1]descSlab{first}, pending: pendingCall{args: rare.pending.args[:0]}, blocks: rare.blocks[:0]}
	}
	lane := r.store.Lane // kept, emptied (vm.Store.Reset)
	*r = storeRefs{eng: e, rare: rare}
	r.store.InitWithRefs(r)
	r.store.Lane = lane
	r.store.Reset()
	if e.cfg.ConsumeFuel {
		r.store.Fuel.Enable()
	}
}

// ssaSignature is (ctx i64, params...) -> results.
func ssaSignature(ft *wasm.FuncType) (ssa.Signature, error) {
	sig := ssa.Signature{Params: []ssa.Type{ssa.I64}}
	for _, p := range ft.Params {
		t, err := ssaType(p)
		if err != nil {
			return sig, err
		}
		sig.Params = append(sig.Params, t)
	}
	for _, r := range ft.Results {
		t, err := ssaType(r)
		if err != nil {
			return sig, err
		}
		sig.Results = append(sig.Results, t)
	}
	return sig, nil
}

func ssaType(t wasm.ValType) (ssa.Type, error) {
	if t.IsRef() {
		return ssa.I64, nil // every reference is a word
	}
	switch t {
	case wasm.I32:
		return ssa.I32, nil
	case wasm.I64:
		return ssa.I64, nil
	case wasm.F32:
		return ssa.F32, nil
	case wasm.F64:
		return ssa.F64, nil
	case wasm.V128:
		return ssa.V128, nil
	}
	return 0, fmt.Errorf("compiler: unknown value type %v", t)
}

// Compile translates, optimizes and compiles every function of m in
// parallel, then links them.
func (e *compilerEngine) Compile(m *wasm.Module) (engine.Code, error) {
	if err := checkFeatures(m); err != nil {
		return nil, err
	}
	return e.compile(m, nil)
}

// CompileValidating is Compile for a module whose bodies are still to be
// validated (engine.BodyValidating): each worker validates a body as it
// translates it. When the module is invalid, the error is the one
// validating it before compiling would have given, whatever stopped the
// compile (d.Check tells, after a failure of any kind).
func (e *compilerEngine) CompileValidating(m *wasm.Module, d *validate.Deferred) (engine.Code, error) {
	c, err := e.compile(m, d)
	if err != nil {
		if verr := d.Check(); verr != nil {
			return nil, verr
		}
		return nil, err
	}
	d.Finish()
	if err := checkFeatures(m); err != nil {
		return nil, err
	}
	return c, nil
}

// compile compiles every function of m, validating each body with d's
// validators unless d is nil.
func (e *compilerEngine) compile(m *wasm.Module, d *validate.Deferred) (c engine.Code, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("compiler: internal error compiling module: %v", r)
		}
	}()
	if len(m.Code) != len(m.Funcs) {
		return nil, fmt.Errorf("compiler: %d function bodies for %d functions", len(m.Code), len(m.Funcs))
	}
	env := e.frontendEnv()
	var deadline time.Time
	if e.cfg.CompileTimeout > 0 {
		deadline = time.Now().Add(e.cfg.CompileTimeout)
	}
	var failed atomic.Bool // a function failed: the others need not be compiled
	compiled := make([]compiledFunc, len(m.Funcs))
	errs := make([]error, len(m.Funcs))
	order := largestFirst(m.Code)
	var next sync.Mutex
	nextFn := 0
	workers := min(runtime.GOMAXPROCS(0), max(len(m.Funcs), 1))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := takeWorkerMemory()
			defer keepWorkerMemory(w)
			var check *validate.FuncValidator
			if d != nil {
				check = d.Func()
				defer check.Done()
			}
			for {
				next.Lock()
				k := nextFn
				nextFn++
				next.Unlock()
				if k >= len(order) || failed.Load() {
					return
				}
				i := order[k]
				idx := m.NumImportedFuncs + uint32(i)
				if !deadline.IsZero() && time.Now().After(deadline) {
					errs[i] = &LimitError{Func: idx, Msg: fmt.Sprintf("compile budget exceeded: compiling took longer than %v (Config.CompileBudget.Timeout)", e.cfg.CompileTimeout)}
					failed.Store(true)
					return
				}
				w.reserve(len(m.Code[i].Body))
				compiled[i], errs[i] = compileFunc(m, idx, env, &w.tr, check, w.sc, e.feat, e.guard)
				if errs[i] != nil {
					if le := limitError(idx, errs[i], e.cfg.MaxFuncWork, e.cfg.MaxFuncSize); le != nil {
						errs[i] = le
					}
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return link(e, m, e.typeIDsOf(m), compiled)
}

// largestFirst lists the body indices by decreasing size (ties in index
// order). Handing the largest bodies out first keeps one big function
// compiled last from leaving the other workers idle (base64's printf_core
// is a third of its code and comes near the end).
func largestFirst(code []wasm.Code) []int {
	order := make([]int, len(code))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(code[b].Body) - len(code[a].Body) })
	return order
}

// compiledFunc is one function's machine code and its exception handlers
// (which the code's landings name by index).
type compiledFunc struct {
	*amd64.Compiled
	handlers []frontend.Handler
}

// compileFunc runs the pipeline on one function, turning a panic (a
// compiler bug) into an error.
func compileFunc(m *wasm.Module, idx uint32, env *frontend.Env, tr *frontend.Translator, check *validate.FuncValidator, sc *amd64.Scratch, feat amd64.Features, guard bool) (c compiledFunc, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = compiledFunc{}, fmt.Errorf("compiler: internal error compiling function %d: %v", idx, r)
		}
	}()
	f, err := tr.TranslateValidating(m, idx, env, check)
	if err != nil {
		return c, err
	}
	c.handlers = tr.Handlers()
	frontend.Optimize(f, env)
	// With the signal handler, unreachable is a ud2 (see docs/signals.md).
	c.Compiled, err = amd64.Compile(f, amd64.Options{SharedPollStub: true, Scratch: sc, Features: feat, FaultingUnreachable: guard, MaxLiveEntries: int(env.MaxWork)})
	if err != nil {
		return c, fmt.Errorf("compiler: function %d: %w", idx, err)
	}
	return c, nil
}
