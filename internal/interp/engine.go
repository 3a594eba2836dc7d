package interp

import (
	"context"
	"fmt"
	"github.com/moat-run/moat/internal/pool"

	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Config bounds execution. Zero fields take the defaults.
type Config struct {
	// MaxCallDepth bounds the wasm call depth, counted across host
	// re-entry; default 100,000.
	MaxCallDepth int
	// MaxStackBytes bounds the stack the wasm frames of a call chain may
	// use, counted across host re-entry and charged as FrameOverheadBytes
	// per frame plus 8 bytes per value-stack slot; default
	// vm.DefaultStackLimit.
	MaxStackBytes int
	// ConsumeFuel makes every store of the engine meter execution with
	// fuel (vm.Fuel; poll.go says what a unit is).
	ConsumeFuel bool
	// Slots, when set, holds every instance's 32-bit memory 0 (a pool of
	// slots: pool.NewCheckedSlots), each of at most SlotPages pages
	// (memory.go).
	Slots     *pool.Slots
	SlotPages uint32
	// MaxFuncSize caps, per function, the translated code's size
	// (translator.size), checked after each instruction as the code
	// grows: a function past it fails with a *LimitError, after memory
	// proportional to the cap. 0: DefaultMaxFuncSize; negative: no cap.
	MaxFuncSize int64
}

// FrameOverheadBytes is what each wasm frame is charged against
// Config.MaxStackBytes on top of its value-stack slots (its parameters,
// locals and deepest operand stack, 8 bytes each, v128 16): the frame
// record that resumes its caller (24 bytes) rounded to 32, which is also
// what a compiled frame that makes calls spends on its return address,
// saved frame pointer and call-depth slot. So a recursion exhausts a given
// limit at a depth of the same order on both engines.
const FrameOverheadBytes = 32

// frameOverheadSlots is FrameOverheadBytes in value-stack slots.
const frameOverheadSlots = FrameOverheadBytes / 8

const (
	defaultMaxCallDepth = 100_000
	initialStackSlots   = 1 << 10
)

// New returns the interpreter engine.
func New(cfg Config) engine.Engine {
	if cfg.MaxCallDepth <= 0 {
		cfg.MaxCallDepth = defaultMaxCallDepth
	}
	if cfg.MaxStackBytes <= 0 {
		cfg.MaxStackBytes = vm.DefaultStackLimit
	}
	if cfg.MaxFuncSize == 0 {
		cfg.MaxFuncSize = DefaultMaxFuncSize
	}
	e := &interpEngine{cfg: cfg}
	e.exec = &executor{cfg: cfg}
	e.exec.pool.New = func() any { return &machine{exec: e.exec} }
	return e
}

type interpEngine struct {
	cfg  Config
	exec *executor
}

// NewStore makes a store for this engine's instances, metered when the
// engine consumes fuel.
func (e *interpEngine) NewStore() *vm.Store {
	s := vm.NewStore()
	if e.cfg.ConsumeFuel {
		s.Fuel.Enable()
	}
	return s
}

// RecycleStore empties s, a store NewStore made and Release released, for
// the engine's next store (engine.StoreRecycler).
func (e *interpEngine) RecycleStore(s *vm.Store) {
	s.Reset()
	if e.cfg.ConsumeFuel {
		s.Fuel.Enable()
	}
}

// funcCode is the translated form of one function body, shared by all
// instances of its module.
type funcCode struct {
	typ         *wasm.FuncType
	index       uint32 // function index in the module
	instrs      []instr
	offsets     []int32 // module-binary offset of each instruction, read only on trap
	bodyOffset  int32   // module-binary offset of the body's first byte
	brTables    []uint32
	consts      []uint64
	handlers    []handler     // try_table regions, innermost first
	catches     []catchTarget // their clauses
	memOps      []memAccess   // accesses to memories other than a 32-bit memory 0
	casts       []castDesc    // what each ref.test, ref.cast and br_on_cast checks
	paramSlots  int
	localSlots  int // parameters and declared locals
	frameSize   int // localSlots + the deepest operand stack
	resultSlots int
}

// moduleCode is the engine.Code of a module.
type moduleCode struct {
	exec  *executor
	m     *wasm.Module
	funcs []*funcCode
	// slots and slotPages are the engine's pool (Config.Slots); image is
	// memory 0's data, built once for the instances taking slots.
	slots     *pool.Slots
	slotPages uint32
	image     pool.LazyImage
}

// Compile translates every function body of the validated module m.
func (e *interpEngine) Compile(m *wasm.Module) (c engine.Code, err error) {
	defer func() {
		// The module is validated, so a panic here is a translator bug; report
		// it as an error rather than take the host down.
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("interp: internal error translating module: %v", r)
		}
	}()
	if len(m.Code) != len(m.Funcs) {
		return nil, fmt.Errorf("interp: %d function bodies for %d functions", len(m.Code), len(m.Funcs))
	}
	mc := &moduleCode{exec: e.exec, m: m, funcs: make([]*funcCode, len(m.Funcs)), slots: e.cfg.Slots, slotPages: e.cfg.SlotPages}
	t := newTranslator(m)
	t.maxSize = max(e.cfg.MaxFuncSize, 0)
	for i := range m.Funcs {
		idx := m.NumImportedFuncs + uint32(i)
		fc, err := t.translate(idx, &m.Types[m.Funcs[i]].Func, &m.Code[i])
		if err != nil {
			return nil, err
		}
		mc.funcs[i] = fc
	}
	return mc, nil
}

