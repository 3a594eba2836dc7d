package interp

import (
	"fmt"

	"github.com/moat-run/moat/internal/wasm"
)

// form says how an instruction with a fixed signature is translated.
type form uint8

const (
	formNone   form = iota
	formBinary      // pop 2, push 1: op a, b, c (imm form when one side is constant)
	formUnary       // pop 1, push 1: op a, b
	formSame        // the value's bits do not change (reinterpret, extend_i32_u)
	formConst       // push a constant
	formLoad        // pop address, push value
	formStore       // pop value and address
	formMisc        // bulk memory/table instructions with fixed signatures
)

type opSpec struct {
	form   form
	op     uint16
	imm    uint16 // op with the right operand as immediate, 0 if none
	immRev uint16 // op with the left operand as immediate, 0 if none
}

var opSpecs = map[wasm.Opcode]opSpec{}

func init() {
	bin := func(w wasm.Opcode, op, imm, immRev uint16) {
		opSpecs[w] = opSpec{form: formBinary, op: op, imm: imm, immRev: immRev}
	}
	un := func(w wasm.Opcode, op uint16) { opSpecs[w] = opSpec{form: formUnary, op: op} }

	// Integer compares, in the order eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u.
	cmp32 := []wasm.Opcode{wasm.OpI32Eq, wasm.OpI32Ne, wasm.OpI32LtS, wasm.OpI32LtU, wasm.OpI32GtS,
		wasm.OpI32GtU, wasm.OpI32LeS, wasm.OpI32LeU, wasm.OpI32GeS, wasm.OpI32GeU}
	cmp64 := []wasm.Opcode{wasm.OpI64Eq, wasm.OpI64Ne, wasm.OpI64LtS, wasm.OpI64LtU, wasm.OpI64GtS,
		wasm.OpI64GtU, wasm.OpI64LeS, wasm.OpI64LeU, wasm.OpI64GeS, wasm.OpI64GeU}
	for k := range uint16(10) {
		bin(cmp32[k], opI32Eq+k, opI32EqImm+k, opI32EqImm+mirrorCmp[k])
		bin(cmp64[k], opI64Eq+k, opI64EqImm+k, opI64EqImm+mirrorCmp[k])
	}

	bin(wasm.OpI32Add, opI32Add, opI32AddImm, opI32AddImm)
	bin(wasm.OpI32Sub, opI32Sub, opI32SubImm, 0)
	bin(wasm.OpI32Mul, opI32Mul, opI32MulImm, opI32MulImm)
	bin(wasm.OpI32DivS, opI32DivS, 0, 0)
	bin(wasm.OpI32DivU, opI32DivU, 0, 0)
	bin(wasm.OpI32RemS, opI32RemS, 0, 0)
	bin(wasm.OpI32RemU, opI32RemU, 0, 0)
	bin(wasm.OpI32And, opI32And, opI32AndImm, opI32AndImm)
	bin(wasm.OpI32Or, opI32Or, opI32OrImm, opI32OrImm)
	bin(wasm.OpI32Xor, opI32Xor, opI32XorImm, opI32XorImm)
	bin(wasm.OpI32Shl, opI32Shl, opI32ShlImm, 0)
	bin(wasm.OpI32ShrS, opI32ShrS, opI32ShrSImm, 0)
	bin(wasm.OpI32ShrU, opI32ShrU, opI32ShrUImm, 0)
	bin(wasm.OpI32Rotl, opI32Rotl, 0, 0)
	bin(wasm.OpI32Rotr, opI32Rotr, 0, 0)
	un(wasm.OpI32Eqz, opI32Eqz)
	un(wasm.OpI32Clz, opI32Clz)
	un(wasm.OpI32Ctz, opI32Ctz)
	un(wasm.OpI32Popcnt, opI32Popcnt)
	un(wasm.OpI32Extend8S, opI32Extend8S)
	un(wasm.OpI32Extend16S, opI32Extend16S)
	un(wasm.OpI32WrapI64, opI32WrapI64)

	bin(wasm.OpI64Add, opI64Add, opI64AddImm, opI64AddImm)
	bin(wasm.OpI64Sub, opI64Sub, opI64SubImm, 0)
	bin(wasm.OpI64Mul, opI64Mul, opI64MulImm, opI64MulImm)
	bin(wasm.OpI64DivS, opI64DivS, 0, 0)
	bin(wasm.OpI64DivU, opI64DivU, 0, 0)
	bin(wasm.OpI64RemS, opI64RemS, 0, 0)
	bin(wasm.OpI64RemU, opI64RemU, 0, 0)
	bin(wasm.OpI64And, opI64And, opI64AndImm, opI64AndImm)
	bin(wasm.OpI64Or, opI64Or, opI64OrImm, opI64OrImm)
	bin(wasm.OpI64Xor, opI64Xor, opI64XorImm, opI64XorImm)
	bin(wasm.OpI64Shl, opI64Shl, opI64ShlImm, 0)
	bin(wasm.OpI64ShrS, opI64ShrS, opI64ShrSImm, 0)
	bin(wasm.OpI64ShrU, opI64ShrU, opI64ShrUImm, 0)
	bin(wasm.OpI64Rotl, opI64Rotl, 0, 0)
	bin(wasm.OpI64Rotr, opI64Rotr, 0, 0)
	un(wasm.OpI64Eqz, opI64Eqz)
	un(wasm.OpI64Clz, opI64Clz)
	un(wasm.OpI64Ctz, opI64Ctz)
	un(wasm.OpI64Popcnt, opI64Popcnt)
	un(wasm.OpI64Extend8S, opI64Extend8S)
	un(wasm.OpI64Extend16S, opI64Extend16S)
	un(wasm.OpI64Extend32S, opI64Extend32S)
	un(wasm.OpI64ExtendI32S, opI64Extend32S)

	for _, f := range []struct {
		w  wasm.Opcode
		op uint16
	}{
		{wasm.OpF32Add, opF32Add}, {wasm.OpF32Sub, opF32Sub}, {wasm.OpF32Mul, opF32Mul},
		{wasm.OpF32Div, opF32Div}, {wasm.OpF32Min, opF32Min}, {wasm.OpF32Max, opF32Max},
		{wasm.OpF32Copysign, opF32Copysign}, {wasm.OpF32Eq, opF32Eq}, {wasm.OpF32Ne, opF32Ne},
		{wasm.OpF32Lt, opF32Lt}, {wasm.OpF32Gt, opF32Gt}, {wasm.OpF32Le, opF32Le}, {wasm.OpF32Ge, opF32Ge},
		{wasm.OpF64Add, opF64Add}, {wasm.OpF64Sub, opF64Sub}, {wasm.OpF64Mul, opF64Mul},
		{wasm.OpF64Div, opF64Div}, {wasm.OpF64Min, opF64Min}, {wasm.OpF64Max, opF64Max},
		{wasm.OpF64Copysign, opF64Copysign}, {wasm.OpF64Eq, opF64Eq}, {wasm.OpF64Ne, opF64Ne},
		{wasm.OpF64Lt, opF64Lt}, {wasm.OpF64Gt, opF64Gt}, {wasm.OpF64Le, opF64Le}, {wasm.OpF64Ge, opF64Ge},
	} {
		bin(f.w, f.op, 0, 0)
	}
	for _, f := range []struct {
		w  wasm.Opcode
		op uint16
	}{
		{wasm.OpF32Abs, opF32Abs}, {wasm.OpF32Neg, opF32Neg}, {wasm.OpF32Ceil, opF32Ceil},
		{wasm.OpF32Floor, opF32Floor}, {wasm.OpF32Trunc, opF32Trunc}, {wasm.OpF32Nearest, opF32Nearest},
		{wasm.OpF32Sqrt, opF32Sqrt},
		{wasm.OpF64Abs, opF64Abs}, {wasm.OpF64Neg, opF64Neg}, {wasm.OpF64Ceil, opF64Ceil},
		{wasm.OpF64Floor, opF64Floor}, {wasm.OpF64Trunc, opF64Trunc}, {wasm.OpF64Nearest, opF64Nearest},
		{wasm.OpF64Sqrt, opF64Sqrt},
		{wasm.OpI32TruncF32S, opI32TruncF32S}, {wasm.OpI32TruncF32U, opI32TruncF32U},
		{wasm.OpI32TruncF64S, opI32TruncF64S}, {wasm.OpI32TruncF64U, opI32TruncF64U},
		{wasm.OpI64TruncF32S, opI64TruncF32S}, {wasm.OpI64TruncF32U, opI64TruncF32U},
		{wasm.OpI64TruncF64S, opI64TruncF64S}, {wasm.OpI64TruncF64U, opI64TruncF64U},
		{wasm.OpI32TruncSatF32S, opI32TruncSatF32S}, {wasm.OpI32TruncSatF32U, opI32TruncSatF32U},
		{wasm.OpI32TruncSatF64S, opI32TruncSatF64S}, {wasm.OpI32TruncSatF64U, opI32TruncSatF64U},
		{wasm.OpI64TruncSatF32S, opI64TruncSatF32S}, {wasm.OpI64TruncSatF32U, opI64TruncSatF32U},
		{wasm.OpI64TruncSatF64S, opI64TruncSatF64S}, {wasm.OpI64TruncSatF64U, opI64TruncSatF64U},
		{wasm.OpF32ConvertI32S, opF32ConvertI32S}, {wasm.OpF32ConvertI32U, opF32ConvertI32U},
		{wasm.OpF32ConvertI64S, opF32ConvertI64S}, {wasm.OpF32ConvertI64U, opF32ConvertI64U},
		{wasm.OpF32DemoteF64, opF32DemoteF64},
		{wasm.OpF64ConvertI32S, opF64ConvertI32S}, {wasm.OpF64ConvertI32U, opF64ConvertI32U},
		{wasm.OpF64ConvertI64S, opF64ConvertI64S}, {wasm.OpF64ConvertI64U, opF64ConvertI64U},
		{wasm.OpF64PromoteF32, opF64PromoteF32},
	} {
		un(f.w, f.op)
	}
	for _, w := range []wasm.Opcode{wasm.OpI64ExtendI32U, wasm.OpI32ReinterpretF32,
		wasm.OpI64ReinterpretF64, wasm.OpF32ReinterpretI32, wasm.OpF64ReinterpretI64} {
		opSpecs[w] = opSpec{form: formSame}
	}
	for _, w := range []wasm.Opcode{wasm.OpI32Const, wasm.OpI64Const, wasm.OpF32Const, wasm.OpF64Const} {
		opSpecs[w] = opSpec{form: formConst}
	}
	for _, l := range []struct {
		w  wasm.Opcode
		op uint16
	}{
		{wasm.OpI32Load, opLoad32}, {wasm.OpF32Load, opLoad32}, {wasm.OpI64Load32U, opLoad32},
		{wasm.OpI64Load, opLoad64}, {wasm.OpF64Load, opLoad64},
		{wasm.OpI32Load8S, opLoad8S32}, {wasm.OpI32Load8U, opLoad8U}, {wasm.OpI64Load8U, opLoad8U},
		{wasm.OpI32Load16S, opLoad16S32}, {wasm.OpI32Load16U, opLoad16U}, {wasm.OpI64Load16U, opLoad16U},
		{wasm.OpI64Load8S, opLoad8S64}, {wasm.OpI64Load16S, opLoad16S64}, {wasm.OpI64Load32S, opLoad32S64},
	} {
		opSpecs[l.w] = opSpec{form: formLoad, op: l.op}
	}
	for _, s := range []struct {
		w  wasm.Opcode
		op uint16
	}{
		{wasm.OpI32Store, opStore32}, {wasm.OpF32Store, opStore32}, {wasm.OpI64Store32, opStore32},
		{wasm.OpI64Store, opStore64}, {wasm.OpF64Store, opStore64},
		{wasm.OpI32Store8, opStore8}, {wasm.OpI64Store8, opStore8},
		{wasm.OpI32Store16, opStore16}, {wasm.OpI64Store16, opStore16},
	} {
		opSpecs[s.w] = opSpec{form: formStore, op: s.op}
	}
	for _, w := range []wasm.Opcode{wasm.OpMemorySize, wasm.OpMemoryGrow, wasm.OpMemoryInit,
		wasm.OpDataDrop, wasm.OpMemoryCopy, wasm.OpMemoryFill, wasm.OpTableInit, wasm.OpElemDrop,
		wasm.OpTableCopy, wasm.OpTableGet, wasm.OpTableSet, wasm.OpTableGrow, wasm.OpTableSize,
		wasm.OpTableFill, wasm.OpRefNull, wasm.OpRefIsNull, wasm.OpRefFunc, wasm.OpRefAsNonNull} {
		opSpecs[w] = opSpec{form: formMisc}
	}
}

