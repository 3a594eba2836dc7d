package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// tableAt returns table x's type.
func (v *validator) tableAt(x uint32) (*wasm.TableType, error) {
	if x >= uint32(len(v.tables)) {
		return nil, v.fail("unknown table %d", x)
	}
	return &v.tables[x], nil
}

// table validates the table instructions. Indices and sizes have the
// table's address type (i64 for 64-bit tables).
func (v *validator) table(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpTableInit:
		return v.tableInit(in)
	case wasm.OpTableCopy:
		return v.tableCopy(in)
	}
	tt, err := v.tableAt(in.X)
	if err != nil {
		return err
	}
	at, et := tt.AddrType(), tt.Elem
	switch in.Op {
	case wasm.OpTableGet:
		if _, err := v.popExpect(at); err != nil {
			return err
		}
		v.push(et)
	case wasm.OpTableSet:
		if _, err := v.popExpect(et); err != nil {
			return err
		}
		if _, err := v.popExpect(at); err != nil {
			return err
		}
	case wasm.OpTableSize:
		v.push(at)
	case wasm.OpTableGrow:
		if _, err := v.popExpect(at); err != nil {
			return err
		}
		if _, err := v.popExpect(et); err != nil {
			return err
		}
		v.push(at)
	case wasm.OpTableFill:
		if _, err := v.popExpect(at); err != nil {
			return err
		}
		if _, err := v.popExpect(et); err != nil {
			return err
		}
		if _, err := v.popExpect(at); err != nil {
			return err
		}
	}
	return nil
}

// tableInit checks table.init x y (X = element segment, Y = table): the
// segment's type must match the table's; operands: destination (the
// table's address type), source and count (i32).
func (v *validator) tableInit(in *wasm.Instr) error {
	tt, err := v.tableAt(in.Y)
	if err != nil {
		return err
	}
	st, err := v.elemSegment(in.X)
	if err != nil {
		return err
	}
	if !v.matches(st, tt.Elem) {
		return v.fail("type mismatch: element segment %d of %s cannot initialise table %d of %s", in.X, st, in.Y, tt.Elem)
	}
	return v.popVals([]wasm.ValType{tt.AddrType(), wasm.I32, wasm.I32})
}

// tableCopy checks table.copy x y (X = destination, Y = source): the
// count has the smaller of the two address types.
func (v *validator) tableCopy(in *wasm.Instr) error {
	dt, err := v.tableAt(in.X)
	if err != nil {
		return err
	}
	st, err := v.tableAt(in.Y)
	if err != nil {
		return err
	}
	if !v.matches(st.Elem, dt.Elem) {
		return v.fail("type mismatch: table.copy from a table of %s to a table of %s", st.Elem, dt.Elem)
	}
	n := wasm.I32
	if dt.Is64 && st.Is64 {
		n = wasm.I64
	}
	return v.popVals([]wasm.ValType{dt.AddrType(), st.AddrType(), n})
}

// elemSegment returns the reference type of element segment x.
func (v *validator) elemSegment(x uint32) (wasm.ValType, error) {
	if x >= uint32(len(v.elemTypes)) {
		return 0, v.fail("unknown elem segment %d", x)
	}
	return v.elemTypes[x], nil
}