// instState is the per-instance view the interpreter runs against.
type instState struct {
	inst     *vm.Instance
	store    *vm.Store
	funcs    []*vm.Function
	bound    []*boundFunc // per function index: the callee when it is wasm code of this engine, else nil
	module   *wasm.Module
	mem      *vm.Memory   // memory 0, or an empty placeholder
	mems     []*vm.Memory // every memory, imports first
	globals  []*vm.Global
	tables   []*vm.Table
	tags     []*vm.Tag
	funcRefs []uint64 // per function index, its funcref
	exec     *executor
	gcTypes  []uint32 // per type index, the store's GC type id (vm.Instance.GCTypes)
}

// Call runs one of the instance's functions (vm.Executor).
func (st *instState) Call(ctx context.Context, f *vm.Function, stack []uint64) error {
	return st.exec.Call(ctx, f, stack)
}

// boundFunc is a defined function of one instance: vm.Function.Code.
type boundFunc struct {
	code *funcCode
	st   *instState
	fn   *vm.Function
	idx  uint32 // its function index: st.bound[idx] is this
}

var noMemory = &vm.Memory{}

// Bind attaches the code to inst's defined functions and sets inst.Engine,
// the instance's state, which runs them (vm.Instance.Exec).
func (mc *moduleCode) Bind(inst *vm.Instance) error {
	m := mc.m
	if uint32(len(inst.Funcs)) != m.NumFuncs() {
		return fmt.Errorf("interp: instance has %d functions, module %d", len(inst.Funcs), m.NumFuncs())
	}
	st := &instState{
		inst:    inst,
		store:   inst.Store,
		funcs:   inst.Funcs,
		bound:   make([]*boundFunc, len(inst.Funcs)),
		module:  m,
		mem:     noMemory,
		mems:    inst.Memories,
		globals: inst.Globals,
		tables:  inst.Tables,
		tags:    inst.Tags(),
		gcTypes: inst.GCTypes(),
	}
	if len(inst.Memories) > 0 {
		st.mem = inst.Memories[0]
	}
	for i, fc := range mc.funcs {
		f := inst.Funcs[m.NumImportedFuncs+uint32(i)]
		bf := &boundFunc{code: fc, st: st, fn: f, idx: m.NumImportedFuncs + uint32(i)}
		f.Code = bf
	}
	for i, f := range inst.Funcs {
		if f == nil {
			return fmt.Errorf("interp: function %d is not resolved", i)
		}
		if bf, ok := f.Code.(*boundFunc); ok && f.Host == nil {
			st.bound[i] = bf
		}
	}
	// Registering every function up front keeps ref.func allocation-free and
	// race-free at run time; registration is idempotent.
	st.funcRefs = make([]uint64, len(inst.Funcs))
	if st.store != nil {
		for i, f := range inst.Funcs {
			r, err := st.store.Ref(f)
			if err != nil {
				return fmt.Errorf("interp: function %d: %w", i, err)
			}
			st.funcRefs[i] = r
		}
	}
	st.exec = mc.exec
	inst.Engine = st
	return nil
}
