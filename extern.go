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

// funcOf returns the handle of function idx of the instance whose state is
// both in room (nil: a new one), making the function if nothing asked for it before: in the
// instance state's room for the first few, else with its handle in one
// allocation.
//
// The caller holds the store's mark (marked), or has the state pinned
// (storeRef.pin) while another goroutine's call holds it: the instance
// state may serve another store once s is closed, and the mark or the pin
// is what keeps it s's. Functions are made under the mark only (the
// goroutine that holds it may be closing the store, releasing what making
// one registers): pinned, one made already is found, else the handle holds
// a stand-in, made into the function at its first use under the mark
// (Func.function).
func funcOf(s storeRef, both *instanceState, idx uint32, room *Func, marked bool) *Func {
	inst := &both.inst
	typ := inst.Module.FuncTypeOf(idx)
	if !marked {
		fn := inst.Lookup(idx)
		if fn == nil {
			fn = &vm.Function{Type: typ, Instance: inst, Index: idx, Code: unmade{}}
		}
		if room == nil {
			room = new(Func)
		}
		*room = Func{store: s, fn: fn, typ: typ}
		return room
	}
	var fn *vm.Function
	if inst.Made(idx) {
		fn = inst.Func(idx)
	} else {
		for k := range both.made {
			if both.made[k].Instance == nil {
				fn = inst.FuncIn(idx, &both.made[k])
				break
			}
		}
	}
	if fn == nil {
		if room == nil {
			fs := &funcState{}
			fs.pub = Func{store: s, fn: inst.FuncIn(idx, &fs.fn), typ: typ}
			return &fs.pub
		}
		fn = inst.Func(idx)
	}
	if room == nil {
		room = new(Func)
	}
	*room = Func{store: s, fn: fn, typ: typ}
	return room
}

// closedExtern is export ex of module m of a closed store, made without
// looking at the instance (whose state may serve another store now):
// calls and changes fail with ErrClosed (their store's generation is
// past), reads find it empty.
func closedExtern(s storeRef, m *wasm.Module, ex wasm.Export) Extern {
	switch ex.Kind {
	case wasm.ExternFunc:
		return &Func{store: s, typ: m.FuncTypeOf(ex.Index)}
	case wasm.ExternTable:
		typ := m.TableTypeAt(ex.Index)
		return &Table{store: s, tab: &vm.Table{Type: typ, Module: m}, typ: typ}
	case wasm.ExternMemory:
		typ := m.MemoryTypeAt(ex.Index)
		return &Memory{store: s, mem: &vm.Memory{Type: typ}, typ: typ}
	case wasm.ExternGlobal:
		typ := m.GlobalTypeAt(ex.Index)
		return &Global{store: s, g: &vm.Global{Type: typ, Module: m}, typ: typ}
	case wasm.ExternTag:
		return &Tag{store: s, tag: &vm.Tag{Type: m.TagType(ex.Index)}}
	}
	return nil
}

// exportOf finds export name of inst, or nil. The caller holds the
// store's mark (see funcOf).
func exportOf(s storeRef, both *instanceState, name string) Extern {
	for _, ex := range both.inst.Module.Exports {
		if ex.Name == name {
			return externOf(s, both, ex, true)
		}
	}
	return nil
}

// externOf is the handle of export ex, under the store's mark (marked) or
// with the state pinned (see funcOf).
func externOf(s storeRef, both *instanceState, ex wasm.Export, marked bool) Extern {
	inst := &both.inst
	switch ex.Kind {
	case wasm.ExternFunc:
		return funcOf(s, both, ex.Index, nil, marked)
	case wasm.ExternTable:
		tab := inst.Tables[ex.Index]
		return &Table{store: s, tab: tab, typ: tab.Type}
	case wasm.ExternMemory:
		mem := inst.Memories[ex.Index]
		return &Memory{store: s, mem: mem, typ: mem.Type}
	case wasm.ExternGlobal:
		g := inst.Globals[ex.Index]
		return &Global{store: s, g: g, typ: g.Type}
	case wasm.ExternTag:
		return &Tag{store: s, tag: inst.Tags()[ex.Index]}
	}
	return nil
}
