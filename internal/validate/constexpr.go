package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// constExpr checks a constant expression that must produce one value of
// type want. As in the reference interpreter, every instruction must first
// be constant ("constant expression required"), then the sequence must type
// as [] -> [want] ("type mismatch").
//
// Constant instructions are t.const, ref.null, ref.func, global.get of an
// immutable global defined before (imported, in Wasm 2.0), and with
// extended constant expressions i32/i64 add, sub and mul, and the
// allocating and converting instructions of garbage collection (gcConst).
func (v *validator) constExpr(e *wasm.ConstExpr, want wasm.ValType) error {
	n := e.Len()
	for i := range n {
		in := e.At(i)
		if err := v.constInstr(&in, int(e.Offset)); err != nil {
			return err
		}
	}
	var stack []wasm.ValType
	var buf [4]wasm.ValType
	stack = buf[:0]
	mismatch := func(off int, format string, args ...any) error {
		return errAt(off, "type mismatch: "+format, args...)
	}
	for i := range n {
		ins := e.At(i)
		in := &ins
		off := instrOffset(in, int(e.Offset))
		switch in.Op {
		case wasm.OpI32Const:
			stack = append(stack, wasm.I32)
		case wasm.OpI64Const:
			stack = append(stack, wasm.I64)
		case wasm.OpF32Const:
			stack = append(stack, wasm.F32)
		case wasm.OpF64Const:
			stack = append(stack, wasm.F64)
		case wasm.OpV128Const:
			stack = append(stack, wasm.V128)
		case wasm.OpI32Add, wasm.OpI32Sub, wasm.OpI32Mul, wasm.OpI64Add, wasm.OpI64Sub, wasm.OpI64Mul:
			t := in.Op.Info().Params[0]
			n := len(stack)
			if n < 2 || stack[n-1] != t || stack[n-2] != t {
				return mismatch(off, "%s requires [%s %s]", in.Op, t, t)
			}
			stack = stack[:n-1]
		case wasm.OpRefNull:
			stack = append(stack, in.Type)
		case wasm.OpRefFunc:
			stack = append(stack, wasm.RefType(false, wasm.HeapType(v.funcTypeX[in.X])))
		case wasm.OpGlobalGet:
			stack = append(stack, v.globals[in.X].Val)
		default:
			var err error
			if stack, err = v.gcConst(in, off, stack); err != nil {
				return err
			}
		}
	}
	if len(stack) != 1 || !v.matches(stack[0], want) {
		got := "more than one value"
		switch len(stack) {
		case 0:
			got = "[]"
		case 1:
			got = "[" + stack[0].String() + "]"
		}
		return errAt(int(e.Offset), "type mismatch: constant expression must produce [%s] but produces %s", want, got)
	}
	return nil
}

// instrOffset is an instruction's offset, or the expression's when the
// instruction has none (text-format modules).
func instrOffset(in *wasm.Instr, exprOffset int) int {
	if in.Offset == 0 {
		return exprOffset
	}
	return in.Offset
}

// constInstr checks that in may appear in a constant expression, and its
// immediates.
func (v *validator) constInstr(in *wasm.Instr, exprOffset int) error {
	off := instrOffset(in, exprOffset)
	switch in.Op {
	case wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const, wasm.OpV128Const:
		return nil
	case wasm.OpI32Add, wasm.OpI32Sub, wasm.OpI32Mul, wasm.OpI64Add, wasm.OpI64Sub, wasm.OpI64Mul:
		if v.disabled&wasm.FeatureExtendedConst != 0 {
			return errAt(off, "constant expression required")
		}
		v.used |= wasm.FeatureExtendedConst
		return nil
	case wasm.OpRefNull:
		if !in.Type.IsRef() {
			return errAt(off, "malformed reference type")
		}
		return v.valType(in.Type, off)
	case wasm.OpRefFunc:
		if in.X >= uint32(len(v.funcTypes)) {
			return errAt(off, "unknown function %d", in.X)
		}
		return nil
	case wasm.OpGlobalGet:
		if in.X >= v.constGlobals {
			return errAt(off, "unknown global %d", in.X)
		}
		if v.globals[in.X].Mutable {
			return errAt(off, "constant expression required")
		}
		if in.X >= v.m.NumImportedGlobals {
			v.used |= wasm.FeatureGC // reading a defined global came with 3.0
		}
		return nil
	case wasm.OpStructNew, wasm.OpStructNewDefault, wasm.OpArrayNew, wasm.OpArrayNewDefault,
		wasm.OpArrayNewFixed, wasm.OpRefI31, wasm.OpAnyConvertExtern, wasm.OpExternConvertAny:
		return v.use(wasm.FeatureGC, off, wasm.NoFunc)
	}
	return errAt(off, "constant expression required")
}

