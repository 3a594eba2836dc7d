package moat

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// instantiate follows the spec's instantiation algorithm: allocate the
// instance (imports first in every index space), evaluate global
// initialisers, bind code, resolve element and data segments, apply active
// segments in order (a failing one traps, earlier ones stay applied), drop
// applied and declarative segments, then run the start function.
func instantiate(ctx context.Context, s *Store, mod *Module, r *resolved) (out *Instance, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("moat: internal error while instantiating: %v\n%s", p, debug.Stack())
		}
	}()
	if ctx == nil {
		ctx = context.Background()
	}
	m := mod.m
	inst := &vm.Instance{Module: m, Store: s.vs, Name: m.Names.Module}

	inst.Funcs = make([]*vm.Function, 0, m.NumFuncs())
	inst.Funcs = append(inst.Funcs, r.funcs...)
	for i := range m.Funcs {
		idx := uint32(len(inst.Funcs))
		f := &vm.Function{Type: &m.Types[m.Funcs[i]], Instance: inst, Index: idx}
		inst.Funcs = append(inst.Funcs, f)
	}
	// Every function of the instance is in the store from the start, so
	// references to it (ref.func, elements) are plain store indices.
	for _, f := range inst.Funcs {
		if _, err := s.vs.Ref(f); err != nil {
			return nil, err
		}
	}

	inst.Tables = append(make([]*vm.Table, 0, m.NumTables()), r.tables...)
	for _, t := range m.Tables {
		if limit := s.engine.tableLimit(); t.Limits.Min > limit {
			return nil, fmt.Errorf("%w: table of %d elements, the limit is %d", ErrResourceLimit, t.Limits.Min, limit)
		}
		inst.Tables = append(inst.Tables, vm.NewTable(t, 0, s.engine.cfg.MaxTableElements))
	}
	inst.Memories = append(make([]*vm.Memory, 0, m.NumMemories()), r.mems...)
	for _, t := range m.Memories {
		if limit := s.engine.cfg.MaxMemoryPages; limit != 0 && t.Limits.Min > limit {
			return nil, fmt.Errorf("%w: memory of %d pages, the limit is %d", ErrResourceLimit, t.Limits.Min, limit)
		}
		inst.Memories = append(inst.Memories, vm.NewMemory(t, s.engine.cfg.MaxMemoryPages))
	}
	inst.Globals = append(make([]*vm.Global, 0, m.NumGlobals()), r.globals...)
	for _, g := range m.Globals {
		lo, hi, err := evalConst(s, inst, g.Init)
		if err != nil {
			return nil, err
		}
		inst.Globals = append(inst.Globals, &vm.Global{Type: g.Type, Lo: lo, Hi: hi})
	}

	inst.Elems = make([][]uint64, len(m.Elems))
	for i, seg := range m.Elems {
		refs := make([]uint64, len(seg.Items))
		for j, item := range seg.Items {
			if refs[j], _, err = evalConst(s, inst, item); err != nil {
				return nil, err
			}
		}
		inst.Elems[i] = refs
	}
	inst.Datas = make([][]byte, len(m.Datas))
	for i, seg := range m.Datas {
		inst.Datas[i] = seg.Bytes
	}

	if err := mod.code.Bind(inst); err != nil {
		return nil, fmt.Errorf("moat: binding code: %w", err)
	}
	out = &Instance{store: s, mod: mod, inst: inst}
	// From here the instance can be reached (a failing segment or start
	// function may leave its functions in another instance's table), so
	// closing the store must close it too.
	s.instances = append(s.instances, inst)

	for i, seg := range m.Elems {
		switch seg.Mode {
		case wasm.ElemActive:
			off, _, err := evalConst(s, inst, seg.Offset)
			if err != nil {
				return nil, err
			}
			tab := inst.Tables[seg.Table]
			refs := inst.Elems[i]
			if uint64(uint32(off))+uint64(len(refs)) > uint64(len(tab.Elems)) {
				return nil, NewTrap(TrapTableOutOfBounds, "")
			}
			copy(tab.Elems[uint32(off):], refs)
			inst.Elems[i] = nil
		case wasm.ElemDeclarative:
			inst.Elems[i] = nil
		}
	}
	for i, seg := range m.Datas {
		if seg.Mode != wasm.DataActive {
			continue
		}
		off, _, err := evalConst(s, inst, seg.Offset)
		if err != nil {
			return nil, err
		}
		mem := inst.Memories[seg.Memory]
		if uint64(uint32(off))+uint64(len(seg.Bytes)) > uint64(len(mem.Bytes)) {
			return nil, NewTrap(TrapMemoryOutOfBounds, "")
		}
		copy(mem.Bytes[uint32(off):], seg.Bytes)
		inst.Datas[i] = nil
	}

	if m.HasStart {
		f := inst.Funcs[m.Start]
		stack := make([]uint64, max(f.Type.ParamSlots(), f.Type.ResultSlots()))
		if err := s.call(ctx, f, stack); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// evalConst evaluates a Wasm 2.0 constant expression: one t.const,
// ref.null, ref.func or global.get.
func evalConst(s *Store, inst *vm.Instance, e wasm.ConstExpr) (lo, hi uint64, err error) {
	if len(e.Instrs) != 1 {
		return 0, 0, fmt.Errorf("moat: unsupported constant expression of %d instructions at offset 0x%x", len(e.Instrs), e.Offset)
	}
	in := e.Instrs[0]
	switch in.Op {
	case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const:
		return in.Imm, 0, nil
	case wasm.OpV128Const:
		return in.Imm, in.Hi, nil
	case wasm.OpRefNull:
		return 0, 0, nil
	case wasm.OpRefFunc:
		if in.X >= uint32(len(inst.Funcs)) {
			break
		}
		ref, err := s.vs.Ref(inst.Funcs[in.X])
		return ref, 0, err
	case wasm.OpGlobalGet:
		if in.X >= uint32(len(inst.Globals)) {
			break
		}
		g := inst.Globals[in.X]
		return g.Lo, g.Hi, nil
	}
	return 0, 0, fmt.Errorf("moat: bad constant expression %s at offset 0x%x", in.Op, in.Offset)
}
