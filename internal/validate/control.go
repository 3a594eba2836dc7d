package validate

import (
	"slices"

	"github.com/moat-run/moat/internal/wasm"
)

// control validates structured control, branches and calls.
func (v *validator) control(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpUnreachable:
		v.setUnreachable()
	case wasm.OpNop:
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		params, results, err := v.blockType(in.Block)
		if err != nil {
			return err
		}
		if in.Op == wasm.OpIf {
			if _, err := v.popExpect(wasm.I32); err != nil {
				return err
			}
		}
		if err := v.popVals(params); err != nil {
			return err
		}
		v.pushCtrl(in.Op, params, results)
	case wasm.OpElse:
		if v.ctrls[len(v.ctrls)-1].op != wasm.OpIf {
			return v.malformed("else without matching if")
		}
		f, err := v.popCtrl()
		if err != nil {
			return err
		}
		v.pushCtrl(wasm.OpElse, f.params, f.results)
	case wasm.OpEnd:
		f, err := v.popCtrl()
		if err != nil {
			return err
		}
		// An if without else has an implicit empty else, which must turn
		// the block's parameters into its results.
		if f.op == wasm.OpIf && !slices.Equal(f.params, f.results) {
			return v.fail("type mismatch: if without else must have equal parameter and result types")
		}
		v.pushVals(f.results)
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
		if err := v.popVals(v.ctrls[0].results); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpCall:
		if in.X >= uint32(len(v.funcTypes)) {
			return v.fail("unknown function %d", in.X)
		}
		return v.call(v.funcTypes[in.X])
	case wasm.OpCallIndirect:
		if in.Y >= uint32(len(v.tables)) {
			return v.fail("unknown table %d", in.Y)
		}
		if et := v.tables[in.Y].Elem; et != wasm.FuncRef {
			return v.fail("type mismatch: call_indirect requires a table of funcref, table %d holds %s", in.Y, et)
		}
		if in.X >= uint32(len(v.m.Types)) {
			return v.fail("unknown type %d", in.X)
		}
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		return v.call(&v.m.Types[in.X])
	}
	return nil
}

func (v *validator) call(ft *wasm.FuncType) error {
	if err := v.popVals(ft.Params); err != nil {
		return err
	}
	v.pushVals(ft.Results)
	return nil
}

// blockType resolves a block type to its parameter and result types.
func (v *validator) blockType(bt wasm.BlockType) (params, results []wasm.ValType, err error) {
	switch bt.Kind {
	case wasm.BlockEmpty:
		return nil, nil, nil
	case wasm.BlockValue:
		if !validValType(bt.Type) {
			return nil, nil, v.malformed("invalid block type")
		}
		return nil, oneType[bt.Type][:], nil
	case wasm.BlockTypeIndex:
		if bt.Index >= uint32(len(v.m.Types)) {
			return nil, nil, v.fail("unknown type %d", bt.Index)
		}
		t := &v.m.Types[bt.Index]
		return t.Params, t.Results, nil
	}
	return nil, nil, v.malformed("invalid block type")
}

// label returns the frame that branch depth l targets.
func (v *validator) label(l uint32) (*frame, error) {
	if l >= uint32(len(v.ctrls)) {
		return nil, v.fail("unknown label %d", l)
	}
	return &v.ctrls[len(v.ctrls)-1-int(l)], nil
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
