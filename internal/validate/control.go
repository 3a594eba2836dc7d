package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// control validates structured control, branches and calls.
func (v *validator) control(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpUnreachable:
		v.setUnreachable()
	case wasm.OpNop:
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		sig, err := v.blockType(in.Block)
		if err != nil {
			return err
		}
		if in.Op == wasm.OpIf {
			if _, err := v.popExpect(wasm.I32); err != nil {
				return err
			}
		}
		if err := v.popVals(sig.Params); err != nil {
			return err
		}
		v.pushCtrl(in.Op, sig)
	case wasm.OpElse:
		if v.ctrls.top.op != wasm.OpIf {
			return v.malformed("else without matching if")
		}
		f, err := v.popCtrl()
		if err != nil {
			return err
		}
		v.pushCtrl(wasm.OpElse, f.sig)
	case wasm.OpEnd:
		f, err := v.popCtrl()
		if err != nil {
			return err
		}
		// An if without else has an implicit empty else, which must turn
		// the block's parameters into its results.
		if f.op == wasm.OpIf && !v.matchAll(f.sig.Params, f.sig.Results) {
			return v.fail("type mismatch: if without else must have equal parameter and result types")
		}
		v.pushVals(f.sig.Results)
	case wasm.OpBr:
		f, err := v.label(in.X)
		if err != nil {
			return err
		}
		if err := v.popVals(f.labelTypes()); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpBrIf:
		f, err := v.label(in.X)
		if err != nil {
			return err
		}
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		lt := f.labelTypes()
		if err := v.popVals(lt); err != nil {
			return err
		}
		v.pushVals(lt)
	case wasm.OpBrTable:
		return v.brTable(in)
	case wasm.OpReturn:
		if err := v.popVals(v.results); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpCall:
		if in.X >= uint32(len(v.funcTypes)) {
			return v.fail("unknown function %d", in.X)
		}
		return v.call(v.funcTypes[in.X])
	case wasm.OpCallIndirect:
		ft, err := v.indirectCallee(in)
		if err != nil {
			return err
		}
		return v.call(ft)
	}
	return nil
}

// indirectCallee checks call_indirect's (and return_call_indirect's) table
// and type, pops the table index and returns the callee's type.
func (v *validator) indirectCallee(in *wasm.Instr) (*wasm.FuncType, error) {
	if in.Y >= uint32(len(v.tables)) {
		return nil, v.fail("unknown table %d", in.Y)
	}
	tt := &v.tables[in.Y]
	if !v.m.Match(tt.Elem, wasm.FuncRef) {
		return nil, v.fail("type mismatch: call_indirect requires a table of funcref, table %d holds %s", in.Y, tt.Elem)
	}
	ft, err := v.funcTypeIndex(in.X)
	if err != nil {
		return nil, err
	}
	if _, err := v.popExpect(tt.AddrType()); err != nil {
		return nil, err
	}
	return ft, nil
}

// funcTypeIndex returns the function type at type index x of the current body.
func (v *validator) funcTypeIndex(x uint32) (*wasm.FuncType, error) {
	if x >= uint32(len(v.m.Types)) {
		return nil, v.fail("unknown type %d", x)
	}
	ft := v.m.FuncType(x)
	if ft == nil {
		return nil, v.fail("non-function type %d", x)
	}
	return ft, nil
}

func (v *validator) call(ft *wasm.FuncType) error {
	if err := v.popVals(ft.Params); err != nil {
		return err
	}
	v.pushVals(ft.Results)
	return nil
}

// oneType holds a function type of no parameters and one result for every
// number and vector type and the abbreviated reference types, so that
// block types of the single-value form share one for them.
var oneType = func() map[wasm.ValType]*wasm.FuncType {
	m := map[wasm.ValType]*wasm.FuncType{}
	for _, t := range []wasm.ValType{wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128, wasm.FuncRef, wasm.ExternRef, wasm.ExnRef} {
		m[t] = &wasm.FuncType{Results: []wasm.ValType{t}}
	}
	return m
}()

// emptyType is the type of blocks of the empty block type.
var emptyType = &wasm.FuncType{}

// blockType resolves a block type to a function type holding its
// parameter and result types. Single-value forms of other types share one
// per validator and type, so a block allocates nothing.
func (v *validator) blockType(bt wasm.BlockType) (*wasm.FuncType, error) {
	switch bt.Kind {
	case wasm.BlockEmpty:
		return emptyType, nil
	case wasm.BlockValue:
		if !bt.Type.Valid() {
			return nil, v.malformed("invalid block type")
		}
		if err := v.bodyValType(bt.Type); err != nil {
			return nil, err
		}
		if one, ok := oneType[bt.Type]; ok {
			return one, nil
		}
		one, ok := v.oneRef[bt.Type]
		if !ok {
			if v.oneRef == nil {
				v.oneRef = map[wasm.ValType]*wasm.FuncType{}
			}
			one = &wasm.FuncType{Results: []wasm.ValType{bt.Type}}
			v.oneRef[bt.Type] = one
		}
		return one, nil
	case wasm.BlockTypeIndex:
		return v.funcTypeIndex(bt.Index)
	}
	return nil, v.malformed("invalid block type")
}

// label returns the frame that branch depth l targets.
func (v *validator) label(l uint32) (*frame, error) {
	f := v.ctrls.label(l)
	if f == nil {
		return nil, v.fail("unknown label %d", l)
	}
	return f, nil
}

// brTable follows the spec appendix: every target must have the default's
// arity and accept the operands, which stay on the stack until the default
// target's types are popped.
func (v *validator) brTable(in *wasm.Instr) error {
	if len(in.Targets) == 0 {
		return v.malformed("br_table without default target")
	}
	if _, err := v.popExpect(wasm.I32); err != nil {
		return err
	}
	def, err := v.label(in.Targets[len(in.Targets)-1])
	if err != nil {
		return err
	}
	defTypes := def.labelTypes()
	for _, l := range in.Targets[:len(in.Targets)-1] {
		f, err := v.label(l)
		if err != nil {
			return err
		}
		lt := f.labelTypes()
		if len(lt) != len(defTypes) {
			return v.fail("type mismatch: br_table target %d carries %d values, the default %d", l, len(lt), len(defTypes))
		}
		if err := v.checkTop(lt); err != nil {
			return err
		}
	}
	if err := v.popVals(defTypes); err != nil {
		return err
	}
	v.setUnreachable()
	return nil
}
