package moat

import (
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Extern is something an instance can import or export: a *Func, *Memory,
// *Table, *Global or *Tag. Every Extern belongs to one Store.
type Extern interface {
	// ExternType describes the extern for linking.
	ExternType() ExternType
	owner() storeRef
}

func (f *Func) owner() storeRef   { return f.store }
func (m *Memory) owner() storeRef { return m.store }
func (t *Table) owner() storeRef  { return t.store }
func (g *Global) owner() storeRef { return g.store }

func (f *Func) ExternType() ExternType   { return f.Type() }
func (m *Memory) ExternType() ExternType { return m.Type() }
func (t *Table) ExternType() ExternType  { return t.Type() }
func (g *Global) ExternType() ExternType { return g.Type() }

// funcState is a function made for its export and its handle.
type funcState struct {
	pub Func
	fn  vm.Function
}

// exportOf finds export name of inst, or nil.
func exportOf(s storeRef, inst *vm.Instance, name string) Extern {
	for _, ex := range inst.Module.Exports {
		if ex.Name == name {
			return externOf(s, inst, ex)
		}
	}
	return nil
}

func externOf(s storeRef, inst *vm.Instance, ex wasm.Export) Extern {
	switch ex.Kind {
	case wasm.ExternFunc:
		if !inst.Made(ex.Index) {
			// Made now: the function and its handle in one allocation.
			both := &funcState{}
			both.pub = Func{store: s, fn: inst.FuncIn(ex.Index, &both.fn)}
			return &both.pub
		}
		return &Func{store: s, fn: inst.Func(ex.Index)}
	case wasm.ExternTable:
		return &Table{store: s, tab: inst.Tables[ex.Index]}
	case wasm.ExternMemory:
		return &Memory{store: s, mem: inst.Memories[ex.Index]}
	case wasm.ExternGlobal:
		return &Global{store: s, g: inst.Globals[ex.Index]}
	case wasm.ExternTag:
		return &Tag{store: s, tag: inst.Tags[ex.Index]}
	}
	return nil
}
