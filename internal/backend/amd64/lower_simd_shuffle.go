package amd64

import (
	"github.com/moat-run/moat/internal/ssa"
)

// i8x16.shuffle: byte i of the result is byte sel[i] of x‖y (sel[i] < 32).
// Masks that one instruction implements are recognised first (a copy,
// pshufd, the unpacks, palignr, shufps); any other takes pshufb with a
// constant mask per source (0x80 zeroes a byte) and an or.

func init() { lowerRules[ssa.OpShuffle] = lowerShuffle }

func lowerShuffle(l *lowerer, in *ssa.Inst) {
	x, y := in.Args[0], in.Args[1]
	sel := l.f.Const(in.Imm)
	var fromX, fromY bool
	for _, s := range sel {
		if s < 16 {
			fromX = true
		} else {
			fromY = true
		}
	}
	if x == y || !fromY {
		l.shuffleOne(in.Results[0], x, sel, 0)
		return
	}
	if !fromX {
		l.shuffleOne(in.Results[0], y, sel, 16)
		return
	}
	if l.shuffleTwoCheap(in.Results[0], x, y, sel) {
		return
	}
	var mx, my ssa.Const128
	for i, s := range sel {
		mx[i], my[i] = 0x80, 0x80
		if s < 16 {
			mx[i] = s
		} else {
			my[i] = s - 16
		}
	}
	vi := l.newInst()
	xr := vi.use(l.reg(x))
	yr := vi.use(l.reg(y))
	t := l.vecTemp(vi)
	d := vi.defEarly(l.vreg(in.Results[0]))
	if l.feat.AVX {
		vi.emit(I(VPSHUFB, 0, R(t), R(yr), l.constMem(my)))
		vi.emit(I(VPSHUFB, 0, R(d), R(xr), l.constMem(mx)))
		vi.emit(I(VPOR, 0, R(d), R(d), R(t)))
		return
	}
	vi.emit(I(MOVAPS, 0, R(t), R(yr)))
	vi.emit(I(PSHUFB, 0, R(t), l.constMem(my)))
	vi.emit(I(MOVAPS, 0, R(d), R(xr)))
	vi.emit(I(PSHUFB, 0, R(d), l.constMem(mx)))
	vi.emit(I(POR, 0, R(d), R(t)))
}

// shuffleOne shuffles the bytes of one source by sel minus base (mod 32).
func (l *lowerer) shuffleOne(res, x ssa.Value, sel ssa.Const128, base byte) {
	var m ssa.Const128
	identity := true
	for i, s := range sel {
		m[i] = (s - base) & 15
		identity = identity && m[i] == byte(i)
	}
	vi := l.newInst()
	if identity {
		d := vi.def(l.vreg(res))
		xr := vi.use(l.reg(x))
		vi.move = true
		vi.emit(I(MOVAPS, 0, R(d), R(xr)))
		return
	}
	if imm, ok := dwordShuffle(m); ok {
		xs := l.vsource(vi, x)
		d := vi.def(l.vreg(res))
		vi.emit(I(PSHUFD, 0, R(d), xs, Imm(imm)))
		return
	}
	if v, ok := l.vexOf(PSHUFB); ok {
		xr := vi.use(l.reg(x))
		d := vi.def(l.vreg(res))
		vi.emit(I(v, 0, R(d), R(xr), l.constMem(m)))
		return
	}
	d := l.vecDst(vi, res, x)
	vi.emit(I(PSHUFB, 0, R(d), l.constMem(m)))
}

// dwordShuffle recognises a one-source byte mask that moves whole dwords
// and returns pshufd's immediate.
func dwordShuffle(m ssa.Const128) (int64, bool) {
	var imm int64
	for lane := range 4 {
		s, ok := dwordAt(m, lane)
		if !ok {
			return 0, false
		}
		imm |= int64(s&3) << (2 * lane)
	}
	return imm, true
}

// dwordAt is the source dword (of 8 in x‖y) of the result's dword lane,
// if the mask moves it whole.
func dwordAt(sel ssa.Const128, lane int) (byte, bool) {
	s := sel[4*lane]
	if s%4 != 0 {
		return 0, false
	}
	for k := 1; k < 4; k++ {
		if sel[4*lane+k] != s+byte(k) {
			return 0, false
		}
	}
	return s / 4, true
}

// unpackOps interleave the low or high halves of two registers, by the
// element width in bytes.
var unpackOps = map[int][2]Op{
	1: {PUNPCKLBW, PUNPCKHBW}, 2: {PUNPCKLWD, PUNPCKHWD}, 4: {PUNPCKLDQ, PUNPCKHDQ}, 8: {PUNPCKLQDQ, PUNPCKHQDQ},
}

// unpackMask is the selector of punpck{l,h} of width w: elements of the
// first source's half alternating with the second's.
func unpackMask(w int, high bool) ssa.Const128 {
	var m ssa.Const128
	half := 0
	if high {
		half = 8
	}
	for i := range 16 {
		elem, off := i/w, i%w
		src := byte(half + (elem/2)*w + off)
		if elem%2 == 1 {
			src += 16
		}
		m[i] = src
	}
	return m
}

// shuffleTwoCheap lowers a two-source mask that one instruction
// implements: an unpack, palignr or shufps (with the sources in either
// order). It reports whether it did.
func (l *lowerer) shuffleTwoCheap(res, x, y ssa.Value, sel ssa.Const128) bool {
	var swapped ssa.Const128 // the mask with x and y exchanged
	for i, s := range sel {
		swapped[i] = s ^ 16
	}
	for _, order := range []struct {
		a, b ssa.Value
		m    ssa.Const128
	}{{x, y, sel}, {y, x, swapped}} {
		for w, ops := range unpackOps {
			for k, high := range []bool{false, true} {
				if order.m == unpackMask(w, high) {
					l.vecBin(ops[k], res, order.a, order.b, false)
					return true
				}
			}
		}
		// palignr b, a, k: bytes k..k+15 of a‖b.
		if k := order.m[0]; k > 0 && k < 16 {
			ok := true
			for i, s := range order.m {
				ok = ok && s == k+byte(i)
			}
			if ok {
				vi := l.newInst()
				d := l.vecDst(vi, res, order.b)
				a := vi.useRM(l.reg(order.a))
				vi.emit(I(PALIGNR, 0, R(d), R(a), Imm(int64(k))))
				return true
			}
		}
		// shufps a, b, imm: dwords 0, 1 from a, 2, 3 from b.
		var imm int64
		ok := true
		for lane := range 4 {
			s, whole := dwordAt(order.m, lane)
			fromA := s < 4
			ok = ok && whole && fromA == (lane < 2)
			imm |= int64(s&3) << (2 * lane)
		}
		if ok {
			vi := l.newInst()
			d := l.vecDst(vi, res, order.a)
			b := vi.useRM(l.reg(order.b))
			vi.emit(I(SHUFPS, 0, R(d), R(b), Imm(imm)))
			return true
		}
	}
	return false
}
