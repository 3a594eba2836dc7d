package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// constExpr checks a constant expression that must produce one value of
// type want. As in the reference interpreter, every instruction must first
// be constant ("constant expression required"), then the sequence must type
// as [] -> [want] ("type mismatch").
//
// Wasm 2.0 constant instructions are t.const, ref.null, ref.func and
// global.get of an immutable imported global.
func (v *validator) constExpr(e *wasm.ConstExpr, want wasm.ValType) error {
	var got wasm.ValType
	for i := range e.Instrs {
		in := &e.Instrs[i]
		off := in.Offset
		if off == 0 {
			off = e.Offset
		}
		switch in.Op {
		case wasm.OpI32Const:
			got = wasm.I32
		case wasm.OpI64Const:
			got = wasm.I64
		case wasm.OpF32Const:
			got = wasm.F32
		case wasm.OpF64Const:
			got = wasm.F64
		case wasm.OpV128Const:
			got = wasm.V128
		case wasm.OpRefNull:
			if !in.Type.IsRef() {
				return errAt(off, "malformed reference type")
			}
			got = in.Type
		case wasm.OpRefFunc:
			if in.X >= uint32(len(v.funcTypes)) {
				return errAt(off, "unknown function %d", in.X)
			}
			got = wasm.FuncRef
		case wasm.OpGlobalGet:
			if in.X >= v.importedGlobals {
				return errAt(off, "unknown global %d", in.X)
			}
			g := v.globals[in.X]
			if g.Mutable {
				return errAt(off, "constant expression required")
			}
			got = g.Val
		default:
			return errAt(off, "constant expression required")
		}
	}
	if len(e.Instrs) != 1 || got != want {
		return errAt(e.Offset, "type mismatch: constant expression must produce [%s] but produces %s",
			want, constResults(e, got))
	}
	return nil
}

func constResults(e *wasm.ConstExpr, last wasm.ValType) string {
	switch len(e.Instrs) {
	case 0:
		return "[]"
	case 1:
		return "[" + last.String() + "]"
	}
	return "more than one value"
}

// elems checks element segments: item types, target table and offset.
func (v *validator) elems() error {
	for i := range v.m.Elems {
		s := &v.m.Elems[i]
		if !s.Type.IsRef() {
			return errAt(s.Offset.Offset, "malformed reference type")
		}
		for j := range s.Items {
			if err := v.constExpr(&s.Items[j], s.Type); err != nil {
				return err
			}
		}
		if s.Mode != wasm.ElemActive {
			continue
		}
		if s.Table >= uint32(len(v.tables)) {
			return errAt(s.Offset.Offset, "unknown table %d", s.Table)
		}
		if et := v.tables[s.Table].Elem; et != s.Type {
			return errAt(s.Offset.Offset, "type mismatch: element segment of %s cannot initialise a table of %s", s.Type, et)
		}
		if err := v.constExpr(&s.Offset, wasm.I32); err != nil {
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
		if d.Memory >= v.numMems {
			return errAt(d.Offset.Offset, "unknown memory %d", d.Memory)
		}
		if err := v.constExpr(&d.Offset, wasm.I32); err != nil {
			return err
		}
	}
	return nil
}

// collectDeclaredRefs gathers C.refs: the functions that ref.func may name
// inside bodies, which are those referenced anywhere in the module outside
// function bodies (segments, global initialisers, exports). It runs after
// the constant expressions have been checked, so every index is in range.
func (v *validator) collectDeclaredRefs() {
	n := len(v.funcTypes)
	v.declared = make([]uint64, (n+63)/64)
	mark := func(e *wasm.ConstExpr) {
		for i := range e.Instrs {
			in := &e.Instrs[i]
			if in.Op == wasm.OpRefFunc && in.X < uint32(n) {
				v.declared[in.X/64] |= 1 << (in.X % 64)
			}
		}
	}
	m := v.m
	for i := range m.Globals {
		mark(&m.Globals[i].Init)
	}
	for i := range m.Elems {
		mark(&m.Elems[i].Offset)
		for j := range m.Elems[i].Items {
			mark(&m.Elems[i].Items[j])
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
