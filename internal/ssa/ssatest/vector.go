package ssatest

import (
	"fmt"
	"github.com/moat-run/moat/internal/frontend/vectormap"

	"github.com/moat-run/moat/internal/interp/simd"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// The vector opcodes are computed by the interpreter's lane arithmetic
// (internal/interp/simd), looked up through the Wasm instruction each
// (opcode, shape, condition) stands for.

type vectorKey struct {
	op    ssa.Opcode
	shape ssa.Shape
	cc    uint8
}

var wasmOf = func() map[vectorKey]wasm.Opcode {
	m := map[vectorKey]wasm.Opcode{}
	for _, row := range append(vectormap.Rows[:len(vectormap.Rows):len(vectormap.Rows)], vectormap.RelaxedRows...) {
		for sh, w := range row.By {
			if w != 0 {
				m[vectorKey{row.Op, ssa.Shape(sh), row.CC}] = w
			}
		}
	}
	return m
}()

func vecOf(r *regs, v ssa.Value) simd.V128 { return simd.V128{Lo: r.lo[v], Hi: r.hi[v]} }

// vector computes the vector instruction in.
func vector(f *ssa.Func, in *ssa.Inst, r *regs) error {
	out := in.Results[0]
	setV := func(v simd.V128) { r.lo[out], r.hi[out] = v.Lo, v.Hi }
	arg := func(i int) simd.V128 { return vecOf(r, in.Args[i]) }
	sh := in.Shape()
	switch in.Op {
	case ssa.OpVconst:
		lo, hi := f.Const(in.Imm).Halves()
		setV(simd.V128{Lo: lo, Hi: hi})
		return nil
	case ssa.OpScalarToVector:
		x := r.lo[in.Args[0]]
		if bits := sh.LaneBits(); bits < 64 {
			x &= 1<<bits - 1
		}
		setV(simd.V128{Lo: x})
		return nil
	case ssa.OpBitselect:
		c, x, y := arg(0), arg(1), arg(2)
		setV(simd.V128{Lo: x.Lo&c.Lo | y.Lo&^c.Lo, Hi: x.Hi&c.Hi | y.Hi&^c.Hi})
		return nil
	}
	cc := uint8(in.IntCC)
	if in.Op == ssa.OpVfcmp {
		cc = uint8(in.FloatCC)
	}
	w, ok := wasmOf[vectorKey{in.Op, sh, cc}]
	if !ok {
		return fmt.Errorf("ssatest: unhandled %s", f.InstString(in))
	}
	if f := relaxedOf(w); f != nil {
		var a [3]simd.V128
		for i := range in.Args {
			a[i] = arg(i)
		}
		setV(f(a[0], a[1], a[2]))
		return nil
	}
	sub := byte(w)
	switch {
	case in.Op == ssa.OpExtractlane || in.Op == ssa.OpSextractlane:
		r.lo[out] = mask(f.ValueType(out), simd.ExtractLane(w, arg(0), uint32(in.Lane())))
	case in.Op == ssa.OpInsertlane:
		setV(simd.ReplaceLane(w, arg(0), uint32(in.Lane()), r.lo[in.Args[1]]))
	case in.Op == ssa.OpShuffle:
		lo, hi := f.Const(in.Imm).Halves()
		setV(simd.Shuffle(arg(0), arg(1), simd.V128{Lo: lo, Hi: hi}))
	case f.ValueType(in.Args[0]) != ssa.V128 && simd.Splat[sub] != nil:
		setV(simd.Splat[sub](r.lo[in.Args[0]]))
	case len(in.Args) == 1 && f.ValueType(out) == ssa.I32 && simd.Test[sub] != nil:
		r.lo[out] = uint64(simd.Test[sub](arg(0)))
	case len(in.Args) == 1 && simd.Unary[sub] != nil:
		setV(simd.Unary[sub](arg(0)))
	case len(in.Args) == 2 && f.ValueType(in.Args[1]) == ssa.I32 && simd.Shift[sub] != nil:
		setV(simd.Shift[sub](arg(0), uint32(r.lo[in.Args[1]])))
	case len(in.Args) == 2 && simd.Binary[sub] != nil:
		setV(simd.Binary[sub](arg(0), arg(1)))
	default:
		return fmt.Errorf("ssatest: unhandled %s", f.InstString(in))
	}
	return nil
}

// relaxedOf is the lane function of a relaxed SIMD instruction, or nil.
func relaxedOf(w wasm.Opcode) func(a, b, c simd.V128) simd.V128 {
	if w>>8 != 1 {
		return nil
	}
	if i := simd.RelaxedIndex(w); i >= 0 && i < len(simd.Relaxed) {
		return simd.Relaxed[i]
	}
	return nil
}
