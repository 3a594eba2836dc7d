package moat

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// instantiate follows the spec's instantiation algorithm: allocate the
// instance (imports first in every index space), evaluate global and table
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
		f := &vm.Function{Type: m.FuncType(m.Funcs[i]), Instance: inst, Index: idx}
		inst.Funcs = append(inst.Funcs, f)
	}
	// Every function of the instance is in the store from the start, so
	// references to it (ref.func, elements) are plain store indices.
	for _, f := range inst.Funcs {
		if _, err := s.vs.Ref(f); err != nil {
			return nil, err
		}
	}
	inst.Tags = append(make([]*vm.Tag, 0, m.NumTags()), r.tags...)
	for _, t := range m.Tags {
		inst.Tags = append(inst.Tags, &vm.Tag{Type: m.FuncType(t.Type)})
	}

	// Globals come before tables: a table's initialiser may read them.
	inst.Globals = append(make([]*vm.Global, 0, m.NumGlobals()), r.globals...)
	for _, g := range m.Globals {
		lo, hi, err := evalConst(s, inst, g.Init)
		if err != nil {
			return nil, err
		}
		inst.Globals = append(inst.Globals, &vm.Global{Type: g.Type, Lo: lo, Hi: hi, Module: m})
	}
	inst.Tables = append(make([]*vm.Table, 0, m.NumTables()), r.tables...)
	for _, t := range m.Tables {
		if limit := s.engine.tableLimit(); t.Type.Limits.Min > uint64(limit) {
			return nil, fmt.Errorf("%w: table of %d elements, the limit is %d", ErrResourceLimit, t.Type.Limits.Min, limit)
		}
		var init uint64
		if t.HasInit {
			if init, _, err = evalConst(s, inst, t.Init); err != nil {
				return nil, err
			}
		}
		tab := vm.NewTable(t.Type, init, s.engine.cfg.MaxTableElements)
		tab.Module = m
		inst.Tables = append(inst.Tables, tab)
	}
	inst.Memories = append(make([]*vm.Memory, 0, m.NumMemories()), r.mems...)
	for _, t := range m.Memories {
		if err := s.engine.checkMemoryMin(t.Limits.Min); err != nil {
			return nil, err
		}
		inst.Memories = append(inst.Memories, vm.NewMemory(t, s.engine.cfg.MaxMemoryPages))
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
			if !tab.Type.Is64 {
				off = uint64(uint32(off))
			}
			refs := inst.Elems[i]
			if off > uint64(len(tab.Elems)) || uint64(len(refs)) > uint64(len(tab.Elems))-off {
				return nil, NewTrap(TrapTableOutOfBounds, "")
			}
			copy(tab.Elems[off:], refs)
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
		if !mem.Type.Is64 {
			off = uint64(uint32(off))
		}
		if off > uint64(len(mem.Bytes)) || uint64(len(seg.Bytes)) > uint64(len(mem.Bytes))-off {
			return nil, NewTrap(TrapMemoryOutOfBounds, "")
		}
		copy(mem.Bytes[off:], seg.Bytes)
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

// evalConst evaluates a constant expression (the validator has checked
// it): constants, ref.null, ref.func, global.get and, with extended
// constant expressions, i32/i64 add, sub and mul. It returns the value's
// words (the high one only for v128).
func evalConst(s *Store, inst *vm.Instance, e wasm.ConstExpr) (lo, hi uint64, err error) {
	var stack [][2]uint64
	for _, in := range e.Instrs {
		switch in.Op {
		case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const, wasm.OpRefNull:
			stack = append(stack, [2]uint64{in.Imm})
		case wasm.OpV128Const:
			stack = append(stack, [2]uint64{in.Imm, in.Hi})
		case wasm.OpRefFunc:
			if in.X >= uint32(len(inst.Funcs)) {
				return 0, 0, fmt.Errorf("moat: bad constant expression %s at offset 0x%x", in.Op, in.Offset)
			}
			ref, err := s.vs.Ref(inst.Funcs[in.X])
			if err != nil {
				return 0, 0, err
			}
			stack = append(stack, [2]uint64{ref})
		case wasm.OpGlobalGet:
			if in.X >= uint32(len(inst.Globals)) {
				return 0, 0, fmt.Errorf("moat: bad constant expression %s at offset 0x%x", in.Op, in.Offset)
			}
			g := inst.Globals[in.X]
			stack = append(stack, [2]uint64{g.Lo, g.Hi})
		case wasm.OpI32Add, wasm.OpI32Sub, wasm.OpI32Mul, wasm.OpI64Add, wasm.OpI64Sub, wasm.OpI64Mul:
			n := len(stack)
			if n < 2 {
				return 0, 0, fmt.Errorf("moat: bad constant expression at offset 0x%x", e.Offset)
			}
			x, y := stack[n-2][0], stack[n-1][0]
			var v uint64
			switch in.Op {
			case wasm.OpI32Add, wasm.OpI64Add:
				v = x + y
			case wasm.OpI32Sub, wasm.OpI64Sub:
				v = x - y
			default:
				v = x * y
			}
			if in.Op == wasm.OpI32Add || in.Op == wasm.OpI32Sub || in.Op == wasm.OpI32Mul {
				v = uint64(uint32(v))
			}
			stack = append(stack[:n-2], [2]uint64{v})
		default:
			return 0, 0, fmt.Errorf("moat: bad constant expression %s at offset 0x%x", in.Op, in.Offset)
		}
	}
	if len(stack) != 1 {
		return 0, 0, fmt.Errorf("moat: constant expression of %d values at offset 0x%x", len(stack), e.Offset)
	}
	return stack[0][0], stack[0][1], nil
}
