package moat

import (
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/vm"
)

// takeInstance returns an empty instance state: one a closed store gave
// back (recycleInstances) when there is one.
func (m *Module) takeInstance() *instanceState {
	if both, ok := m.instances.Get().(*instanceState); ok {
		return both
	}
	both := &instanceState{mod: m}
	if len(m.m.Memories) > 0 {
		vm.AddSlotCleanup(both, &both.memRoom)
	}
	return both
}

// recycleInstances gives the states of a closed store's instances back
// to their modules, emptied. Only the store's state and the handles it
// handed out (which carry its generation, now past) could reach them.
func (s *storeState) recycleInstances(instances []*instanceState) {
	for _, both := range instances {
		if both.mod != nil && both.memRoom.Empty() {
			// The function list kept is the larger of the state's and the
			// one vm.Instance.FuncIn made when the state's was too small.
			funcs := both.inst.FuncsRoom()
			if cap(both.inst.Funcs) > cap(funcs) && !both.inst.FuncsShared {
				funcs = both.inst.Funcs
			}
			clear(funcs[:cap(funcs)])
			// The first table's elements are kept unless it grew past
			// what a state keeps (PoolingConfig.TableKeepResident),
			// cleared now: no reference of this store's outlives it. The
			// clear is bounded by the table's length, all the instance
			// could write; past it, up to its capacity, the elements are
			// zero still (Table.Grow fills what it uncovers).
			elems := both.table.Elems
			if cap(elems) > s.engine.cfg.tableKeepElems() || both.table.Lent {
				// Too large to keep, or room an engine lent (a slot's,
				// given back already).
				elems = nil
			}
			clear(elems)
			// The types stay: the handles of this store's instances may
			// still read the type of its global or table (Global.Type,
			// or Global.Get racing with Close), which is the module's,
			// the same for every instance the state serves.
			table, global := both.table, both.globals[0]
			// The engine's state of the instance, when its engine
			// emptied it for the module's next instance here.
			kept, _ := both.inst.Engine.(engine.KeptState)
			if kept != nil && !kept.Kept() {
				kept = nil
			}
			both.instanceParts = instanceParts{memRoom: both.memRoom}
			if kept != nil {
				both.inst.Engine = kept
			}
			both.table = vm.Table{Elems: elems[:0], Type: table.Type, Module: table.Module}
			both.globals[0] = vm.Global{Type: global.Type, Module: global.Module}
			both.inst.SetFuncsRoom(funcs)
			both.mod.instances.Put(both)
		}
	}
}

// takeStore returns the state of a new store: one a closed store gave back
// (recycleStore) when there is one, so that making a store in a server's
// loop allocates nothing.
func (e *Engine) takeStore() *storeState {
	if st, ok := e.stores.Get().(*storeState); ok {
		return st
	}
	st := &storeState{engine: e}
	if sm, ok := e.impl.(engine.StoreMaker); ok {
		st.vs = sm.NewStore()
	} else {
		st.vs = vm.NewStore()
	}
	st.start()
	return st
}

// start readies a state, new or recycled, for its next store.
func (s *storeState) start() {
	s.vs.SetGCLimit(s.engine.cfg.MaxGCHeapBytes)
	s.vs.Embedder = s
	s.refTag = nextRefTag()
}

// recycleStore takes the state of a store that Close closed (its
// generation moved on, so that the handles of that store are refused)
// and keeps it for the engine's next store, emptied: nothing of the
// closed store stays reachable from it.
func (e *Engine) recycleStore(s *storeState) {
	if s.owner.Load() != freeMark(s.gen.Load()) || s.pins.Load() != 0 {
		return // marked, as Close never leaves it: keep the state out of use
	}
	switch impl := e.impl.(type) {
	case engine.StoreRecycler:
		impl.RecycleStore(s.vs)
	case engine.StoreMaker:
		return // stores made by the engine that it cannot empty
	default:
		s.vs.Reset()
	}
	// Under valuesMu: a SetValue of this store's that found it open
	// has stored its values by now, and they go.
	s.valuesMu.Lock()
	s.values.Store(nil)
	s.valuesMu.Unlock()
	s.storeData = storeData{}
	if r := s.rare; r != nil {
		for _, w := range r.deeperWords {
			clear(w[:cap(w)]) // no word of this store's calls stays
		}
		r.callers = nil
	}
	s.start()
	e.stores.Put(s)
}
