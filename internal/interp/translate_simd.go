package interp

import (
	"fmt"

	"github.com/moat-run/moat/internal/interp/simd"
	"github.com/moat-run/moat/internal/wasm"
)

// simd translates a 0xFD instruction. A v128 takes two adjacent slots.
func (t *translator) simd(in *wasm.Instr) error {
	info := in.Op.Info()
	if info == nil {
		return fmt.Errorf("interp: unknown opcode 0x%x at offset 0x%x", uint16(in.Op), in.Offset)
	}
	sub := uint32(in.Op & 0xff)
	memOffset := in.Imm & 0xffffffff
	switch in.Op {
	case wasm.OpV128Load:
		t.simdLoad(instr{op: opV128Load, imm: memOffset})
	case wasm.OpV128Load8x8S, wasm.OpV128Load8x8U, wasm.OpV128Load16x4S, wasm.OpV128Load16x4U,
		wasm.OpV128Load32x2S, wasm.OpV128Load32x2U:
		t.simdLoad(instr{op: opV128LoadExtend, c: uint32(in.Op), imm: memOffset})
	case wasm.OpV128Load8Splat:
		t.simdLoad(instr{op: opV128LoadSplat, c: 1, imm: memOffset})
	case wasm.OpV128Load16Splat:
		t.simdLoad(instr{op: opV128LoadSplat, c: 2, imm: memOffset})
	case wasm.OpV128Load32Splat:
		t.simdLoad(instr{op: opV128LoadSplat, c: 4, imm: memOffset})
	case wasm.OpV128Load64Splat:
		t.simdLoad(instr{op: opV128LoadSplat, c: 8, imm: memOffset})
	case wasm.OpV128Load32Zero:
		t.simdLoad(instr{op: opV128LoadZero, c: 4, imm: memOffset})
	case wasm.OpV128Load64Zero:
		t.simdLoad(instr{op: opV128LoadZero, c: 8, imm: memOffset})
	case wasm.OpV128Store:
		v, addr := t.pop(), t.pop()
		t.emit(instr{op: opV128Store, b: t.src(addr), c: t.src(v), imm: memOffset})
	case wasm.OpV128Load8Lane, wasm.OpV128Load16Lane, wasm.OpV128Load32Lane, wasm.OpV128Load64Lane:
		size := uint64(1) << (in.Op - wasm.OpV128Load8Lane)
		v, addr := t.pop(), t.pop()
		ins := instr{op: opV128LoadLane, a: addr.home, b: t.src(addr), c: t.src(v),
			imm: memOffset | uint64(in.Y&0xff)<<32 | size<<40}
		t.pushReal(wasm.V128)
		t.emit(ins)
		t.def()
	case wasm.OpV128Store8Lane, wasm.OpV128Store16Lane, wasm.OpV128Store32Lane, wasm.OpV128Store64Lane:
		size := uint64(1) << (in.Op - wasm.OpV128Store8Lane)
		v, addr := t.pop(), t.pop()
		t.emit(instr{op: opV128StoreLane, b: t.src(addr), c: t.src(v),
			imm: memOffset | uint64(in.Y&0xff)<<32 | size<<40})
	case wasm.OpV128Const:
		dst := t.pushReal(wasm.V128)
		t.emit(instr{op: opConst, a: dst, imm: in.Imm})
		t.emit(instr{op: opConst, a: dst + 1, imm: in.Hi})
	case wasm.OpI8x16Shuffle:
		y, x := t.pop(), t.pop()
		k := len(t.consts)
		t.consts = append(t.consts, in.Imm, in.Hi)
		ins := instr{op: opV128Shuffle, a: x.home, b: t.src(x), c: t.src(y), imm: uint64(k)}
		t.pushReal(wasm.V128)
		t.emit(ins)
		t.def()
	case wasm.OpV128Bitselect:
		z, y := t.pop(), t.pop()
		x := t.pop()
		ins := instr{op: opV128Bitselect, a: x.home, b: t.src(x), c: t.src(y), imm: uint64(t.src(z))}
		t.pushReal(wasm.V128)
		t.emit(ins)
		t.def()
	default:
		if in.Op>>8 == 1 { // relaxed SIMD (0xFD sub-opcodes from 0x100)
			t.relaxed(in, info)
			return nil
		}
		return t.simdShaped(in, info, sub)
	}
	return nil
}

