package ssa

import "math/bits"

// TripBound bounds how many times the body of loop l runs each time
// control enters l: ok is false when no bound is proven.
//
// The loop must have one latch ending in a brif whose one target is the
// header (every iteration after the first passes that test), and a header
// parameter p (an induction variable) to which the latch passes p + s,
// with s a constant or a value defined outside l whose range is known (a
// parameter of an enclosing counted loop, ParamRange). The test compares p
// or p + s with a constant C and stays in the loop while the comparison
// holds:
//
//   - for an ordered compare (unsigned, or signed: the same with both
//     sides offset by 2^(w-1)) the values that stay form an interval of N
//     values modulo 2^w. While v is in it, adding s (at least 1, at most
//     2^w - N) moves it forward by at least s's least value without
//     wrapping, so the test passes at most ceil(N / s) times in a row; the
//     same backwards for a negative constant step;
//   - for "v != C" (and brif on v alone, v != 0) the step must be 1 or -1
//     and p's entry value a constant: the count is exact.
//
// The body runs once more than the test passes.
func TripBound(f *Func, lf *LoopForest, l *Loop) (n uint64, ok bool) {
	return tripBound(f, lf, l, tripDepth)
}

// tripDepth caps the nesting of loops whose parameters bound the step of
// another's (ParamRange, then TripBound, ...).
const tripDepth = 3

// ParamRange is the range [lo, hi] of the values (unsigned, as the low w
// bits) that header parameter v of a loop of lf takes: the entry value, a
// constant a, plus up to TripBound - 1 constant steps that never wrap.
func ParamRange(f *Func, lf *LoopForest, v Value) (lo, hi uint64, ok bool) {
	return paramRange(f, lf, v, tripDepth)
}

func tripBound(f *Func, lf *LoopForest, l *Loop, depth int) (uint64, bool) {
	iv, ok := inductionOf(f, lf, l, depth)
	if !ok {
		return 0, false
	}
	return iv.trips, true
}

// induction is a loop's counted parameter, as TripBound found it.
type induction struct {
	param Value
	width int
	// start is the entry value, when constStart.
	start      uint64
	constStart bool
	// step is the constant step (the low w bits: -k for a step back by
	// k) when constStep, else the value stepVal.
	step      uint64
	constStep bool
	stepVal   Value
	trips     uint64 // the body's runs per entry, at most
}

func inductionOf(f *Func, lf *LoopForest, l *Loop, depth int) (induction, bool) {
	if depth <= 0 || len(l.Latches) != 1 {
		return induction{}, false
	}
	h, latch := l.Header, l.Latches[0]
	if len(latch.Insts) == 0 {
		return induction{}, false
	}
	br := latch.Insts[len(latch.Insts)-1]
	if br.Op != OpBrif || len(br.Targets) != 2 {
		return induction{}, false
	}
	back := -1
	for k, t := range br.Targets {
		if t.Block == h {
			if back >= 0 {
				return induction{}, false // no exit here
			}
			back = k
		}
	}
	if back < 0 {
		return induction{}, false
	}
	// The condition that keeps the loop going: v cc c.
	cc, v, c, ok := loopTest(f, br.Args[0])
	if !ok {
		return induction{}, false
	}
	if back == 1 {
		cc = cc.Invert()
	}
	args := br.Targets[back].Args
	for k, p := range h.Params {
		if k >= len(args) {
			break
		}
		next := args[k]
		if (v != p && v != next) || !f.ValueType(p).IsInt() {
			continue
		}
		iv := induction{param: p, width: f.ValueType(p).Bits()}
		if !stepOf(f, &iv, next) {
			continue
		}
		iv.start, iv.constStart = entryConst(f, l, k)
		if n, ok := countTrips(f, lf, l, cc, c&widthMask(iv.width), iv, v == next, depth); ok {
			iv.trips = n
			return iv, true
		}
	}
	return induction{}, false
}

// loopTest reads a brif condition as "v cc c" with c a constant.
func loopTest(f *Func, cond Value) (IntCC, Value, uint64, bool) {
	in, _ := f.ValueInst(cond)
	if in == nil || in.Op != OpIcmp {
		return IntNE, cond, 0, f.ValueType(cond).IsInt()
	}
	x, y := in.Args[0], in.Args[1]
	if c, ok := f.IntConst(y); ok {
		return in.IntCC, x, c, true
	}
	if c, ok := f.IntConst(x); ok {
		return in.IntCC.Swap(), y, c, true
	}
	return 0, 0, 0, false
}

// stepOf fills iv's step from next, which must be p + s (or p - k for a
// constant k).
func stepOf(f *Func, iv *induction, next Value) bool {
	in, _ := f.ValueInst(next)
	if in == nil {
		return false
	}
	p, m := iv.param, widthMask(iv.width)
	var s Value
	switch {
	case in.Op == OpIadd && in.Args[0] == p:
		s = in.Args[1]
	case in.Op == OpIadd && in.Args[1] == p:
		s = in.Args[0]
	case in.Op == OpIsub && in.Args[0] == p:
		k, ok := f.IntConst(in.Args[1])
		if !ok {
			return false
		}
		iv.step, iv.constStep = -k&m, true
		return true
	default:
		return false
	}
	if c, ok := f.IntConst(s); ok {
		iv.step, iv.constStep = c&m, true
		return true
	}
	iv.stepVal = s
	return true
}

