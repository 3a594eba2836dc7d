package ssa

import "fmt"

// checkInst checks one instruction against its opcode's table row.
func (v *verifier) checkInst(b *Block, in *Inst) {
	f := v.f
	where := func() string { return fmt.Sprintf("block%d: %s", b.ID, f.InstString(in)) }
	if in.Op <= OpInvalid || in.Op >= numOpcodes {
		v.errorf("block%d: invalid opcode %d", b.ID, in.Op)
		return
	}
	info := in.Op.info()
	if info.ctrl == tcNone {
		if in.Type != TypeInvalid {
			v.errorf("%s: %s takes no controlling type", where(), in.Op)
		}
	} else if !info.ctrl.admits(in.Type) {
		v.errorf("%s: controlling type %s, want %s", where(), in.Type, typeClassNames[info.ctrl])
		return
	}

	// The expected argument types: the fixed ones from the table, then
	// those the immediate implies (call signatures, returned values).
	fixed := info.args
	var extra []Type
	switch info.imm {
	case immCall, immCallIndirect:
		if in.Sig < 0 || int(in.Sig) >= len(f.Sigs) {
			v.errorf("%s: no signature sig%d", where(), in.Sig)
			return
		}
		extra = f.Sigs[in.Sig].Params
		if in.Op.IsTailCall() && !sameTypes(f.Sigs[in.Sig].Results, f.Sig.Results) {
			v.errorf("%s: the callee's results %v are not the function's %v", where(), f.Sigs[in.Sig].Results, f.Sig.Results)
		}
	case immReturn:
		extra = f.Sig.Results
	}
	if len(in.Args) != len(fixed)+len(extra) {
		v.errorf("%s: %d arguments, want %d", where(), len(in.Args), len(fixed)+len(extra))
		return
	}
	for i, class := range fixed {
		t := f.ValueType(in.Args[i])
		ok := false
		switch class {
		case tcSame:
			ok = i > 0 && t == f.ValueType(in.Args[i-1])
		case tcCtrl:
			ok = t == in.Type
		case tcLane:
			ok = t == in.Shape().ScalarType()
		default:
			ok = class.admits(t)
		}
		if !ok {
			want := typeClassNames[class]
			if class == tcSame && i > 0 {
				want = f.ValueType(in.Args[i-1]).String()
			}
			v.errorf("%s: argument %d (%s) has type %s, want %s", where(), i+1, in.Args[i], t, want)
		}
	}
	for i, want := range extra {
		a := in.Args[len(fixed)+i]
		if t := f.ValueType(a); t != want {
			v.errorf("%s: argument %d (%s) has type %s, want %s", where(), len(fixed)+i+1, a, t, want)
		}
	}
	if in.Op == OpBitcast {
		from := f.ValueType(in.Args[0])
		if from.Bits() != in.Type.Bits() || from == in.Type || from.IsInt() == in.Type.IsInt() && from != V128 && in.Type != V128 {
			v.errorf("%s: cannot bitcast %s to %s", where(), from, in.Type)
		}
	}

	if info.shapes != 0 || info.imm == immV128 || info.imm == immShuffle {
		v.checkVector(in, info, where)
	}

	// Results.
	want := f.resultTypes(in)
	if len(want) != len(in.Results) {
		v.errorf("%s: %d results, want %d", where(), len(in.Results), len(want))
	} else {
		for i, r := range in.Results {
			if t := f.ValueType(r); t != want[i] {
				v.errorf("%s: result %s has type %s, want %s", where(), r, t, want[i])
			}
		}
	}

	// Immediates and branch targets.
	switch info.imm {
	case immInt:
		if in.Type == I32 && in.Imm>>32 != 0 {
			v.errorf("%s: i32 constant with high bits set", where())
		}
	case immF32:
		if in.Imm>>32 != 0 {
			v.errorf("%s: f32 constant with high bits set", where())
		}
	case immIntCC:
		if in.IntCC >= numIntCC {
			v.errorf("%s: invalid condition", where())
		}
	case immFloatCC:
		if in.FloatCC >= numFloatCC {
			v.errorf("%s: invalid condition", where())
		}
	case immMem:
		if in.Flags>>len(memFlagNames) != 0 {
			v.errorf("%s: unknown memory flags", where())
		}
	}
	if len(in.Targets) > 0 && info.imm != immJump && info.imm != immBrif && info.imm != immBrTable {
		v.errorf("%s: %s has no branch targets", where(), in.Op)
	}
	switch info.imm {
	case immJump:
		v.checkTargetCount(in, where, 1, 1)
	case immBrif:
		v.checkTargetCount(in, where, 2, 2)
	case immBrTable:
		v.checkTargetCount(in, where, 1, -1)
	}
	for _, t := range in.Targets {
		if len(t.Args) != len(t.Block.Params) {
			v.errorf("%s: %d arguments for block%d, which has %d parameters", where(), len(t.Args), t.Block.ID, len(t.Block.Params))
			continue
		}
		for i, a := range t.Args {
			if at, pt := f.ValueType(a), f.ValueType(t.Block.Params[i]); at != pt {
				v.errorf("%s: argument %s for block%d has type %s, want %s", where(), a, t.Block.ID, at, pt)
			}
		}
	}
}

func (v *verifier) checkTargetCount(in *Inst, where func() string, lo, hi int) {
	n := len(in.Targets)
	if n < lo || hi >= 0 && n > hi {
		v.errorf("%s: %d branch targets", where(), n)
	}
}

func sameTypes(a, b []Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
