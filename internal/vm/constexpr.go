package vm

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// EvalConst evaluates a validated constant expression of inst (a global,
// table or element initialiser, or a segment offset): constants,
// ref.null, ref.func, global.get, i32/i64 add, sub and mul, and the GC
// instructions that allocate (struct.new, struct.new_default, array.new,
// array.new_default, array.new_fixed) or convert (ref.i31,
// any.convert_extern, extern.convert_any). It returns the value's words
// (the high one only for v128). A failed allocation is a *Trap.
func EvalConst(s *Store, inst *Instance, e wasm.ConstExpr) (lo, hi uint64, err error) {
	// Most initialisers and offsets are one instruction held inline:
	// answered here, without the general case's stack and defer.
	switch op, imm := e.Single(); op {
	case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const:
		return imm, 0, nil
	case wasm.OpRefNull:
		return 0, 0, nil
	case wasm.OpGlobalGet:
		if x := uint32(imm); x < uint32(len(inst.Globals)) {
			g := inst.Globals[x]
			return g.Lo, g.Hi, nil
		}
	case wasm.OpRefFunc:
		if x := uint32(imm); x < inst.Module.NumFuncs() {
			ref, err := s.FuncRef(inst, x)
			return ref, 0, err
		}
	}
	return evalConst(s, inst, e)
}

// evalConst is EvalConst's general case.
func evalConst(s *Store, inst *Instance, e wasm.ConstExpr) (lo, hi uint64, err error) {
	if e.Len() == 1 {
		// Most initialisers and offsets are one instruction: answer them
		// without the stack, which the general case allocates.
		switch in := e.At(0); in.Op {
		case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const, wasm.OpRefNull:
			return in.Imm, 0, nil
		case wasm.OpGlobalGet:
			if in.X < uint32(len(inst.Globals)) {
				g := inst.Globals[in.X]
				return g.Lo, g.Hi, nil
			}
		case wasm.OpRefFunc:
			// Element segments are mostly lists of these: one per
			// table entry, evaluated at every instantiation.
			if in.X < inst.Module.NumFuncs() {
				ref, err := s.FuncRef(inst, in.X)
				return ref, 0, err
			}
		}
	}
	// The stack holds one word per value but v128's high half, kept
	// apart, so that it can be a root while the expression allocates.
	var buf [4]uint64
	stack, his := buf[:0], [4]uint64{}
	rooted := false
	defer func() {
		if rooted {
			s.PopTempRoots()
		}
	}()
	push := func(lo, hi uint64) {
		if len(stack) < len(his) {
			his[len(stack)] = hi
		}
		stack = append(stack, lo)
	}
	for i := range e.Len() {
		in := e.At(i)
		switch in.Op {
		case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const, wasm.OpRefNull:
			push(in.Imm, 0)
		case wasm.OpV128Const:
			push(in.Imm, in.Hi)
		case wasm.OpRefFunc:
			if in.X >= inst.Module.NumFuncs() {
				return 0, 0, badConst(in)
			}
			ref, err := s.FuncRef(inst, in.X)
			if err != nil {
				return 0, 0, err
			}
			push(ref, 0)
		case wasm.OpGlobalGet:
			if in.X >= uint32(len(inst.Globals)) {
				return 0, 0, badConst(in)
			}
			g := inst.Globals[in.X]
			push(g.Lo, g.Hi)
		case wasm.OpI32Add, wasm.OpI32Sub, wasm.OpI32Mul, wasm.OpI64Add, wasm.OpI64Sub, wasm.OpI64Mul:
			n := len(stack)
			if n < 2 {
				return 0, 0, badConst(in)
			}
			x, y := stack[n-2], stack[n-1]
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
			stack = append(stack[:n-2], v)
		case wasm.OpRefI31:
			if len(stack) < 1 {
				return 0, 0, badConst(in)
			}
			stack[len(stack)-1] = gcheap.I31(uint32(stack[len(stack)-1]))
		case wasm.OpAnyConvertExtern, wasm.OpExternConvertAny:
			// The same word in either hierarchy (see gcheap).
		case wasm.OpStructNew, wasm.OpStructNewDefault, wasm.OpArrayNew, wasm.OpArrayNewDefault, wasm.OpArrayNewFixed:
			if !rooted {
				s.PushTempRoots(&stack)
				rooted = true
			}
			var err error
			if stack, err = constAlloc(s, inst, in, stack, his[:]); err != nil {
				return 0, 0, err
			}
		default:
			return 0, 0, badConst(in)
		}
	}
	if len(stack) != 1 {
		return 0, 0, fmt.Errorf("vm: constant expression of %d values at offset 0x%x", len(stack), e.Offset)
	}
	return stack[0], his[0], nil
}

func badConst(in wasm.Instr) error {
	return fmt.Errorf("vm: bad constant expression %s at offset 0x%x", in.Op, in.Offset)
}

// constAlloc runs one allocating instruction of a constant expression.
// Its operands are on stack (v128 high halves in his, for the first few).
func constAlloc(s *Store, inst *Instance, in wasm.Instr, stack, his []uint64) ([]uint64, error) {
	if ids := inst.GCTypes(); in.X >= uint32(len(ids)) || ids[in.X] == 0 {
		return nil, badConst(in)
	}
	h := s.GC()
	id := inst.GCTypes()[in.X]
	ti := h.Type(id)
	hiOf := func(i int) uint64 {
		if i < len(his) {
			return his[i]
		}
		return 0
	}
	var o uint64
	var err error
	var args []uint64
	switch in.Op {
	case wasm.OpStructNew, wasm.OpStructNewDefault:
		if in.Op == wasm.OpStructNew {
			if len(stack) < len(ti.Fields) {
				return nil, badConst(in)
			}
			args = stack[len(stack)-len(ti.Fields):]
		}
		if o, err = h.NewStruct(id); err != nil {
			return nil, &Trap{Code: GCTrap(err)}
		}
		base := len(stack) - len(args)
		for i := range args {
			gcheap.StoreField(h.Bytes(), o+uint64(ti.Offsets[i]), ti.Fields[i].Type, args[i], hiOf(base+i))
		}
		stack = stack[:base]
	default:
		var n uint32
		var fill bool
		switch in.Op {
		case wasm.OpArrayNew:
			if len(stack) < 2 {
				return nil, badConst(in)
			}
			n, fill = uint32(stack[len(stack)-1]), true
			stack = stack[:len(stack)-1]
			args = stack[len(stack)-1:]
		case wasm.OpArrayNewDefault:
			if len(stack) < 1 {
				return nil, badConst(in)
			}
			n = uint32(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
		default:
			if uint64(len(stack)) < uint64(in.Y) {
				return nil, badConst(in)
			}
			n = in.Y
			args = stack[len(stack)-int(n):]
		}
		if o, err = h.NewArray(id, n); err != nil {
			return nil, &Trap{Code: GCTrap(err)}
		}
		base := len(stack) - len(args)
		mem, es := h.Bytes(), uint64(ti.ElemSize)
		for i := uint64(0); i < uint64(n) && len(args) > 0; i++ {
			j := int(i)
			if fill {
				j = 0
			}
			gcheap.StoreField(mem, o+gcheap.HeaderSize+i*es, ti.Elem.Type, args[j], hiOf(base+j))
		}
		stack = stack[:base]
	}
	return append(stack, o), nil
}
