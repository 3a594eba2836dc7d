package moat

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// constTrap makes a trap of a constant expression's allocation that
// failed (apart, so that instantiating without an error allocates nothing
// for errors.As).
func constTrap(err error) error {
	var vt *vm.Trap
	if errors.As(err, &vt) && vt.Code != abi.TrapHostError {
		return trapOf(err)
	}
	return err
}

// instanceState is an instance's runtime form, with room for what most
// modules define: a memory, a global (a C program's stack pointer), a small
// table, the first function made for their exports. Larger ones allocate
// beside; what is the same for every instance (the types of tables,
// memories and globals, the segments' state when every element segment is
// dropped and every data segment applied from an image) is the module's,
// what few modules use (tags, GC type ids) is apart (vm.Instance), and the
// Callers are the store's (storeState.caller). It is 448 bytes, a size
// class of the Go allocator's (TestInstanceStateSize). It is recycled for
// the module's next instance once its store is closed
// (Module.takeInstance), so it holds nothing handed out: the handles
// (Instance, Func, Caller...) live elsewhere and carry the store's
// generation.
type instanceState struct {
	// mod is set when the state is made and never written again: the
	// handles of closed stores' instances read it (Instance.Module)
	// while the state serves another store.
	mod *Module
	instanceParts
}

// instanceParts is what an instance state holds for its instance, emptied
// when the state is recycled.
type instanceParts struct {
	inst       vm.Instance
	mems       [1]*vm.Memory
	globalList [1]*vm.Global
	globals    [1]vm.Global
	tableList  [1]*vm.Table
	table      vm.Table
	// memRoom is where the instance's first defined memory is made when
	// it takes a pool's slot (vm.MemoryRoom): if the store is dropped
	// without Close, the state's cleanup gives the slot back.
	memRoom vm.MemoryRoom
	// table's elements (up to Config.tableKeepElems) are made for the
	// module's first instance and kept when the state is recycled, as
	// inst.FuncsRoom() is: the storage of the instance's function list, the
	// imported functions' (InstancePre.Instantiate), then the whole index
	// space once a defined function is asked for (vm.Instance.FuncIn).
	// made is room for the function made for the first export asked for
	// (vm.Instance.FuncIn, usually _start or the one entry point); a
	// function in use there has its Instance set.
	made [1]vm.Function
}

// keepPending gives the active element segments from the first on that
// were to be written straight into their tables their items after all,
// when instantiation stops before applying them.
func keepPending(s *storeState, inst *vm.Instance, plan [][]uint32, first int) error {
	// The list may be the module's, shared (Module.droppedElems), and
	// the segments themselves the module's (Module.sharedSegments).
	segs := &vm.Segments{Elems: slices.Clone(inst.Segs.Elems), Datas: inst.Segs.Datas, DatasShared: inst.Segs.DatasShared}
	inst.Segs = segs
	for i := first; i < len(plan); i++ {
		if plan[i] == nil || inst.Module.Elems[i].Mode != wasm.ElemActive {
			continue
		}
		refs := make([]uint64, len(plan[i]))
		if err := s.vs.FuncRefs(inst, plan[i], refs); err != nil {
			return err
		}
		segs.Elems[i] = refs
	}
	return nil
}

// instantiate follows the spec's instantiation algorithm: allocate the
// instance (imports first in every index space), evaluate global and table
// initialisers, bind code, resolve element and data segments, apply active
// segments in order (a failing one traps, earlier ones stay applied), drop
// applied and declarative segments, then run the start function.
//
// The instance's state is both (Module.takeInstance), its handle is
// written to out (the store handle's room, or a new one).
//
// What a failed instantiation undoes is done by one deferred call, which
// the compiler inlines at the function's return (a defer per step, with
// the steps' many returns, would be run by the runtime's defer machinery
// at every instantiation).
func instantiate(ctx context.Context, s *storeState, mod *Module, r *resolved, both *instanceState, out *Instance) (ret *Instance, err error) {
	var u undo
	defer func() {
		p := recover()
		if !u.reachable {
			u.run(s, both, r)
		}
		if p != nil {
			ret, err = nil, fmt.Errorf("moat: internal error while instantiating: %v\n%s", p, debug.Stack())
		}
		if err != nil {
			err = constTrap(err)
		}
	}()
	return instantiateSteps(ctx, s, mod, r, both, out, &u)
}

