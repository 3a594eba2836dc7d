package ssa

import (
	"math"
	"math/bits"
)

// This file evaluates pure opcodes on constant operands, exactly as the
// target must compute them. Integer values are held zero-extended in a
// uint64; floats as their IEEE bits. Every function reports ok=false when
// the result is not a fixed function of the inputs that may be computed
// at compile time: a division the frontend guards, or a float result that
// is (or comes from) a NaN, whose bits the hardware decides.

func mask(t Type, x uint64) uint64 {
	if t == I32 {
		return uint64(uint32(x))
	}
	return x
}

// signed is x of type t sign-extended to 64 bits.
func signed(t Type, x uint64) int64 {
	if t == I32 {
		return int64(int32(uint32(x)))
	}
	return int64(x)
}

// EvalIntBinary computes an integer two-operand opcode.
func EvalIntBinary(op Opcode, t Type, x, y uint64) (uint64, bool) {
	x, y = mask(t, x), mask(t, y)
	w := uint64(t.Bits())
	sx, sy := signed(t, x), signed(t, y)
	var r uint64
	switch op {
	case OpIadd:
		r = x + y
	case OpIsub:
		r = x - y
	case OpImul:
		r = x * y
	case OpUdiv, OpUrem:
		if y == 0 {
			return 0, false
		}
		if op == OpUdiv {
			r = x / y
		} else {
			r = x % y
		}
	case OpSdiv:
		if y == 0 || sy == -1 && sx == signed(t, 1<<(w-1)) {
			return 0, false
		}
		r = uint64(sx / sy)
	case OpSrem:
		if y == 0 {
			return 0, false
		}
		if sy == -1 {
			r = 0
		} else {
			r = uint64(sx % sy)
		}
	case OpBand:
		r = x & y
	case OpBor:
		r = x | y
	case OpBxor:
		r = x ^ y
	case OpIshl:
		r = x << (y & (w - 1))
	case OpUshr:
		r = x >> (y & (w - 1))
	case OpSshr:
		r = uint64(sx >> (y & (w - 1)))
	case OpRotl, OpRotr:
		k := int(y & (w - 1))
		if op == OpRotr {
			k = -k
		}
		if t == I32 {
			r = uint64(bits.RotateLeft32(uint32(x), k))
		} else {
			r = bits.RotateLeft64(x, k)
		}
	default:
		return 0, false
	}
	return mask(t, r), true
}

// EvalIntUnary computes an integer one-operand opcode of type t.
func EvalIntUnary(op Opcode, t Type, x uint64) (uint64, bool) {
	x = mask(t, x)
	var r uint64
	switch op {
	case OpBnot:
		r = ^x
	case OpClz:
		if t == I32 {
			r = uint64(bits.LeadingZeros32(uint32(x)))
		} else {
			r = uint64(bits.LeadingZeros64(x))
		}
	case OpCtz:
		if t == I32 {
			r = uint64(bits.TrailingZeros32(uint32(x)))
		} else {
			r = uint64(bits.TrailingZeros64(x))
		}
	case OpPopcnt:
		r = uint64(bits.OnesCount64(x))
	case OpSextend8:
		r = uint64(int64(int8(x)))
	case OpSextend16:
		r = uint64(int64(int16(x)))
	case OpSextend32:
		r = uint64(int64(int32(x)))
	default:
		return 0, false
	}
	return mask(t, r), true
}

// EvalIcmp computes icmp cc on integers of type t.
func EvalIcmp(cc IntCC, t Type, x, y uint64) bool {
	x, y = mask(t, x), mask(t, y)
	sx, sy := signed(t, x), signed(t, y)
	switch cc {
	case IntEQ:
		return x == y
	case IntNE:
		return x != y
	case IntSLT:
		return sx < sy
	case IntSLE:
		return sx <= sy
	case IntSGT:
		return sx > sy
	case IntSGE:
		return sx >= sy
	case IntULT:
		return x < y
	case IntULE:
		return x <= y
	case IntUGT:
		return x > y
	case IntUGE:
		return x >= y
	}
	return false
}

// float is a float constant of type t widened to float64 (exact).
func float(t Type, b uint64) float64 {
	if t == F32 {
		return float64(math.Float32frombits(uint32(b)))
	}
	return math.Float64frombits(b)
}

// floatBits rounds x to t (an exact conversion when x came from t's
// arithmetic done correctly rounded) and returns its bits.
func floatBits(t Type, x float64) uint64 {
	if t == F32 {
		return uint64(math.Float32bits(float32(x)))
	}
	return math.Float64bits(x)
}

func signBit(t Type) uint64 {
	if t == F32 {
		return 1 << 31
	}
	return 1 << 63
}

