package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Typed function references. Every reference is an i64 word, 0 for null,
// whatever its type: the validator has proved the types, so a (ref $t)
// value holds a function whose type is $t or a subtype of it, and
// call_ref needs no type check (a subtype's parameters and results have
// the same representation).

// typedReference translates ref.as_non_null, br_on_null and br_on_non_null.
func (t *translator) typedReference(in *wasm.Instr) error {
	b := t.b
	switch in.Op {
	case wasm.OpRefAsNonNull:
		ref := t.pop()
		b.Trapz(ref, abi.TrapNullReference)
		t.push(ref)
	case wasm.OpBrOnNull:
		ref := t.pop()
		if err := t.branchIf(b.Icmp(ssa.IntEQ, ref, b.Iconst(ssa.I64, 0)), in.X, nil); err != nil {
			return err
		}
		t.push(ref)
	case wasm.OpBrOnNonNull:
		// The label takes the reference as its last value; the fall-through
		// path drops it.
		ref := t.pop()
		return t.branchIf(b.Icmp(ssa.IntNE, ref, b.Iconst(ssa.I64, 0)), in.X, &ref)
	default:
		return fmt.Errorf("unsupported instruction %s", in.Op)
	}
	return nil
}

// branchIf branches to label d when c (an i32) is non-zero, with the
// label's values from the stack (the last one extra instead, when set),
// and continues in a new block otherwise.
func (t *translator) branchIf(c ssa.Value, d uint32, extra *ssa.Value) error {
	fr := t.label(d)
	if fr == nil {
		return fmt.Errorf("branch depth %d out of range", d)
	}
	n := len(t.labelTypes(fr))
	var args []ssa.Value
	if extra != nil {
		args = append(t.peekN(n-1), *extra)
	} else {
		args = t.peekN(n)
	}
	cont := t.b.CreateBlock()
	if fr.kind == frameFunc {
		ret := t.b.CreateBlock()
		t.b.Brif(c, ret, nil, cont, nil)
		t.b.SealBlock(ret)
		t.b.SwitchToBlock(ret)
		t.noteReturn()
		t.b.Return(args...)
	} else {
		t.b.Brif(c, t.labelBlock(fr), args, cont, nil)
	}
	t.b.SealBlock(cont)
	t.b.SwitchToBlock(cont)
	return nil
}

// callRef translates call_ref $t: a null reference traps, anything else
// is called through its descriptor like call_indirect's callee.
func (t *translator) callRef(typeIndex uint32) error {
	sig, ft, err := t.typeSignature(typeIndex)
	if err != nil {
		return err
	}
	ref := t.pop()
	args := t.popN(len(ft.Params))
	t.b.Trapz(ref, abi.TrapNullFunctionReference)
	t.stack = append(t.stack, t.callDesc(ref, t.f.AddSig(sig), args, refField)...)
	return nil
}

// typeSignature is the SSA signature of function type typeIndex.
func (t *translator) typeSignature(typeIndex uint32) (ssa.Signature, *wasm.FuncType, error) {
	if typeIndex >= uint32(len(t.m.Types)) {
		return ssa.Signature{}, nil, fmt.Errorf("type %d out of range", typeIndex)
	}
	ft := &t.m.Types[typeIndex].Func
	sig, err := signature(ft)
	return sig, ft, err
}