// undo is what instantiateSteps made that nothing can reach when it
// fails before the instance is: the instance tracked as a root, and the
// memories it made (with its first table, whose elements may be in a
// memory's slot).
type undo struct {
	tracked, madeMemories, reachable bool
}

func (u *undo) run(s *storeState, both *instanceState, r *resolved) {
	inst := &both.inst
	if u.madeMemories {
		// Nothing can reach the memories this instance made, nor its
		// first table, whose elements may be in a memory's slot: the
		// state keeps none of them.
		if tab := &both.table; tab.Lent {
			*tab = vm.Table{Type: tab.Type, Module: tab.Module}
		}
		for _, mem := range inst.Memories[len(r.mems):] {
			s.freeMemory(mem)
		}
	}
	if u.tracked {
		s.vs.UntrackInstance(inst)
	}
}

// instantiateSteps is instantiate's work; u records what to undo when it
// fails.
func instantiateSteps(ctx context.Context, s *storeState, mod *Module, r *resolved, both *instanceState, out *Instance, u *undo) (ret *Instance, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	m := mod.m
	if err := s.checkInstantiation(m); err != nil {
		return nil, err
	}
	funcsRoom := both.inst.FuncsRoom()
	// A recycled state may hold its last instance's engine state, emptied
	// for this one (engine.KeptState, for ReserveFuncRefs); nothing else
	// of the last instance stays.
	kept, _ := both.inst.Engine.(engine.KeptState)
	both.inst = vm.Instance{Module: m, Store: s.vs, Engine: kept}
	inst := &both.inst
	inst.SetFuncsRoom(funcsRoom)

	lazy, _ := mod.code.(engine.LazyFunctions)
	if lazy != nil {
		// Bind sets the defined functions' references aside; each
		// vm.Function is made on first use (vm.Instance.Func, which
		// extends Funcs past the imports then).
		inst.Funcs, inst.FuncsShared = r.funcs, r.funcsShared
		if err := lazy.ReserveFuncRefs(inst); err != nil {
			return nil, fmt.Errorf("moat: binding code: %w", err)
		}
	} else {
		inst.Funcs = make([]*vm.Function, len(r.funcs), m.NumFuncs())
		copy(inst.Funcs, r.funcs)
		defined := make([]vm.Function, len(m.Funcs)) // one allocation for all
		for i := range m.Funcs {
			f := &defined[i]
			*f = vm.Function{Type: m.FuncType(m.Funcs[i]), Instance: inst, Index: uint32(len(inst.Funcs))}
			inst.Funcs = append(inst.Funcs, f)
		}
		s.vs.ReserveFuncs(len(m.Funcs))
	}
	// Every function of the instance is in the store from the start, so
	// references to it (ref.func, elements) are plain store words.
	for _, f := range inst.Funcs {
		if f == nil {
			continue
		}
		if _, err := s.vs.Ref(f); err != nil {
			return nil, err
		}
	}
	// Struct and array types get the store's ids before any constant
	// expression allocates, and the instance's globals, tables and
	// segments are roots from the start (see vm.TrackInstance).
	if err := s.vs.RegisterTypes(inst); err != nil {
		return nil, err
	}
	s.vs.TrackInstance(inst)
	u.tracked = true
	if m.NumTags() > 0 {
		tags := append(make([]*vm.Tag, 0, m.NumTags()), r.tags...)
		for _, t := range m.Tags {
			tags = append(tags, &vm.Tag{Type: m.FuncType(t.Type)})
		}
		inst.SetTags(tags)
	}

	// Globals come before tables: a table's initialiser may read them.
	// The usual few live in the instance's allocation.
	if m.NumGlobals() <= uint32(len(both.globalList)) {
		inst.Globals = append(both.globalList[:0], r.globals...)
	} else {
		inst.Globals = append(make([]*vm.Global, 0, m.NumGlobals()), r.globals...)
	}
	for i := range m.Globals {
		g := &m.Globals[i]
		lo, hi, err := vm.EvalConst(s.vs, inst, g.Init)
		if err != nil {
			return nil, err
		}
		var vg *vm.Global
		if i < len(both.globals) {
			vg = &both.globals[i]
		} else {
			vg = new(vm.Global)
		}
		*vg = vm.Global{Type: &m.Globals[i].Type, Lo: lo, Hi: hi, Module: m}
		s.vs.TrackGlobal(vg)
		inst.Globals = append(inst.Globals, vg)
	}
	if m.NumMemories() <= uint32(len(both.mems)) {
		inst.Memories = append(both.mems[:0], r.mems...)
	} else {
		inst.Memories = append(make([]*vm.Memory, 0, m.NumMemories()), r.mems...)
	}
	for _, mem := range r.mems {
		// The importer's code and data segments write it too.
		mem.Imported, mem.Written = true, true
	}
	// withData marks the memories made with the module's data in place
	// (a copy-on-write image): their active segments are not applied.
	var withData uint64
	maker, _ := mod.code.(engine.MemoryMaker)
	for i := range m.Memories {
		t := &m.Memories[i]
		if err := s.engine.checkMemoryMin(t.Limits.Min); err != nil {
			return nil, err
		}
		idx := uint32(len(inst.Memories))
		if maker == nil {
			mem := vm.NewMemory(&m.Memories[i], s.engine.cfg.MaxMemoryPages)
			s.limitMemory(mem)
			inst.Memories = append(inst.Memories, mem)
			continue
		}
		var room *vm.MemoryRoom
		if i == 0 {
			room = &both.memRoom
		}
		mem, applied, err := maker.NewMemory(idx, s.engine.cfg.MaxMemoryPages, room)
		if err != nil {
			return nil, err
		}
		s.limitMemory(mem)
		inst.Memories = append(inst.Memories, mem)
		if applied && idx < 64 {
			withData |= 1 << idx
		}
	}
	u.madeMemories = true

	// Tables come after memories: the first table's elements may take
	// room in the slot of memory 0 (engine.TableLender).
	lender, _ := mod.code.(engine.TableLender)
	if m.NumTables() <= uint32(len(both.tableList)) {
		inst.Tables = append(both.tableList[:0], r.tables...)
	} else {
		inst.Tables = append(make([]*vm.Table, 0, m.NumTables()), r.tables...)
	}
	for i := range m.Tables {
		t := &m.Tables[i]
		if limit := s.engine.tableLimit(); t.Type.Limits.Min > uint64(limit) {
			return nil, fmt.Errorf("%w: table of %d elements, the limit is %d", ErrResourceLimit, t.Type.Limits.Min, limit)
		}
		var init uint64
		if t.HasInit {
			if init, _, err = vm.EvalConst(s.vs, inst, t.Init); err != nil {
				return nil, err
			}
		}
		var tab *vm.Table
		if i == 0 {
			tab = &both.table
			// Kept by recycleInstances, cleared: all zero. Room an
			// engine lent is never kept (it was the last slot's).
			var room, lent []uint64
			if !tab.Lent {
				room = tab.Elems[:cap(tab.Elems)]
			}
			if lender != nil {
				lent = lender.LendTableRoom(inst, t.Type.Limits.Min)
			}
			if lent != nil {
				room = lent
			} else if uint64(len(room)) < t.Type.Limits.Min && t.Type.Limits.Min <= uint64(s.engine.cfg.tableKeepElems()) {
				// The first table's elements are kept in the state,
				// from one instance to the next.
				room = make([]uint64, t.Type.Limits.Min)
			}
			tab.Init(&m.Tables[i].Type, init, s.engine.cfg.MaxTableElements, room)
			tab.Lent = lent != nil
		} else {
			tab = vm.NewTable(&m.Tables[i].Type, init, s.engine.cfg.MaxTableElements)
		}
		s.limitTable(tab)
		tab.Module = m
		s.vs.TrackTable(tab)
		inst.Tables = append(inst.Tables, tab)
	}
	// Code is bound before any initialiser can take a function's
	// reference (elements below), which LazyFunctions engines set aside
	// in Bind.
	if err := mod.code.Bind(inst); err != nil {
		return nil, fmt.Errorf("moat: binding code: %w", err)
	}

	plan := mod.elemPlan()
	// The segments' state after instantiating is the module's, shared,
	// when every element segment is written into its table or
	// declarative and every active data segment is in a memory image.
	// Datas are decided first: the element segments are roots as they
	// are built below.
	datasShared := len(m.Datas) > 0 && mod.allDataInImages(withData)
	var segs *vm.Segments
	if (len(m.Elems) == 0 || mod.droppedElems != nil) && (len(m.Datas) == 0 || datasShared) {
		// Nothing below writes it (keepPending and DropData copy it
		// first).
		segs = mod.sharedSegments()
	} else {
		segs = &vm.Segments{Elems: mod.droppedElems}
		switch {
		case datasShared:
			segs.Datas, segs.DatasShared = mod.sharedDatas(), true
		case len(m.Datas) > 0:
			segs.Datas = make([][]byte, len(m.Datas))
			for i := range m.Datas {
				seg := &m.Datas[i]
				segs.Datas[i] = seg.Bytes
			}
		}
		if segs.Elems == nil && len(m.Elems) > 0 {
			segs.Elems = make([][]uint64, len(m.Elems))
		}
	}
	inst.Segs = segs
	for i := range m.Elems {
		seg := &m.Elems[i]
		if plan[i] != nil && seg.Mode != wasm.ElemPassive {
			// Items without effects: an active segment is written
			// straight into its table below, a declarative one dropped.
			continue
		}
		refs := make([]uint64, seg.Len())
		// Segments are roots as they are built: an item may allocate.
		segs.Elems[i] = refs
		if len(seg.Funcs) > 0 {
			if err := s.vs.FuncRefs(inst, seg.Funcs, refs); err != nil {
				return nil, err
			}
			continue
		}
		for j, item := range seg.Items {
			if refs[j], _, err = vm.EvalConst(s.vs, inst, item); err != nil {
				return nil, err
			}
		}
	}

	*out = Instance{store: s.ref(), state: both}
	// From here the instance can be reached (a failing segment or start
	// function may leave its functions in another instance's table), so
	// closing the store must close it too.
	s.addInstance(both)
	s.counts.instances++
	s.counts.memories += int32(len(m.Memories))
	s.counts.tables += int32(len(m.Tables))
	u.reachable = true

	for i := range m.Elems {
		seg := &m.Elems[i]
		switch seg.Mode {
		case wasm.ElemActive:
			off, _, err := vm.EvalConst(s.vs, inst, seg.Offset)
			if err != nil {
				return nil, err
			}
			tab := inst.Tables[seg.Table]
			if !tab.Type.Is64 {
				off = uint64(uint32(off))
			}
			if off > uint64(len(tab.Elems)) || uint64(seg.Len()) > uint64(len(tab.Elems))-off {
				// The segments not reached stay, as the spec leaves
				// them: code of the instance may still run (from
				// another instance's table) and use them.
				if err := keepPending(s, inst, plan, i+1); err != nil {
					return nil, err
				}
				return nil, NewTrap(TrapTableOutOfBounds, "")
			}
			if idxs := plan[i]; idxs != nil {
				if err := s.vs.FuncRefs(inst, idxs, tab.Elems[off:off+uint64(len(idxs))]); err != nil {
					return nil, err
				}
				continue
			}
			copy(tab.Elems[off:], inst.Segs.Elems[i])
			inst.DropElem(uint32(i))
		case wasm.ElemDeclarative:
			inst.DropElem(uint32(i))
		}
	}
	// With every active segment in an image there is nothing to apply
	// (their shared state has them dropped already).
	datas := m.Datas
	if datasShared {
		datas = nil
	}
	for i := range datas {
		seg := &datas[i]
		if seg.Mode != wasm.DataActive {
			continue
		}
		if seg.Memory < 64 && withData&(1<<seg.Memory) != 0 {
			if !inst.Segs.DatasShared {
				inst.Segs.Datas[i] = nil // in the image: applied
			}
			continue
		}
		off, _, err := vm.EvalConst(s.vs, inst, seg.Offset)
		if err != nil {
			return nil, err
		}
		mem := inst.Memories[seg.Memory]
		if !mem.Type.Is64 {
			off = uint64(uint32(off))
		}
		if off > uint64(len(mem.Bytes)) || uint64(len(seg.Bytes)) > uint64(len(mem.Bytes))-off {
			return nil, NewTrap(TrapMemoryOutOfBounds, "")
		}
		mem.Written = true
		copy(mem.Bytes[off:], seg.Bytes)
		inst.Segs.Datas[i] = nil
	}

	if m.HasStart {
		f := inst.Func(m.Start)
		stack := make([]uint64, max(f.Type.ParamSlots(), f.Type.ResultSlots()))
		if err := s.call(ctx, f, stack); err != nil {
			return nil, err
		}
	}
	return out, nil
}
