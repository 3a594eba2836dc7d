package frontend

import (
	"fmt"
	"github.com/moat-run/moat/internal/frontend/vectormap"

	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// The v128 instructions (0xFD prefix). A v128 is one ssa.V128 value.
// Everything but memory accesses and a few operand orders maps one to one
// onto a vector opcode through vectorRows (simd_ops.go).

// vectorRule is what one Wasm instruction becomes.
type vectorRule struct {
	op    ssa.Opcode
	shape ssa.Shape
	cc    uint8
}

var vectorRules = func() map[wasm.Opcode]vectorRule {
	m := map[wasm.Opcode]vectorRule{}
	for _, row := range vectormap.Rows {
		for sh, w := range row.By {
			if w != 0 {
				m[w] = vectorRule{row.Op, ssa.Shape(sh), row.CC}
			}
		}
	}
	return m
}()

// simd translates one reachable 0xFD instruction.
func (t *translator) simd(in *wasm.Instr) error {
	if acc, ok := vectorMemOps[in.Op]; ok {
		t.vectorMemory(in, acc)
		return nil
	}
	b := t.b
	switch in.Op {
	case wasm.OpV128Const:
		t.push(b.Vconst(ssa.Const128Of(in.Imm, in.Hi)))
		return nil
	case wasm.OpI8x16Shuffle:
		y := t.pop()
		x := t.pop()
		t.push(b.Shuffle(x, y, ssa.Const128Of(in.Imm, in.Hi)))
		return nil
	case wasm.OpV128Bitselect: // v1 v2 c -> bitselect c, v1, v2
		c := t.pop()
		y := t.pop()
		x := t.pop()
		t.push(b.Vector(ssa.OpBitselect, ssa.ShapeNone, c, x, y))
		return nil
	}
	rule, ok := vectorRules[in.Op]
	info := in.Op.Info()
	if !ok || info == nil {
		return fmt.Errorf("unsupported instruction %s", in.Op)
	}
	switch rule.op {
	case ssa.OpExtractlane, ssa.OpSextractlane:
		t.push(b.VectorLane(rule.op, rule.shape, int(in.Y), t.pop()))
	case ssa.OpInsertlane:
		x := t.pop()
		v := t.pop()
		t.push(b.VectorLane(rule.op, rule.shape, int(in.Y), v, x))
	case ssa.OpVicmp:
		y := t.pop()
		x := t.pop()
		t.push(b.Vicmp(rule.shape, ssa.IntCC(rule.cc), x, y))
	case ssa.OpVfcmp:
		y := t.pop()
		x := t.pop()
		t.push(b.Vfcmp(rule.shape, ssa.FloatCC(rule.cc), x, y))
	default:
		// Operands in Wasm order: v128.andnot a, b is vband_not a, b
		// (a & ^b), shifts take the vector then the count.
		t.push(b.Vector(rule.op, rule.shape, t.popN(len(info.Params))...))
	}
	return nil
}
