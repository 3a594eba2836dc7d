package moat

import (
	"context"
	"fmt"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// InstancePre is a module whose imports a linker has resolved and
// type-checked once (Wasmtime's InstancePre), so that instantiating it in a
// store — once per request in a server — skips the name lookups and the
// type checks of host functions, whose one bound form serves every store
// (see Linker): it takes the memory (with the module's data already mapped in, see
// README "Instances at scale"), sets up globals and tables and runs the
// start function.
//
// An InstancePre is immutable and safe for concurrent use. It keeps the
// definitions the linker had when Prepare ran: later changes to the linker
// do not affect it.
type InstancePre struct {
	engine *Engine
	mod    *Module
	// defs holds the definition of each import, in import order.
	defs []definition
	// hostFuncs is the imported functions' list when every import is a
	// linker's host function, whose one bound form serves every store:
	// the same for every instance, which shares it (read only,
	// vm.Instance.FuncsShared) rather than keeping a copy.
	hostFuncs []*vm.Function
}

// Prepare resolves m's imports against l's definitions now and returns what
// instantiates m quickly. It fails with a *LinkError when an import is
// missing or a host function has the wrong type. Imports defined by a
// store's externs (Define, DefineInstance) are checked again when
// instantiating, in that store only: their types can change (a table or
// memory grows). A nil linker prepares a module without imports.
func (l *Linker) Prepare(m *Module) (*InstancePre, error) {
	if m == nil {
		return nil, fmt.Errorf("moat: Prepare needs a module")
	}
	if l != nil && l.engine != m.engine {
		return nil, fmt.Errorf("moat: linker and module come from different engines")
	}
	p := &InstancePre{engine: m.engine, mod: m, defs: make([]definition, len(m.imports))}
	for i, im := range m.imports {
		d, ok := l.lookup(im.Module, im.Name)
		if !ok {
			return nil, &LinkError{Module: im.Module, Name: im.Name, Reason: "unknown import"}
		}
		if d.host != nil {
			if err := matchHost(m.m, &m.m.Imports[i], im, d.host); err != nil {
				return nil, err
			}
		}
		p.defs[i] = d
	}
	allHost := len(p.defs) > 0
	for _, d := range p.defs {
		if d.host != nil {
			d.host.prepare() // bound now, for every instance
		}
		allHost = allHost && d.host != nil
	}
	if allHost {
		p.hostFuncs = make([]*vm.Function, len(p.defs))
		for i, d := range p.defs {
			p.hostFuncs[i] = d.host.function()
		}
	}
	return p, nil
}

// Module returns the prepared module.
func (p *InstancePre) Module() *Module { return p.mod }

// Instantiate makes an instance of the prepared module in store, as
// Linker.Instantiate does (same errors, same traps).
func (p *InstancePre) Instantiate(ctx context.Context, store *Store) (*Instance, error) {
	if store == nil {
		return nil, fmt.Errorf("moat: Instantiate needs a store")
	}
	if p.engine != store.engine {
		return nil, fmt.Errorf("moat: module and store come from different engines")
	}
	if err := store.enter(); err != nil {
		return nil, err
	}
	defer store.leave()
	if store.closed {
		return nil, ErrClosed
	}
	var r resolved
	mod := p.mod
	both := mod.takeInstance()
	if p.hostFuncs != nil {
		r.funcs, r.funcsShared = p.hostFuncs, true
	} else if len(p.defs) > 0 {
		// The imported functions' list is the instance's: kept in its
		// state from one instance to the next. The first defined
		// function asked for is kept apart (vm.Instance.FuncIn); a
		// second one extends the list to the whole index space, which
		// the state then keeps.
		if cap(both.inst.FuncsRoom()) < len(p.defs) {
			both.inst.SetFuncsRoom(make([]*vm.Function, 0, len(p.defs)))
		}
		r.funcs = both.inst.FuncsRoom()
	}
	for i, d := range p.defs {
		if d.host != nil {
			if !r.funcsShared {
				r.funcs = append(r.funcs, d.host.function())
			}
			continue
		}
		im := mod.imports[i]
		if d.ext.owner() != store.storeRef {
			return nil, &LinkError{Module: im.Module, Name: im.Name, Reason: "the definition belongs to another store"}
		}
		if err := matchImport(mod.m, &mod.m.Imports[i], im, d.ext); err != nil {
			return nil, err
		}
		if err := r.add(i, d.ext); err != nil {
			return nil, err
		}
	}
	room := store.instanceRoom()
	inst, err := instantiate(ctx, store.storeState, mod, &r, both, room)
	if err != nil {
		store.failed(room)
	}
	return inst, err
}

// matchHost is matchImport for a linker host function, which has no store.
func matchHost(m *wasm.Module, wi *wasm.Import, im ImportType, h *hostDef) error {
	ft, ok := im.Type.(FuncType)
	if !ok || wi.Kind != wasm.ExternFunc {
		return &LinkError{Module: im.Module, Name: im.Name,
			Reason: fmt.Sprintf("incompatible import type: want %s, got %s", im.Type, h.typ)}
	}
	if !h.internal().SubtypeOf(m.FuncType(wi.Func)) {
		return &LinkError{Module: im.Module, Name: im.Name,
			Reason: fmt.Sprintf("incompatible import type: want %s, got %s", ft, h.typ)}
	}
	return nil
}

// add appends the extern matched to import i to its index space.
func (r *resolved) add(i int, ext Extern) error {
	switch e := ext.(type) {
	case *Func:
		r.funcs = append(r.funcs, e.function()) // under the store's mark
	case *Table:
		r.tables = append(r.tables, e.tab)
	case *Memory:
		r.mems = append(r.mems, e.mem)
	case *Global:
		r.globals = append(r.globals, e.g)
	case *Tag:
		r.tags = append(r.tags, e.tag)
	default:
		return fmt.Errorf("moat: import %d: unsupported extern %T", i, ext)
	}
	return nil
}
