package interp

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
)

// execMisc runs the rarer scalar instructions: float rounding and min/max,
// conversions, references, tables and bulk memory.
func execMisc(in *instr, regs []uint64, st *instState, m *machine, fc *funcCode) abi.TrapCode {
	switch {
	case in.op == opRefFunc: // b is a function index, not a slot
		regs[in.a] = st.funcRefs[in.b]
		return abi.TrapNone
	case in.op == opRefAsNonNull:
		if regs[in.b] == 0 {
			return abi.TrapNullReference
		}
		regs[in.a] = regs[in.b]
		return abi.TrapNone
	case in.op > opRefAsNonNull:
		return execMemory(in, regs, st, fc)
	case in.op > opRefIsNull:
		return execBulk(in, regs, st, m)
	}
	x := regs[in.b]
	switch in.op {
	case opF32Min:
		regs[in.a] = uint64(math.Float32bits(fmin32(f32(x), f32(regs[in.c]))))
	case opF32Max:
		regs[in.a] = uint64(math.Float32bits(fmax32(f32(x), f32(regs[in.c]))))
	case opF32Copysign:
		regs[in.a] = x&0x7fffffff | regs[in.c]&0x80000000
	case opF32Abs:
		regs[in.a] = x & 0x7fffffff
	case opF32Neg:
		regs[in.a] = (x ^ 0x80000000) & 0xffffffff
	case opF32Ceil:
		regs[in.a] = uint64(math.Float32bits(round32(f32(x), math.Ceil)))
	case opF32Floor:
		regs[in.a] = uint64(math.Float32bits(round32(f32(x), math.Floor)))
	case opF32Trunc:
		regs[in.a] = uint64(math.Float32bits(round32(f32(x), math.Trunc)))
	case opF32Nearest:
		regs[in.a] = uint64(math.Float32bits(round32(f32(x), math.RoundToEven)))
	case opF32Sqrt:
		regs[in.a] = uint64(math.Float32bits(float32(math.Sqrt(float64(f32(x))))))
	case opF64Min:
		regs[in.a] = math.Float64bits(fmin64(f64(x), f64(regs[in.c])))
	case opF64Max:
		regs[in.a] = math.Float64bits(fmax64(f64(x), f64(regs[in.c])))
	case opF64Copysign:
		regs[in.a] = x&(1<<63-1) | regs[in.c]&(1<<63)
	case opF64Abs:
		regs[in.a] = x & (1<<63 - 1)
	case opF64Neg:
		regs[in.a] = x ^ 1<<63
	case opF64Ceil:
		regs[in.a] = math.Float64bits(round64(f64(x), math.Ceil))
	case opF64Floor:
		regs[in.a] = math.Float64bits(round64(f64(x), math.Floor))
	case opF64Trunc:
		regs[in.a] = math.Float64bits(round64(f64(x), math.Trunc))
	case opF64Nearest:
		regs[in.a] = math.Float64bits(round64(f64(x), math.RoundToEven))

	case opI32TruncF32S, opI32TruncF64S:
		v := floatArg(in.op == opI32TruncF32S, x)
		if v != v {
			return abi.TrapInvalidConversion
		}
		if v <= -2147483649 || v >= 2147483648 {
			return abi.TrapIntegerOverflow
		}
		regs[in.a] = uint64(uint32(int32(v)))
	case opI32TruncF32U, opI32TruncF64U:
		v := floatArg(in.op == opI32TruncF32U, x)
		if v != v {
			return abi.TrapInvalidConversion
		}
		if v <= -1 || v >= 4294967296 {
			return abi.TrapIntegerOverflow
		}
		regs[in.a] = uint64(uint32(int64(v)))
	case opI64TruncF32S, opI64TruncF64S:
		v := floatArg(in.op == opI64TruncF32S, x)
		if v != v {
			return abi.TrapInvalidConversion
		}
		if v < -9223372036854775808 || v >= 9223372036854775808 {
			return abi.TrapIntegerOverflow
		}
		regs[in.a] = uint64(int64(v))
	case opI64TruncF32U, opI64TruncF64U:
		v := floatArg(in.op == opI64TruncF32U, x)
		if v != v {
			return abi.TrapInvalidConversion
		}
		if v <= -1 || v >= 18446744073709551616 {
			return abi.TrapIntegerOverflow
		}
		regs[in.a] = truncU64(v)
	case opI32TruncSatF32S, opI32TruncSatF64S:
		v := floatArg(in.op == opI32TruncSatF32S, x)
		switch {
		case v != v:
			regs[in.a] = 0
		case v <= math.MinInt32:
			regs[in.a] = uint64(uint32(math.MinInt32 & 0xffffffff))
		case v >= math.MaxInt32:
			regs[in.a] = math.MaxInt32
		default:
			regs[in.a] = uint64(uint32(int32(v)))
		}
	case opI32TruncSatF32U, opI32TruncSatF64U:
		v := floatArg(in.op == opI32TruncSatF32U, x)
		switch {
		case v != v || v <= 0:
			regs[in.a] = 0
		case v >= math.MaxUint32:
			regs[in.a] = math.MaxUint32
		default:
			regs[in.a] = uint64(uint32(int64(v)))
		}
	case opI64TruncSatF32S, opI64TruncSatF64S:
		v := floatArg(in.op == opI64TruncSatF32S, x)
		switch {
		case v != v:
			regs[in.a] = 0
		case v < -9223372036854775808:
			regs[in.a] = 1 << 63
		case v >= 9223372036854775808:
			regs[in.a] = math.MaxInt64
		default:
			regs[in.a] = uint64(int64(v))
		}
	case opI64TruncSatF32U, opI64TruncSatF64U:
		v := floatArg(in.op == opI64TruncSatF32U, x)
		switch {
		case v != v || v <= 0:
			regs[in.a] = 0
		case v >= 18446744073709551616:
			regs[in.a] = math.MaxUint64
		default:
			regs[in.a] = truncU64(v)
		}
	case opF32ConvertI32S:
		regs[in.a] = uint64(math.Float32bits(float32(int32(x))))
	case opF32ConvertI32U:
		regs[in.a] = uint64(math.Float32bits(float32(uint32(x))))
	case opF32ConvertI64S:
		regs[in.a] = uint64(math.Float32bits(float32(int64(x))))
	case opF32ConvertI64U:
		regs[in.a] = uint64(math.Float32bits(float32(x)))
	case opF32DemoteF64:
		regs[in.a] = uint64(math.Float32bits(float32(f64(x))))
	case opF64ConvertI32S:
		regs[in.a] = math.Float64bits(float64(int32(x)))
	case opF64ConvertI32U:
		regs[in.a] = math.Float64bits(float64(uint32(x)))
	case opF64ConvertI64S:
		regs[in.a] = math.Float64bits(float64(int64(x)))
	case opF64ConvertI64U:
		regs[in.a] = math.Float64bits(float64(x))
	case opF64PromoteF32:
		regs[in.a] = math.Float64bits(float64(f32(x)))

	case opRefIsNull:
		regs[in.a] = b2u(x == 0)
	default:
		return abi.TrapUnreachable // never produced by the translator
	}
	return abi.TrapNone
}