// relaxed translates a relaxed SIMD instruction of one to three v128 operands.
func (t *translator) relaxed(in *wasm.Instr, info *wasm.OpInfo) {
	var srcs [3]entry
	n := len(info.Params)
	for i := n - 1; i >= 0; i-- {
		srcs[i] = t.pop()
	}
	ins := instr{op: opV128Relaxed, a: srcs[0].home, imm: uint64(simd.RelaxedIndex(in.Op)) << 32}
	ins.b = t.src(srcs[0])
	if n > 1 {
		ins.c = t.src(srcs[1])
	}
	if n > 2 {
		ins.imm |= uint64(t.src(srcs[2]))
	}
	t.pushReal(wasm.V128)
	t.emit(ins)
	t.def()
}

func (t *translator) simdLoad(ins instr) {
	addr := t.pop()
	ins.a, ins.b = addr.home, t.src(addr)
	t.pushReal(wasm.V128)
	t.emit(ins)
	t.def()
}

// simdShaped translates the instructions whose shape their signature tells.
func (t *translator) simdShaped(in *wasm.Instr, info *wasm.OpInfo, sub uint32) error {
	missing := func() error {
		return fmt.Errorf("interp: %s has no implementation (offset 0x%x)", info.Name, in.Offset)
	}
	res := info.Results[0]
	switch {
	case info.Imm == wasm.ImmLane && len(info.Params) == 1: // extract_lane
		v := t.pop()
		ins := instr{op: opV128ExtractLane, a: v.home, b: t.src(v), c: in.Y, imm: uint64(in.Op)}
		t.pushReal(res)
		t.emit(ins)
	case info.Imm == wasm.ImmLane: // replace_lane
		x, v := t.pop(), t.pop()
		ins := instr{op: opV128ReplaceLane, a: v.home, b: t.src(v), c: t.src(x), imm: uint64(in.Op) | uint64(in.Y)<<16}
		t.pushReal(res)
		t.emit(ins)
	case len(info.Params) == 1 && info.Params[0] != wasm.V128: // splat
		if simd.Splat[sub] == nil {
			return missing()
		}
		x := t.pop()
		ins := instr{op: opV128Splat, a: x.home, b: t.src(x), c: sub}
		t.pushReal(res)
		t.emit(ins)
	case len(info.Params) == 1 && res == wasm.I32: // any_true, all_true, bitmask
		if simd.Test[sub] == nil {
			return missing()
		}
		v := t.pop()
		ins := instr{op: opV128Test, a: v.home, b: t.src(v), c: sub}
		t.pushReal(res)
		t.emit(ins)
	case len(info.Params) == 1:
		if simd.Unary[sub] == nil {
			return missing()
		}
		v := t.pop()
		ins := instr{op: opV128Unary, a: v.home, b: t.src(v), c: sub}
		t.pushReal(res)
		t.emit(ins)
	case len(info.Params) == 2 && info.Params[1] == wasm.I32: // shifts
		if simd.Shift[sub] == nil {
			return missing()
		}
		n, v := t.pop(), t.pop()
		ins := instr{op: opV128Shift, a: v.home, b: t.src(v), c: t.src(n), imm: uint64(sub)}
		t.pushReal(res)
		t.emit(ins)
	case len(info.Params) == 2:
		if simd.Binary[sub] == nil {
			return missing()
		}
		y, x := t.pop(), t.pop()
		ins := instr{op: opV128Binary, a: x.home, b: t.src(x), c: t.src(y), imm: uint64(sub)}
		t.pushReal(res)
		t.emit(ins)
	default:
		return missing()
	}
	t.def()
	return nil
}