// elems checks element segments: item types, target table and offset.
func (v *validator) elems() error {
	for i := range v.m.Elems {
		s := &v.m.Elems[i]
		if !s.Type.IsRef() {
			return errAt(int(s.Offset.Offset), "malformed reference type")
		}
		// A segment of function indices has type (ref func) in every
		// version of the binary format: that type alone uses no feature.
		if s.Type != wasm.RefType(false, wasm.HeapFunc) {
			if err := v.valType(s.Type, int(s.Offset.Offset)); err != nil {
				return err
			}
		}
		for j := range s.Items {
			if err := v.constExpr(&s.Items[j], s.Type); err != nil {
				return err
			}
		}
		for j, x := range s.Funcs {
			if x == wasm.NullFuncItem && s.Type == wasm.FuncRef {
				continue
			}
			if x >= uint32(len(v.funcTypes)) {
				return errAt(s.FuncOffset(j), "unknown function %d", x)
			}
		}
		if s.Mode != wasm.ElemActive {
			continue
		}
		if s.Table >= uint32(len(v.tables)) {
			return errAt(int(s.Offset.Offset), "unknown table %d", s.Table)
		}
		tt := &v.tables[s.Table]
		if !v.m.Match(s.Type, tt.Elem) {
			return errAt(int(s.Offset.Offset), "type mismatch: element segment of %s cannot initialise a table of %s", s.Type, tt.Elem)
		}
		if err := v.constExpr(&s.Offset, tt.AddrType()); err != nil {
			return err
		}
	}
	return nil
}

// datas checks active data segments' memory and offset.
func (v *validator) datas() error {
	for i := range v.m.Datas {
		d := &v.m.Datas[i]
		if d.Mode != wasm.DataActive {
			continue
		}
		if d.Memory >= uint32(len(v.memories)) {
			return errAt(int(d.Offset.Offset), "unknown memory %d", d.Memory)
		}
		if err := v.constExpr(&d.Offset, v.memories[d.Memory].AddrType()); err != nil {
			return err
		}
	}
	return nil
}

// collectDeclaredRefs gathers C.refs: the functions that ref.func may name
// inside bodies, which are those referenced anywhere in the module outside
// function bodies (segments, global and table initialisers, exports). It
// runs after the constant expressions have been checked, so every index is
// in range.
func (v *validator) collectDeclaredRefs() {
	n := len(v.funcTypes)
	v.declared = make([]uint64, (n+63)/64)
	mark := func(e *wasm.ConstExpr) {
		for i := range e.Len() {
			if in := e.At(i); in.Op == wasm.OpRefFunc && in.X < uint32(n) {
				v.declared[in.X/64] |= 1 << (in.X % 64)
			}
		}
	}
	m := v.m
	for i := range m.Globals {
		mark(&m.Globals[i].Init)
	}
	for i := range m.Tables {
		mark(&m.Tables[i].Init)
	}
	for i := range m.Elems {
		mark(&m.Elems[i].Offset)
		for j := range m.Elems[i].Items {
			mark(&m.Elems[i].Items[j])
		}
		for _, x := range m.Elems[i].Funcs {
			if x < uint32(n) {
				v.declared[x/64] |= 1 << (x % 64)
			}
		}
	}
	for i := range m.Datas {
		mark(&m.Datas[i].Offset)
	}
	for i := range m.Exports {
		if e := &m.Exports[i]; e.Kind == wasm.ExternFunc && e.Index < uint32(n) {
			v.declared[e.Index/64] |= 1 << (e.Index % 64)
		}
	}
}

func (v *validator) isDeclared(f uint32) bool {
	return f/64 < uint32(len(v.declared)) && v.declared[f/64]&(1<<(f%64)) != 0
}