// floatArg widens an f32 or f64 operand to float64 (exactly).
func floatArg(isF32 bool, x uint64) float64 {
	if isF32 {
		return float64(f32(x))
	}
	return f64(x)
}

// truncU64 converts an in-range non-negative float to uint64 without going
// through int64 for values of 2^63 and above.
func truncU64(v float64) uint64 {
	if v >= 9223372036854775808 {
		return uint64(int64(v-9223372036854775808)) + 1<<63
	}
	return uint64(int64(v))
}

// round32 and round64 apply a rounding function, turning a signalling NaN
// into a quiet one as the hardware would (x+x quiets it).
func round32(x float32, f func(float64) float64) float32 {
	if x != x {
		return x + x
	}
	return float32(f(float64(x)))
}

func round64(x float64, f func(float64) float64) float64 {
	if x != x {
		return x + x
	}
	return f(x)
}

// fmin/fmax: NaN if either operand is NaN, and -0 < +0.
func fmin32(x, y float32) float32 {
	if x != x || y != y {
		return x + y
	}
	if x == y {
		return math.Float32frombits(math.Float32bits(x) | math.Float32bits(y))
	}
	if x < y {
		return x
	}
	return y
}

func fmax32(x, y float32) float32 {
	if x != x || y != y {
		return x + y
	}
	if x == y {
		return math.Float32frombits(math.Float32bits(x) & math.Float32bits(y))
	}
	if x > y {
		return x
	}
	return y
}

func fmin64(x, y float64) float64 {
	if x != x || y != y {
		return x + y
	}
	if x == y {
		return math.Float64frombits(math.Float64bits(x) | math.Float64bits(y))
	}
	if x < y {
		return x
	}
	return y
}

func fmax64(x, y float64) float64 {
	if x != x || y != y {
		return x + y
	}
	if x == y {
		return math.Float64frombits(math.Float64bits(x) & math.Float64bits(y))
	}
	if x > y {
		return x
	}
	return y
}
