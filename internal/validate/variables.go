package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// variable validates drop, select and the local and global instructions.
func (v *validator) variable(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpDrop:
		_, err := v.pop()
		return err
	case wasm.OpSelect:
		return v.selectUntyped()
	case wasm.OpSelectT:
		if len(in.Types) != 1 {
			return v.fail("invalid result arity")
		}
		t := in.Types[0]
		if !t.Valid() {
			return v.malformed("invalid value type")
		}
		if err := v.bodyValType(t); err != nil {
			return err
		}
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		if _, err := v.popExpect(t); err != nil {
			return err
		}
		if _, err := v.popExpect(t); err != nil {
			return err
		}
		v.push(t)
	case wasm.OpLocalGet:
		t, err := v.local(in.X)
		if err != nil {
			return err
		}
		if !v.inits.isSet(in.X) {
			return v.fail("uninitialized local %d", in.X)
		}
		v.push(t)
	case wasm.OpLocalSet:
		t, err := v.local(in.X)
		if err != nil {
			return err
		}
		if _, err := v.popExpect(t); err != nil {
			return err
		}
		v.inits.mark(in.X)
	case wasm.OpLocalTee:
		t, err := v.local(in.X)
		if err != nil {
			return err
		}
		if _, err := v.popExpect(t); err != nil {
			return err
		}
		v.inits.mark(in.X)
		v.push(t)
	case wasm.OpGlobalGet:
		if in.X >= uint32(len(v.globals)) {
			return v.fail("unknown global %d", in.X)
		}
		v.push(v.globals[in.X].Val)
	case wasm.OpGlobalSet:
		if in.X >= uint32(len(v.globals)) {
			return v.fail("unknown global %d", in.X)
		}
		g := v.globals[in.X]
		if !g.Mutable {
			return v.fail("global is immutable")
		}
		_, err := v.popExpect(g.Val)
		return err
	}
	return nil
}

// selectUntyped is select without a type immediate, which only chooses
// between two numeric or two vector operands.
func (v *validator) selectUntyped() error {
	if _, err := v.popExpect(wasm.I32); err != nil {
		return err
	}
	t1, err := v.pop()
	if err != nil {
		return err
	}
	t2, err := v.pop()
	if err != nil {
		return err
	}
	if !(isNum(t1) && isNum(t2)) && !(isVec(t1) && isVec(t2)) {
		return v.fail("type mismatch: select without a type needs numeric or vector operands, not %s and %s", typeName(t2), typeName(t1))
	}
	if t1 != t2 && t1 != unknown && t2 != unknown {
		return v.fail("type mismatch: select operands differ: %s and %s", typeName(t2), typeName(t1))
	}
	if t1 == unknown {
		v.push(t2)
	} else {
		v.push(t1)
	}
	return nil
}
