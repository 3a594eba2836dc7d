package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// tableType returns the element type of table x.
func (v *validator) tableType(x uint32) (wasm.ValType, error) {
	if x >= uint32(len(v.tables)) {
		return 0, v.fail("unknown table %d", x)
	}
	return v.tables[x].Elem, nil
}

// table validates table.get, table.set, table.grow, table.size and table.fill.
func (v *validator) table(in *wasm.Instr) error {
	et, err := v.tableType(in.X)
	if err != nil {
		return err
	}
	switch in.Op {
	case wasm.OpTableGet:
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		v.push(et)
	case wasm.OpTableSet:
		if _, err := v.popExpect(et); err != nil {
			return err
		}
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
	case wasm.OpTableSize:
		v.push(wasm.I32)
	case wasm.OpTableGrow:
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		if _, err := v.popExpect(et); err != nil {
			return err
		}
		v.push(wasm.I32)
	case wasm.OpTableFill:
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		if _, err := v.popExpect(et); err != nil {
			return err
		}
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
	}
	return nil
}

// bulkTable checks the indices of table.init, table.copy and elem.drop; the
// opcode table gives their operand types.
func (v *validator) bulkTable(in *wasm.Instr, imm wasm.ImmKind) error {
	switch imm {
	case wasm.ImmTableInit: // X = element segment, Y = table
		et, err := v.tableType(in.Y)
		if err != nil {
			return err
		}
		st, err := v.elemSegment(in.X)
		if err != nil {
			return err
		}
		if st != et {
			return v.fail("type mismatch: element segment %d of %s cannot initialise table %d of %s", in.X, st, in.Y, et)
		}
	case wasm.ImmTableCopy: // X = destination, Y = source
		dt, err := v.tableType(in.X)
		if err != nil {
			return err
		}
		st, err := v.tableType(in.Y)
		if err != nil {
			return err
		}
		if st != dt {
			return v.fail("type mismatch: table.copy from a table of %s to a table of %s", st, dt)
		}
	case wasm.ImmElem:
		_, err := v.elemSegment(in.X)
		return err
	}
	return nil
}

// elemSegment returns the reference type of element segment x.
func (v *validator) elemSegment(x uint32) (wasm.ValType, error) {
	if x >= v.numElems {
		return 0, v.fail("unknown elem segment %d", x)
	}
	return v.m.Elems[x].Type, nil
}