// entryConst is the constant that every entry into l passes to the
// header's parameter k.
func entryConst(f *Func, l *Loop, k int) (uint64, bool) {
	var val uint64
	found := false
	for _, b := range f.Blocks {
		if len(b.Insts) == 0 || l.Contains(b) {
			continue
		}
		for _, t := range b.Insts[len(b.Insts)-1].Targets {
			if t.Block != l.Header {
				continue
			}
			if k >= len(t.Args) {
				return 0, false
			}
			c, ok := f.IntConst(t.Args[k])
			if !ok || (found && c != val) {
				return 0, false
			}
			val, found = c, true
		}
	}
	return val, found
}

func widthMask(w int) uint64 {
	if w >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(w) - 1
}

// countTrips bounds the body's runs given the test "v cc c" that keeps
// the loop going, v being p (tested before the step) or p + s (after).
func countTrips(f *Func, lf *LoopForest, l *Loop, cc IntCC, c uint64, iv induction, afterStep bool, depth int) (uint64, bool) {
	m := widthMask(iv.width)
	if cc == IntNE {
		if !iv.constStep || !iv.constStart || (iv.step != 1 && iv.step != m) {
			return 0, false
		}
		// d steps take the start to c.
		d := (c - iv.start) & m
		if iv.step == m {
			d = (iv.start - c) & m
		}
		switch {
		case !afterStep:
			return satAdd(d, 1), true
		case d == 0:
			return satAdd(m, 1), true
		}
		return d, true
	}
	n, ok := stayingValues(cc, c, iv.width)
	if !ok {
		return 0, false
	}
	// least is the smallest move a step makes, which must not carry a
	// value of the interval round into it again: at most 2^w - n.
	var least uint64
	switch {
	case iv.constStep && iv.step <= m>>1:
		least = iv.step
	case iv.constStep:
		least = -iv.step & m // backwards
	default:
		lo, hi, ok := valueRange(f, lf, l, iv.stepVal, depth-1)
		if !ok || hi < lo {
			return 0, false
		}
		if hi > m-n+1 {
			return 0, false
		}
		least = lo
	}
	if least == 0 || least > m-n+1 {
		return 0, false
	}
	passes := n / least
	if n%least != 0 {
		passes++
	}
	return satAdd(passes, 1), true
}

// stayingValues is the number n of w-bit values v for which "v cc c"
// holds, when they form one interval modulo 2^w and are not all of them.
func stayingValues(cc IntCC, c uint64, w int) (uint64, bool) {
	m := widthMask(w)
	switch cc {
	case IntSLT, IntSLE, IntSGT, IntSGE:
		// Offsetting both sides by 2^(w-1) makes a signed order unsigned.
		c = (c + uint64(1)<<uint(w-1)) & m
		cc += IntULT - IntSLT
	}
	switch cc {
	case IntULT:
		return c, c > 0
	case IntULE:
		return c + 1, c < m
	case IntUGT:
		return m - c, c < m
	case IntUGE:
		return m - c + 1, c > 0
	}
	return 0, false
}

// valueRange is the range of a value defined outside l: a constant, or a
// parameter of a counted loop.
func valueRange(f *Func, lf *LoopForest, l *Loop, v Value, depth int) (lo, hi uint64, ok bool) {
	if c, isConst := f.IntConst(v); isConst {
		return c, c, true
	}
	b, _ := f.ValueBlockParam(v)
	if b == nil || l.Contains(b) {
		return 0, 0, false
	}
	return paramRange(f, lf, v, depth)
}

func paramRange(f *Func, lf *LoopForest, v Value, depth int) (lo, hi uint64, ok bool) {
	b, _ := f.ValueBlockParam(v)
	if b == nil || depth <= 0 {
		return 0, 0, false
	}
	l := lf.LoopOf(b)
	if l == nil || l.Header != b {
		return 0, 0, false
	}
	iv, ok := inductionOf(f, lf, l, depth)
	if !ok || iv.param != v || !iv.constStart || !iv.constStep || iv.trips == 0 {
		return 0, 0, false
	}
	m := widthMask(iv.width)
	// The header sees start + i*step for i < trips, without wrapping.
	up := iv.step <= m>>1
	k := iv.step
	if !up {
		k = -iv.step & m
	}
	carry, span := bits.Mul64(iv.trips-1, k)
	if carry != 0 || span > m {
		return 0, 0, false
	}
	if up {
		if iv.start > m-span {
			return 0, 0, false
		}
		return iv.start, iv.start + span, true
	}
	if iv.start < span {
		return 0, 0, false
	}
	return iv.start - span, iv.start, true
}

func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}
