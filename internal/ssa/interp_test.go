package ssa

import (
	"fmt"
	"math"

	"github.com/moat-run/moat/internal/abi"
)

// outcome is everything observable about one run of a function.
type outcome struct {
	results []uint64
	trap    abi.TrapCode
	memory  []byte
	calls   []string
	timeout bool
}

func (o outcome) String() string {
	return fmt.Sprintf("results=%x trap=%v timeout=%v calls=%v mem=%x", o.results, o.trap, o.timeout, o.calls, o.memory)
}

const interpMemSize = 64

// interpret runs f on args with a small memory, deterministic callees and
// a step limit. It is the reference the pass tests compare against.
func interpret(f *Func, args []uint64, maxSteps int) (out outcome) {
	mem := make([]byte, interpMemSize)
	vals := make([]uint64, f.NumValues())
	defer func() { out.memory = mem }()
	b := f.Entry()
	for i, p := range b.Params {
		vals[p] = args[i]
	}
	for steps := 0; ; steps++ {
		if steps > maxSteps {
			out.timeout = true
			return out
		}
		for _, in := range b.Insts {
			get := func(i int) uint64 { return vals[in.Args[i]] }
			set := func(x uint64) { vals[in.Results[0]] = x }
			info := in.Op.info()
			switch {
			case in.Op == OpJump || in.Op == OpBrif || in.Op == OpBrTable:
				k := 0
				if in.Op == OpBrif && get(0) == 0 {
					k = 1
				}
				if in.Op == OpBrTable {
					if i := uint32(get(0)); int(i) < len(in.Targets)-1 {
						k = 1 + int(i)
					}
				}
				t := in.Targets[k]
				tmp := make([]uint64, len(t.Args))
				for i, a := range t.Args {
					tmp[i] = vals[a]
				}
				for i, p := range t.Block.Params {
					vals[p] = tmp[i]
				}
				b = t.Block
			case in.Op == OpReturn:
				for _, a := range in.Args {
					out.results = append(out.results, vals[a])
				}
				return out
			case in.Op == OpTrap:
				out.trap = in.Trap
				return out
			case in.Op == OpTrapz || in.Op == OpTrapnz:
				if (get(0) == 0) == (in.Op == OpTrapz) {
					out.trap = in.Trap
					return out
				}
			case in.Op == OpIconst || in.Op == OpF32const || in.Op == OpF64const:
				set(in.Imm)
			case in.Op.IsLoad() || in.Op.IsStore():
				addrIdx := 0
				if in.Op.IsStore() {
					addrIdx = 1
				}
				t := in.Type
				if in.Op.IsStore() {
					t = f.ValueType(in.Args[0])
				}
				n, sgn, _ := in.Op.MemAccess(t)
				addr := int64(get(addrIdx)) + int64(in.Offset)
				if addr < 0 || addr+int64(n) > interpMemSize {
					out.trap = abi.TrapMemoryOutOfBounds
					return out
				}
				if in.Op.IsStore() {
					x := get(0)
					for i := 0; i < n; i++ {
						mem[addr+int64(i)] = byte(x >> (8 * i))
					}
					continue
				}
				var x uint64
				for i := 0; i < n; i++ {
					x |= uint64(mem[addr+int64(i)]) << (8 * i)
				}
				if sgn {
					shift := 64 - 8*n
					x = uint64(int64(x<<shift) >> shift)
				}
				set(mask(t, x))
			case in.Op == OpCall:
				var s uint64 = 0x9e3779b97f4a7c15 ^ uint64(in.Callee)
				for i := range in.Args {
					s = (s ^ get(i)) * 0x100000001b3
				}
				out.calls = append(out.calls, fmt.Sprintf("fn%d%x", in.Callee, s))
				for i, r := range in.Results {
					vals[r] = mask(f.ValueType(r), s+uint64(i))
				}
			case in.Op == OpSelect:
				if get(0) != 0 {
					set(get(1))
				} else {
					set(get(2))
				}
			case in.Op == OpIcmp:
				set(b2u(EvalIcmp(in.IntCC, f.ValueType(in.Args[0]), get(0), get(1))))
			case in.Op == OpFcmp:
				set(b2u(EvalFcmp(in.FloatCC, f.ValueType(in.Args[0]), get(0), get(1))))
			case info.result == resSame && f.ValueType(in.Args[0]).IsInt():
				t := f.ValueType(in.Args[0])
				var r uint64
				var ok bool
				if len(in.Args) == 2 {
					r, ok = EvalIntBinary(in.Op, t, get(0), get(1))
				} else {
					r, ok = EvalIntUnary(in.Op, t, get(0))
				}
				if !ok {
					panic(fmt.Sprintf("undefined behaviour: %s", f.InstString(in)))
				}
				set(r)
			case info.result == resSame:
				t := f.ValueType(in.Args[0])
				y := uint64(0)
				if len(in.Args) == 2 {
					y = get(1)
				}
				set(interpFloat(in.Op, t, get(0), y))
			case info.result == resCtrl && len(in.Args) == 1:
				from := f.ValueType(in.Args[0])
				r, ok := EvalConvert(in.Op, from, in.Type, get(0))
				if !ok {
					if in.Op == OpFcvtToSint || in.Op == OpFcvtToUint {
						out.trap = abi.TrapIntegerOverflow
						if math.IsNaN(float(from, get(0))) {
							out.trap = abi.TrapInvalidConversion
						}
						return out
					}
					r = interpConvertInexact(in.Op, from, in.Type, get(0))
				}
				set(r)
			default:
				panic("interpret: unhandled " + f.InstString(in))
			}
		}
	}
}

// interpFloat computes float ops including those EvalFloat declines (NaNs).
func interpFloat(op Opcode, t Type, x, y uint64) uint64 {
	if r, ok := EvalFloat(op, t, x, y); ok {
		return r
	}
	if op == OpFmin || op == OpFmax {
		if t == F32 {
			return 0x7fc00000
		}
		return 0x7ff8000000000000
	}
	fx, fy := float(t, x), float(t, y)
	var r float64
	switch op {
	case OpFadd:
		r = fx + fy
	case OpFsub:
		r = fx - fy
	case OpFmul:
		r = fx * fy
	case OpFdiv:
		r = fx / fy
	default:
		r = math.NaN()
	}
	if math.IsNaN(r) {
		return floatBits(t, math.NaN())
	}
	return floatBits(t, r)
}

func interpConvertInexact(op Opcode, from, to Type, x uint64) uint64 {
	switch op {
	case OpFcvtFromSint:
		return floatBits(to, float64(signed(from, x)))
	case OpFcvtFromUint:
		if to == F32 {
			return uint64(math.Float32bits(float32(mask(from, x))))
		}
		return math.Float64bits(float64(mask(from, x)))
	}
	return floatBits(to, math.NaN())
}
