package moat

import (
	"context"
	"fmt"
	"sync"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Linker holds named definitions that instances import. Host functions
// defined with DefineFunc and DefineHostFunc are not tied to a store: they
// are bound into each store the first time a module there imports them.
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
	name string // "module.name", for backtraces
	typ  FuncType
	fn   HostFunc

	// it is typ in the model's form and adapted fn in the runtime's, made
	// once for every store (prepare).
	once    sync.Once
	it      *wasm.FuncType
	adapted vm.HostFunc
}

// prepare makes the function's type and runtime form, once.
func (h *hostDef) prepare() {
	h.once.Do(func() {
		h.it = h.typ.internal()
		h.adapted = adaptHost(h.name, h.it, h.fn)
	})
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
	t, h, err := typedFunc(fn)
	if err != nil {
		return err
	}
	l.define(module, name, definition{host: &hostDef{name: module + "." + name, typ: t, fn: h}})
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
	l.define(module, name, definition{host: &hostDef{name: module + "." + name, typ: t, fn: fn}})
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
	for _, ex := range inst.vmInst().Module.Exports {
		l.define(name, ex.Name, definition{ext: externOf(inst.store, inst.vmInst(), ex)})
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
	funcs   []*vm.Function
	tables  []*vm.Table
	mems    []*vm.Memory
	globals []*vm.Global
	tags    []*vm.Tag
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

// bindHost returns the store's function for a linker host function, making
// it on first use.
func (s *storeState) bindHost(h *hostDef) *Func {
	fn := s.bindHostFunc(h, 1)
	return &Func{store: s.ref(), fn: fn, typ: fn.Type}
}

// boundHost is a linker host function bound into a store.
type boundHost struct {
	def *hostDef
	fn  vm.Function
}

// maxScannedHosts is how many bound host functions a store finds by
// scanning before it indexes them.
const maxScannedHosts = 32

// hostFunc is the store's function for h, or nil when h is not bound.
func (s *storeState) hostFunc(h *hostDef) *vm.Function {
	if s.hostIndex != nil {
		return s.hostIndex[h]
	}
	if s.nHosts == 0 {
		return nil // hostChunk holds a closed store's until recycled
	}
	for i := range s.hostChunk {
		if s.hostChunk[i].def == h {
			return &s.hostChunk[i].fn
		}
	}
	for _, c := range s.moreHosts {
		for i := range c {
			if c[i].def == h {
				return &c[i].fn
			}
		}
	}
	return nil
}

// bindHostFunc is bindHost without the public wrapper. room is how many
// host functions a new chunk has room for (an instantiation binds all of
// its host functions in one allocation).
func (s *storeState) bindHostFunc(h *hostDef, room int) *vm.Function {
	if f := s.hostFunc(h); f != nil {
		return f
	}
	h.prepare()
	// The chunk to append to: the first, kept from one store to the next
	// when large enough, then new ones. A full chunk is never appended
	// to: its functions must not move.
	var c *[]boundHost
	switch n := len(s.moreHosts); {
	case s.nHosts == 0:
		s.vs.ReserveHostFuncs(room)
		if cap(s.hostChunk) < room {
			s.hostChunk = make([]boundHost, 0, max(room, 1))
		}
		s.hostChunk = s.hostChunk[:0]
		c = &s.hostChunk
	case n == 0 && len(s.hostChunk) < cap(s.hostChunk):
		c = &s.hostChunk
	case n > 0 && len(s.moreHosts[n-1]) < cap(s.moreHosts[n-1]):
		c = &s.moreHosts[n-1]
	default:
		s.moreHosts = append(s.moreHosts, make([]boundHost, 0, max(room, 1)))
		c = &s.moreHosts[n]
	}
	*c = append(*c, boundHost{def: h, fn: vm.Function{Type: h.it, Host: h.adapted, Name: h.name}})
	f := &(*c)[len(*c)-1].fn
	s.vs.Ref(f) // a new function: cannot belong to another store
	s.nHosts++
	switch {
	case s.hostIndex != nil:
		s.hostIndex[h] = f
	case s.nHosts > maxScannedHosts:
		s.hostIndex = make(map[*hostDef]*vm.Function, 2*s.nHosts)
		for i := range s.hostChunk {
			s.hostIndex[s.hostChunk[i].def] = &s.hostChunk[i].fn
		}
		for _, c := range s.moreHosts {
			for i := range c {
				s.hostIndex[c[i].def] = &c[i].fn
			}
		}
	}
	return f
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
		want, have := wi.Table, e.tab.Type
		have.Limits.Min = uint64(e.tab.Size()) // a table's current size is its effective minimum
		if want.Is64 != have.Is64 || !wasm.ValEquiv(have.Elem, e.tab.Module, want.Elem, m) ||
			!limitsMatch(fromLimits(have.Limits), fromLimits(want.Limits)) {
			return incompatible("want %s, got %s", im.Type, fromTableType(have))
		}
	case *Memory:
		want, have := wi.Memory, e.mem.Type
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
