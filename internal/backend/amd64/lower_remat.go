package amd64

import (
	"slices"

	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Constants are materialised where they are read, in each block that
// reads them, as Cranelift's elaboration rematerialises them. GVN keeps
// one copy of each constant, often in the entry (LICM hoists some to
// preheaders), which would otherwise be one value live from there to its
// last use, across every block in between: a register held or a spill
// slot reloaded, an entry in liveness' sets, edge moves at joins. A
// block's own copy costs one mov (or xor) where the block first reads it,
// and its live range ends inside the block; the constant's definition is
// then never needed (reg does not mark it used) and is not lowered.
//
// Lowering walks a block backwards, so a copy is made at the last read
// and moved up to each earlier read met after it: the copy records the
// group (the SSA instruction's vinsts) of its earliest read, and the
// block's code puts it right before that group. A copy is not shared
// across a call (or any instruction that clobbers registers): the read
// before the call gets a copy of its own, so that no constant is kept in a
// callee-saved register or spilled around the call. Groups begin at SSA
// instruction boundaries, where no flags are live, so a copy's xor may
// clobber them.

// rematRef is a constant's copy in the block being lowered: valid while
// stamp is l.rematStamp.
type rematRef struct {
	stamp int32
	copy  int32 // index in l.rematCopies
}

// rematCopy is one copy of a constant in the block being lowered.
type rematCopy struct {
	vreg  backend.VReg
	vinst int32 // in l.mem.insts
	group int32 // the group of its earliest read so far, in l.groupEnds
	calls int32 // l.rematCalls when it was last read
}

// isRematConst reports the opcodes whose values are copied into each
// block that reads them.
func isRematConst(op ssa.Opcode) bool {
	return op == ssa.OpIconst || op == ssa.OpF32const || op == ssa.OpF64const
}

// startRematBlock forgets the copies of the previous block. Stamps grow
// from function to function, so nothing is cleared per value.
func (l *lowerer) startRematBlock() {
	l.rematStamp++
	if l.rematStamp == 1<<31-1 { // wrapped: start the stamps afresh
		clear(l.remat)
		l.rematStamp = 1
	}
	if n := l.f.NumValues(); len(l.remat) < n {
		l.remat = append(l.remat, make([]rematRef, n-len(l.remat))...)
	}
	l.rematCopies = l.rematCopies[:0]
	l.rematCalls = 0
}

// rematerialised returns the current block's copy of v, a constant
// defined by d, making the copy on first sight.
func (l *lowerer) rematerialised(v ssa.Value, d *ssa.Inst) backend.VReg {
	group := int32(len(l.groupEnds))
	if ref := l.remat[v]; ref.stamp == l.rematStamp {
		if c := &l.rematCopies[ref.copy]; c.calls == l.rematCalls {
			c.group = group
			return c.vreg
		}
	}
	r := l.vf.NewVReg(classOf(l.f.ValueType(v)))
	vi, id := l.mem.insts.alloc()
	vi.mem = &l.mem
	l.emitConst(vi, vi.def(r), d)
	l.remat[v] = rematRef{stamp: l.rematStamp, copy: int32(len(l.rematCopies))}
	l.rematCopies = append(l.rematCopies, rematCopy{vreg: r, vinst: id, group: group, calls: l.rematCalls})
	return r
}

// sortRematCopies orders the block's copies as its code is assembled:
// by group from the last (the block's first instruction) to the first.
func (l *lowerer) sortRematCopies() {
	if len(l.rematCopies) > 1 {
		slices.SortStableFunc(l.rematCopies, func(a, b rematCopy) int { return int(b.group) - int(a.group) })
	}
}

// emitConst fills vi with the code that puts constant d's value in the
// register of its def placeholder r.
func (l *lowerer) emitConst(vi *vinst, r Reg, d *ssa.Inst) {
	switch d.Op {
	case ssa.OpIconst:
		c := d.Imm
		if l.rtype(d) == ssa.I32 {
			c = uint64(uint32(c))
		}
		switch {
		case c == 0:
			vi.emit(I(XOR, S32, R(r), R(r)))
		case c <= 1<<32-1:
			vi.emit(I(MOV, S32, R(r), Imm(int64(c))))
		default:
			vi.emit(I(MOV, S64, R(r), Imm(int64(c))))
		}
	case ssa.OpF32const, ssa.OpF64const:
		switch {
		case d.Imm == 0:
			vi.emit(I(XORPS, 0, R(r), R(r)))
		case d.Op == ssa.OpF32const:
			vi.emit(I(MOVSS, 0, R(r), M(l.asm.ConstF32(uint32(d.Imm)))))
		default:
			vi.emit(I(MOVSD, 0, R(r), M(l.asm.ConstF64(d.Imm))))
		}
	}
}