// EvalFloat computes a float opcode of type t on one (y ignored) or two
// operands given as bits.
func EvalFloat(op Opcode, t Type, x, y uint64) (uint64, bool) {
	sign := signBit(t)
	switch op {
	case OpFneg:
		return x ^ sign, true
	case OpFabs:
		return x &^ sign, true
	case OpFcopysign:
		return x&^sign | y&sign, true
	}
	fx, fy := float(t, x), float(t, y)
	binary := op == OpFadd || op == OpFsub || op == OpFmul || op == OpFdiv || op == OpFmin || op == OpFmax
	if math.IsNaN(fx) || binary && math.IsNaN(fy) {
		return 0, false
	}
	var r float64
	switch op {
	case OpFadd, OpFsub, OpFmul, OpFdiv:
		if t == F32 {
			// float32 arithmetic, rounded once, as the hardware does.
			a, b := float32(fx), float32(fy)
			var c float32
			switch op {
			case OpFadd:
				c = a + b
			case OpFsub:
				c = a - b
			case OpFmul:
				c = a * b
			default:
				c = a / b
			}
			r = float64(c)
		} else {
			switch op {
			case OpFadd:
				r = fx + fy
			case OpFsub:
				r = fx - fy
			case OpFmul:
				r = fx * fy
			default:
				r = fx / fy
			}
		}
	case OpFmin, OpFmax:
		if fx == fy { // equal values, or zeros of either sign
			if op == OpFmin {
				return x | y, true
			}
			return x & y, true
		}
		if (fx < fy) == (op == OpFmin) {
			return x, true
		}
		return y, true
	case OpSqrt:
		// For float32, sqrt in float64 then rounding is correctly rounded.
		r = math.Sqrt(fx)
	case OpCeil:
		r = math.Ceil(fx)
	case OpFloor:
		r = math.Floor(fx)
	case OpTrunc:
		r = math.Trunc(fx)
	case OpNearest:
		r = math.RoundToEven(fx)
	default:
		return 0, false
	}
	if math.IsNaN(r) {
		return 0, false
	}
	return floatBits(t, r), true
}

// EvalFcmp computes fcmp cc on floats of type t (NaNs allowed).
func EvalFcmp(cc FloatCC, t Type, x, y uint64) bool {
	fx, fy := float(t, x), float(t, y)
	switch cc {
	case FloatEQ:
		return fx == fy
	case FloatNE:
		return fx != fy
	case FloatLT:
		return fx < fy
	case FloatLE:
		return fx <= fy
	case FloatGT:
		return fx > fy
	case FloatGE:
		return fx >= fy
	}
	return false
}

// EvalConvert computes a conversion of x (of type from) to type to. The
// trapping float-to-int conversions fold only when they do not trap, and
// int-to-float only when the value is exactly representable.
func EvalConvert(op Opcode, from, to Type, x uint64) (uint64, bool) {
	switch op {
	case OpUextend:
		return uint64(uint32(x)), true
	case OpSextend:
		return uint64(int64(int32(uint32(x)))), true
	case OpIreduce:
		return uint64(uint32(x)), true
	case OpBitcast:
		return x, true
	case OpFpromote, OpFdemote:
		f := float(from, x)
		if math.IsNaN(f) {
			return 0, false
		}
		return floatBits(to, f), true
	case OpFcvtFromSint, OpFcvtFromUint:
		mag := mask(from, x)
		neg := false
		if op == OpFcvtFromSint && signed(from, x) < 0 {
			neg, mag = true, uint64(-signed(from, x))
		}
		mant := 53
		if to == F32 {
			mant = 24
		}
		if mag != 0 && bits.Len64(mag>>bits.TrailingZeros64(mag)) > mant {
			return 0, false // would round
		}
		f := float64(mag)
		if neg {
			f = -f
		}
		return floatBits(to, f), true
	case OpFcvtToSint, OpFcvtToUint, OpFcvtToSintSat, OpFcvtToUintSat:
		return evalFloatToInt(op, from, to, x)
	}
	return 0, false
}

func evalFloatToInt(op Opcode, from, to Type, x uint64) (uint64, bool) {
	f := float(from, x)
	sat := op == OpFcvtToSintSat || op == OpFcvtToUintSat
	isSigned := op == OpFcvtToSint || op == OpFcvtToSintSat
	if math.IsNaN(f) {
		if sat {
			return 0, true
		}
		return 0, false
	}
	w := float64(to.Bits())
	lo, hi := 0.0, math.Exp2(w) // valid: lo <= t < hi
	if isSigned {
		lo, hi = -math.Exp2(w-1), math.Exp2(w-1)
	}
	t := math.Trunc(f)
	switch {
	case t >= lo && t < hi:
		if isSigned {
			return mask(to, uint64(int64(t))), true
		}
		return mask(to, uint64(t)), true
	case !sat:
		return 0, false
	case t < lo:
		if isSigned {
			return mask(to, uint64(int64(lo))), true
		}
		return 0, true
	default:
		if isSigned {
			return mask(to, uint64(1)<<(to.Bits()-1)-1), true
		}
		return mask(to, math.MaxUint64), true
	}
}