// operation translates every instruction that is not control flow or a variable access.
func (t *translator) operation(in *wasm.Instr) error {
	if in.Op.Prefix() == 0xFD {
		if t.otherMemory(in) {
			return t.memAccess(in)
		}
		return t.simd(in)
	}
	if in.Op.Feature() == wasm.FeatureGC {
		return t.gc(in)
	}
	spec, ok := opSpecs[in.Op]
	if !ok {
		return fmt.Errorf("interp: cannot translate %s at offset 0x%x", in.Op, in.Offset)
	}
	if (spec.form == formLoad || spec.form == formStore) && t.otherMemory(in) {
		return t.memAccess(in)
	}
	switch spec.form {
	case formBinary:
		info := in.Op.Info()
		y, x := t.pop(), t.pop()
		var ins instr
		switch {
		case y.kind == kConst && spec.imm != 0:
			ins = instr{op: spec.imm, a: x.home, b: t.src(x), imm: y.c}
		case x.kind == kConst && spec.immRev != 0:
			ins = instr{op: spec.immRev, a: x.home, b: t.src(y), imm: x.c}
		default:
			ins = instr{op: spec.op, a: x.home, b: t.src(x), c: t.src(y)}
		}
		t.pushReal(info.Results[0])
		t.emit(ins)
		t.def()
	case formUnary:
		info := in.Op.Info()
		x := t.pop()
		ins := instr{op: spec.op, a: x.home, b: t.src(x)}
		t.pushReal(info.Results[0])
		t.emit(ins)
		t.def()
	case formSame:
	case formConst:
		t.pushConst(in.Imm)
	case formLoad:
		info := in.Op.Info()
		addr := t.pop()
		ins := instr{op: spec.op, a: addr.home, b: t.src(addr), imm: in.Imm}
		t.pushReal(info.Results[0])
		t.emit(ins)
		t.def()
	case formStore:
		v, addr := t.pop(), t.pop()
		if v.kind == kConst && in.Imm <= 0xffffffff {
			t.emit(instr{op: spec.op + (opStore32Imm - opStore32), b: t.src(addr), c: uint32(in.Imm), imm: v.c})
			break
		}
		t.emit(instr{op: spec.op, b: t.src(addr), c: t.src(v), imm: in.Imm})
	case formMisc:
		t.misc(in)
	}
	return nil
}

