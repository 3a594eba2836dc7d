package moat

import (
	"context"
	"fmt"
	"sync"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/hostlib"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Linker holds named definitions that instances import. Host functions
// defined with DefineFunc and DefineHostFunc are not tied to a store: each
// is bound once, the first time a module imports it, and that one function
// serves every store (Wasmtime's host functions of a Linker): a call finds
// the store it runs in through its Caller, so no store holds anything per
// host function.
// Externs from a store (Define, DefineInstance) can only satisfy imports of
// modules instantiated in that same store.
//
// A Linker is safe for concurrent use, so one linker set up at start can
// serve many stores. A later definition of the same module and name replaces
// the earlier one.
type Linker struct {
	engine *Engine
	mu     sync.RWMutex
	defs   map[linkName]definition
}

type linkName struct{ module, name string }

// definition is either a store-independent host function or a store's extern.
type definition struct {
	host *hostDef
	ext  Extern
}

type hostDef struct {
	engine *Engine
	name   string // "module.name", for backtraces
	typ    FuncType
	fn     HostFunc
	lib    hostlib.Func // instead of fn, for a library function (hostlib.go)
	// noCaller: fn ignores its Caller (a typed function that takes none),
	// so none is made for its calls.
	noCaller bool

	// it is typ in the model's form and bound the function in the
	// runtime's, made once for every store (prepare).
	once  sync.Once
	it    *wasm.FuncType
	bound *sharedHost
}

// sharedHost is a linker host function bound for every store of its
// engine: its function and the compiler's descriptor of it (the word
// every store's code calls it through), in one allocation that lives as
// long as the definition or an instance importing it (vm.Share).
type sharedHost struct {
	fn   vm.Function // first: vm.Share's weak reference is to the allocation
	desc [abi.FuncDescSize / 8]uint64
}

// prepare makes the function's type and runtime form, once.
func (h *hostDef) prepare() {
	h.once.Do(func() {
		h.it = h.typ.internal()
		var adapted vm.HostFunc
		if h.lib != nil {
			adapted = adaptLib(h.name, h.lib)
		} else {
			adapted = adaptHost(h.name, h.it, h.fn, !h.noCaller)
		}
		b := &sharedHost{fn: vm.Function{Type: h.it, Host: adapted, Code: vm.HostName(h.name)}}
		word, domain := vm.NextSharedWord(), any(nil)
		if hs, ok := h.engine.impl.(engine.HostSharer); ok {
			word, domain = hs.ShareHost(&b.fn, b.desc[:]), hs.ShareDomain()
		}
		vm.Share(&b.fn, word, domain)
		h.bound = b
	})
}

// function is the function every store's instances import for h.
func (h *hostDef) function() *vm.Function {
	h.prepare()
	return &h.bound.fn
}

// internal is the function's type in the model's form.
func (h *hostDef) internal() *wasm.FuncType {
	h.prepare()
	return h.it
}

// NewLinker makes an empty linker for engine e.
func NewLinker(e *Engine) *Linker {
	return &Linker{engine: e, defs: make(map[linkName]definition)}
}

func (l *Linker) define(module, name string, d definition) {
	l.mu.Lock()
	l.defs[linkName{module, name}] = d
	l.mu.Unlock()
}

// DefineFunc defines a typed Go function. Its parameters and results may be
// int32, uint32 (both i32), int64, uint64 (i64), float32 and float64; it may
// take a context.Context and then a *Caller first, and return an error last.
//
// The function's shape is inspected once, here. The common shapes are
// called without reflection, as cheaply as a DefineHostFunc function and
// without allocating: up to four parameters all of one of those types,
// returning nothing, a value of that type or (for int32 and uint32
// parameters) of the other 32-bit integer type, with or without the context,
// the Caller and the error (for example func(uint32) uint32, func(*Caller,
// uint32, uint32), func(context.Context, *Caller, int32) (int32, error)).
// Other shapes — mixed parameter types, several results, named types such
// as `type fd int32` — go through reflection, which costs a few hundred
// nanoseconds and several allocations per call.
func (l *Linker) DefineFunc(module, name string, fn any) error {
	t, h, withCaller, err := typedFunc(fn)
	if err != nil {
		return err
	}
	l.define(module, name, definition{host: &hostDef{engine: l.engine, name: module + "." + name, typ: t, fn: h, noCaller: !withCaller}})
	return nil
}

// DefineHostFunc defines a function in the fast form: fn reads its
// parameters from and writes its results to stack, with no reflection.
func (l *Linker) DefineHostFunc(module, name string, t FuncType, fn HostFunc) error {
	if fn == nil {
		return fmt.Errorf("moat: DefineHostFunc %s.%s: nil function", module, name)
	}
	if err := checkFuncType(t); err != nil {
		return err
	}
	t = FuncType{Params: append([]ValueType(nil), t.Params...), Results: append([]ValueType(nil), t.Results...)}
	l.define(module, name, definition{host: &hostDef{engine: l.engine, name: module + "." + name, typ: t, fn: fn}})
	return nil
}

// Define defines an extern that belongs to a store: a *Func, *Memory,
// *Table, *Global or *Tag created there or exported by one of its
// instances.
func (l *Linker) Define(module, name string, ext Extern) error {
	if ext == nil || ext.owner().storeState == nil {
		return fmt.Errorf("moat: Define %s.%s: nil extern", module, name)
	}
	l.define(module, name, definition{ext: ext})
	return nil
}

// DefineInstance defines every export of inst under the module name.
func (l *Linker) DefineInstance(name string, inst *Instance) error {
	if inst == nil {
		return fmt.Errorf("moat: DefineInstance %s: nil instance", name)
	}
	// The instance's state is its store's only while the store is open:
	// looked at under its mark, or pinned while another goroutine's call
	// holds that (see Instance.Export).
	marked := false
	switch err := inst.store.enter(); {
	case err == nil:
		defer inst.store.leave()
		marked = true
	case err == ErrStoreBusy && inst.store.pin():
		defer inst.store.unpin()
	default:
		return fmt.Errorf("moat: DefineInstance %s: %w", name, ErrClosed)
	}
	for _, ex := range inst.mod().m.Exports {
		l.define(name, ex.Name, definition{ext: externOf(inst.store, inst.state, ex, marked)})
	}
	return nil
}

// Instantiate resolves m's imports from l's definitions and instantiates m
// in store. A nil linker resolves nothing (for modules without imports).
// It fails with a *LinkError when an import is missing or has the wrong
// type, and with a *Trap when applying a segment or the start function
// traps (segments applied before the trap stay applied, as the spec says).
// Like a call, it fails with ErrStoreBusy while another goroutine has a
// call running in store, and with ErrClosed once store is closed.
func (l *Linker) Instantiate(ctx context.Context, store *Store, m *Module) (inst *Instance, err error) {
	if store == nil || m == nil {
		return nil, fmt.Errorf("moat: Instantiate needs a store and a module")
	}
	if m.engine != store.engine {
		return nil, fmt.Errorf("moat: module and store come from different engines")
	}
	if l != nil && l.engine != store.engine {
		return nil, fmt.Errorf("moat: linker and store come from different engines")
	}
	if err := store.enter(); err != nil {
		return nil, err
	}
	defer store.leave()
	if store.closed {
		return nil, ErrClosed
	}
	imports, err := l.resolve(store.storeState, m)
	if err != nil {
		return nil, err
	}
	room := store.instanceRoom()
	inst, err = instantiate(ctx, store.storeState, m, imports, m.takeInstance(), room)
	if err != nil {
		store.failed(room)
	}
	return inst, err
}

// resolved holds the externs matched to a module's imports, by kind, in
// index-space order.
type resolved struct {
	funcs []*vm.Function
	// funcsShared: funcs is an InstancePre's list of host functions,
	// shared by its instances (vm.Instance.FuncsShared).
	funcsShared bool
	tables      []*vm.Table
	mems        []*vm.Memory
	globals     []*vm.Global
	tags        []*vm.Tag
}

func (l *Linker) lookup(module, name string) (definition, bool) {
	if l == nil {
		return definition{}, false
	}
	l.mu.RLock()
	d, ok := l.defs[linkName{module, name}]
	l.mu.RUnlock()
	return d, ok
}

func (l *Linker) resolve(s *storeState, mod *Module) (*resolved, error) {
	r := &resolved{}
	for i, im := range mod.imports {
		d, ok := l.lookup(im.Module, im.Name)
		if !ok {
			return nil, &LinkError{Module: im.Module, Name: im.Name, Reason: "unknown import"}
		}
		var ext Extern
		if d.host != nil {
			ext = s.bindHost(d.host)
		} else {
			ext = d.ext
			if ext.owner() != s.ref() {
				return nil, &LinkError{Module: im.Module, Name: im.Name, Reason: "the definition belongs to another store"}
			}
		}
		if err := matchImport(mod.m, &mod.m.Imports[i], im, ext); err != nil {
			return nil, err
		}
		if err := r.add(i, ext); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// bindHost is the store's handle of a linker host function: the one
// function every store shares.
func (s *storeState) bindHost(h *hostDef) *Func {
	fn := h.function()
	return &Func{store: s.ref(), fn: fn, typ: fn.Type}
}

// matchImport applies the spec's import matching rules to the import wi of
// module m (public form im) and the extern offered. Types are compared as
// types of their own modules: a function must be a subtype of the
// import's type, an immutable global's type a subtype, a mutable global's
// and a table's element type equivalent, a tag's type equivalent.
func matchImport(m *wasm.Module, wi *wasm.Import, im ImportType, ext Extern) error {
	incompatible := func(format string, args ...any) error {
		return &LinkError{Module: im.Module, Name: im.Name,
			Reason: "incompatible import type: " + fmt.Sprintf(format, args...)}
	}
	got := ext.ExternType()
	if got.Kind() != im.Type.Kind() {
		return incompatible("want %s, got %s", im.Type, got)
	}
	switch e := ext.(type) {
	case *Func:
		if want := m.FuncType(wi.Func); !e.fn.Type.SubtypeOf(want) {
			return incompatible("want %s, got %s", im.Type, got)
		}
	case *Table:
		want, have := wi.Table, *e.tab.Type
		have.Limits.Min = uint64(e.tab.Size()) // a table's current size is its effective minimum
		if want.Is64 != have.Is64 || !wasm.ValEquiv(have.Elem, e.tab.Module, want.Elem, m) ||
			!limitsMatch(fromLimits(have.Limits), fromLimits(want.Limits)) {
			return incompatible("want %s, got %s", im.Type, fromTableType(have))
		}
	case *Memory:
		want, have := wi.Memory, *e.mem.Type
		have.Limits.Min = uint64(e.mem.Pages())
		if want.Is64 != have.Is64 || !limitsMatch(fromLimits(have.Limits), fromLimits(want.Limits)) {
			return incompatible("want %s, got %s", im.Type, fromMemoryType(have))
		}
	case *Global:
		want, have := wi.Global, e.g.Type
		ok := want.Mutable == have.Mutable && wasm.ValMatch(have.Val, e.g.Module, want.Val, m)
		if ok && want.Mutable {
			ok = wasm.ValMatch(want.Val, m, have.Val, e.g.Module)
		}
		if !ok {
			return incompatible("want %s, got %s", im.Type, got)
		}
	case *Tag:
		if want := m.FuncType(wi.Tag.Type); want == nil || e.tag.Type.Key() != want.Key() {
			return incompatible("want %s, got %s", im.Type, got)
		}
	}
	return nil
}

// limitsMatch is the spec's subtyping on limits: got fits in want.
func limitsMatch(got, want Limits) bool {
	if got.Min < want.Min {
		return false
	}
	if want.HasMax {
		return got.HasMax && got.Max <= want.Max
	}
	return true
}