// pop3 pops three operands and returns their slots, bottom first.
func (t *translator) pop3() (x, y, z uint32, home uint32) {
	ez, ey := t.pop(), t.pop()
	ex := t.pop()
	return t.src(ex), t.src(ey), t.src(ez), ex.home
}

func (t *translator) misc(in *wasm.Instr) {
	switch in.Op {
	case wasm.OpMemorySize:
		if in.X != 0 || t.memories[0].Is64 {
			t.emit(instr{op: opMemorySizeX, a: t.pushReal(wasm.I64), c: in.X})
		} else {
			t.emit(instr{op: opMemorySize, a: t.pushReal(wasm.I32)})
		}
		t.def()
	case wasm.OpMemoryGrow:
		d := t.pop()
		ins := instr{op: opMemoryGrow, a: d.home, b: t.src(d)}
		if in.X != 0 || t.memories[0].Is64 {
			ins.op, ins.c = opMemoryGrowX, in.X
		}
		t.pushReal(wasm.I32)
		t.emit(ins)
		t.def()
	case wasm.OpMemoryInit:
		d, s, n, _ := t.pop3()
		t.emit(instr{op: opMemoryInit, a: d, b: s, c: n, imm: uint64(in.X) | uint64(in.Y)<<32})
	case wasm.OpDataDrop:
		t.emit(instr{op: opDataDrop, imm: uint64(in.X)})
	case wasm.OpMemoryCopy:
		d, s, n, _ := t.pop3()
		t.emit(instr{op: opMemoryCopy, a: d, b: s, c: n, imm: uint64(in.X) | uint64(in.Y)<<32})
	case wasm.OpMemoryFill:
		d, v, n, _ := t.pop3()
		t.emit(instr{op: opMemoryFill, a: d, b: v, c: n, imm: uint64(in.X)})
	case wasm.OpTableInit:
		d, s, n, _ := t.pop3()
		t.emit(instr{op: opTableInit, a: d, b: s, c: n, imm: uint64(in.X) | uint64(in.Y)<<32})
	case wasm.OpElemDrop:
		t.emit(instr{op: opElemDrop, imm: uint64(in.X)})
	case wasm.OpTableCopy:
		d, s, n, _ := t.pop3()
		t.emit(instr{op: opTableCopy, a: d, b: s, c: n, imm: uint64(in.X) | uint64(in.Y)<<32})
	case wasm.OpTableFill:
		i, v, n, _ := t.pop3()
		t.emit(instr{op: opTableFill, a: i, b: v, c: n, imm: uint64(in.X)})
	case wasm.OpTableGet:
		i := t.pop()
		ins := instr{op: opTableGet, a: i.home, b: t.src(i), c: in.X}
		t.pushReal(wasm.FuncRef)
		t.emit(ins)
		t.def()
	case wasm.OpTableSet:
		v, i := t.pop(), t.pop()
		t.emit(instr{op: opTableSet, b: t.src(i), c: t.src(v), imm: uint64(in.X)})
	case wasm.OpTableSize:
		t.emit(instr{op: opTableSize, a: t.pushReal(wasm.I32), c: in.X})
		t.def()
	case wasm.OpTableGrow:
		n, v := t.pop(), t.pop()
		ins := instr{op: opTableGrow, a: v.home, b: t.src(v), c: t.src(n), imm: uint64(in.X)}
		t.pushReal(wasm.I32)
		t.emit(ins)
		t.def()
	case wasm.OpRefNull:
		t.pushConst(0)
	case wasm.OpRefIsNull:
		x := t.pop()
		ins := instr{op: opRefIsNull, a: x.home, b: t.src(x)}
		t.pushReal(wasm.I32)
		t.emit(ins)
		t.def()
	case wasm.OpRefFunc:
		t.emit(instr{op: opRefFunc, a: t.pushReal(wasm.FuncRef), b: in.X})
		t.def()
	case wasm.OpRefAsNonNull:
		x := t.pop()
		ins := instr{op: opRefAsNonNull, a: x.home, b: t.src(x)}
		t.pushReal(wasm.FuncRef)
		t.emit(ins)
		t.def()
	}
}
