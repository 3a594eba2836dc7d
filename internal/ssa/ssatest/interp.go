package ssatest

import (
	"errors"
	"fmt"
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// Trap is the error Run returns when the function traps.
type Trap struct{ Code abi.TrapCode }

func (t *Trap) Error() string { return "trap: " + t.Code.String() }

// ErrTimeout is returned when the step budget runs out.
var ErrTimeout = errors.New("ssatest: step limit reached")

// Memory is the address space that loads and stores reach. An error that
// is a *Trap becomes the function's trap; any other error is a fault of
// the code under test and stops the run.
type Memory interface {
	Load(addr uint64, size int) (uint64, error)
	Store(addr uint64, size int, x uint64) error
}

// Machine runs SSA functions. Values are held in uint64 words: integers
// zero-extended, floats as their IEEE bits, and a V128 as two words (low
// half first) wherever values are lists: Run's arguments and results and
// the arguments and results of Call and CallIndirect.
type Machine struct {
	Memory Memory
	// Call performs a direct call (nil: every call is an error).
	Call func(callee ssa.FuncRef, sig ssa.Signature, args []uint64) ([]uint64, error)
	// CallIndirect performs a call through the code address addr.
	CallIndirect func(addr uint64, sig ssa.Signature, args []uint64) ([]uint64, error)
	// MaxSteps bounds the number of blocks executed over the machine's
	// life (0: no bound); past it Run returns ErrTimeout.
	MaxSteps int
	// Steps counts the blocks executed so far.
	Steps int
}

// Run executes f on args and returns its results.
func (m *Machine) Run(f *ssa.Func, args []uint64) ([]uint64, error) {
	b := f.Entry()
	if b == nil {
		return nil, errors.New("ssatest: empty function")
	}
	r := newRegs(f.NumValues())
	if !r.setList(f, b.Params, args) {
		return nil, fmt.Errorf("ssatest: %d argument words for the parameters of %s", len(args), f.Sig)
	}
	for _, c := range f.PoolConsts() { // defined before the entry
		in, _ := f.ValueInst(c)
		r.lo[c] = in.Imm
	}
	for {
		m.Steps++
		if m.MaxSteps > 0 && m.Steps > m.MaxSteps {
			return nil, ErrTimeout
		}
		next, results, err := m.block(f, b, r)
		if err != nil || next == nil {
			return results, err
		}
		b = next
	}
}

// block executes b and returns the successor, or the results on return.
func (m *Machine) block(f *ssa.Func, b *ssa.Block, r *regs) (*ssa.Block, []uint64, error) {
	vals := r.lo
	for _, in := range b.Insts {
		get := func(i int) uint64 { return vals[in.Args[i]] }
		set := func(x uint64) { vals[in.Results[0]] = mask(f.ValueType(in.Results[0]), x) }
		switch op := in.Op; {
		case op == ssa.OpJump || op == ssa.OpBrif || op == ssa.OpBrTable:
			k := 0
			if op == ssa.OpBrif && get(0) == 0 {
				k = 1
			}
			if op == ssa.OpBrTable {
				if i := uint32(get(0)); uint64(i) < uint64(len(in.Targets)-1) {
					k = 1 + int(i)
				}
			}
			t := in.Targets[k]
			r.setList(f, t.Block.Params, r.list(f, t.Args))
			return t.Block, nil, nil
		case op == ssa.OpReturn:
			return nil, r.list(f, in.Args), nil
		case op == ssa.OpTrap:
			return nil, nil, &Trap{in.Trap}
		case op == ssa.OpTrapz || op == ssa.OpTrapnz:
			if (get(0) == 0) == (op == ssa.OpTrapz) {
				return nil, nil, &Trap{in.Trap}
			}
		case op == ssa.OpIconst || op == ssa.OpF32const || op == ssa.OpF64const:
			set(in.Imm)
		case op == ssa.OpLoad && in.Type == ssa.V128:
			lo, hi, err := m.load128(get(0) + uint64(int64(in.Offset)))
			if err != nil {
				return nil, nil, err
			}
			vals[in.Results[0]], r.hi[in.Results[0]] = lo, hi
		case op == ssa.OpStore && f.ValueType(in.Args[0]) == ssa.V128:
			if err := m.store128(get(1)+uint64(int64(in.Offset)), vals[in.Args[0]], r.hi[in.Args[0]]); err != nil {
				return nil, nil, err
			}
		case op.IsVector():
			if err := vector(f, in, r); err != nil {
				return nil, nil, err
			}
		case op.IsLoad():
			n, sgn, _ := op.MemAccess(in.Type)
			x, err := m.Memory.Load(get(0)+uint64(int64(in.Offset)), n)
			if err != nil {
				return nil, nil, err
			}
			if sgn {
				shift := 64 - 8*n
				x = uint64(int64(x<<shift) >> shift)
			}
			set(x)
		case op.IsStore():
			n, _, _ := op.MemAccess(f.ValueType(in.Args[0]))
			if err := m.Memory.Store(get(1)+uint64(int64(in.Offset)), n, get(0)); err != nil {
				return nil, nil, err
			}
		case op.IsCall():
			if _, err := m.call(f, in, r); err != nil {
				return nil, nil, err
			}
		case op.IsTailCall():
			res, err := m.call(f, in, r)
			return nil, res, err
		case op == ssa.OpSelect:
			k := in.Args[2]
			if get(0) != 0 {
				k = in.Args[1]
			}
			vals[in.Results[0]], r.hi[in.Results[0]] = vals[k], r.hi[k]
		case op == ssa.OpIcmp:
			set(b2u(ssa.EvalIcmp(in.IntCC, f.ValueType(in.Args[0]), get(0), get(1))))
		case op == ssa.OpFcmp:
			set(b2u(ssa.EvalFcmp(in.FloatCC, f.ValueType(in.Args[0]), get(0), get(1))))
		default:
			r, err := compute(f, in, vals)
			if err != nil {
				return nil, nil, err
			}
			set(r)
		}
	}
	return nil, nil, fmt.Errorf("ssatest: block%d has no terminator", b.ID)
}

// call runs a call (or tail call) instruction and returns its result
// words.
func (m *Machine) call(f *ssa.Func, in *ssa.Inst, r *regs) ([]uint64, error) {
	if in.Sig < 0 || int(in.Sig) >= len(f.Sigs) {
		return nil, fmt.Errorf("ssatest: bad signature in %s", f.InstString(in))
	}
	sig := f.Sigs[in.Sig]
	args := r.list(f, in.Args)
	var res []uint64
	var err error
	if !in.Op.IsIndirectCall() {
		if m.Call == nil {
			return nil, fmt.Errorf("ssatest: no callee for %s", f.InstString(in))
		}
		res, err = m.Call(in.Callee, sig, args)
	} else {
		if m.CallIndirect == nil {
			return nil, fmt.Errorf("ssatest: no callee for %s", f.InstString(in))
		}
		res, err = m.CallIndirect(args[0], sig, args[1:])
	}
	if err != nil {
		return nil, err
	}
	if in.Op.IsTailCall() {
		return res, nil
	}
	if !r.setList(f, in.Results, res) {
		return nil, fmt.Errorf("ssatest: callee gave %d result words for %s", len(res), f.InstString(in))
	}
	return res, nil
}

// compute evaluates the pure arithmetic and conversion opcodes exactly as
// WebAssembly defines them (NaN results are arithmetic NaNs).
func compute(f *ssa.Func, in *ssa.Inst, vals []uint64) (uint64, error) {
	if len(in.Args) == 0 || len(in.Results) != 1 {
		return 0, fmt.Errorf("ssatest: unhandled %s", f.InstString(in))
	}
	from := f.ValueType(in.Args[0])
	x := vals[in.Args[0]]
	var y uint64
	if len(in.Args) > 1 {
		y = vals[in.Args[1]]
	}
	to := f.ValueType(in.Results[0])
	if from == to && from.IsInt() && in.Op != ssa.OpBitcast {
		var r uint64
		var ok bool
		if len(in.Args) == 2 {
			r, ok = ssa.EvalIntBinary(in.Op, from, x, y)
		} else {
			r, ok = ssa.EvalIntUnary(in.Op, from, x)
		}
		if !ok {
			return 0, fmt.Errorf("ssatest: undefined behaviour: %s on %#x, %#x", f.InstString(in), x, y)
		}
		return r, nil
	}
	if from == to && from.IsFloat() && in.Op != ssa.OpBitcast {
		return floatOp(in.Op, from, x, y, len(in.Args) == 2), nil
	}
	if r, ok := ssa.EvalConvert(in.Op, from, to, x); ok {
		return r, nil
	}
	switch in.Op {
	case ssa.OpFcvtToSint, ssa.OpFcvtToUint:
		if isNaN(from, x) {
			return 0, &Trap{abi.TrapInvalidConversion}
		}
		return 0, &Trap{abi.TrapIntegerOverflow}
	case ssa.OpFcvtFromSint:
		if to == ssa.F32 {
			if from == ssa.I32 {
				return uint64(math.Float32bits(float32(int32(uint32(x))))), nil
			}
			return uint64(math.Float32bits(float32(int64(x)))), nil
		}
		if from == ssa.I32 {
			return math.Float64bits(float64(int32(uint32(x)))), nil
		}
		return math.Float64bits(float64(int64(x))), nil
	case ssa.OpFcvtFromUint:
		if to == ssa.F32 {
			return uint64(math.Float32bits(float32(x))), nil
		}
		return math.Float64bits(float64(x)), nil
	case ssa.OpFpromote, ssa.OpFdemote:
		// A NaN: keep the payload's top bits, quieted.
		if from == ssa.F32 {
			return math.Float64bits(float64(math.Float32frombits(uint32(x)))) | 1<<51, nil
		}
		return uint64(math.Float32bits(float32(math.Float64frombits(x)))) | 1<<22, nil
	}
	return 0, fmt.Errorf("ssatest: unhandled %s", f.InstString(in))
}

// floatOp computes a float operation, including the NaN cases the
// constant evaluator declines: a NaN operand propagates quieted, and a NaN
// made from non-NaNs is the canonical NaN.
func floatOp(op ssa.Opcode, t ssa.Type, x, y uint64, binary bool) uint64 {
	if r, ok := ssa.EvalFloat(op, t, x, y); ok {
		return r
	}
	if op == ssa.OpFmin || op == ssa.OpFmax {
		return canonicalNaN(t)
	}
	if isNaN(t, x) {
		return quiet(t, x)
	}
	if binary && isNaN(t, y) {
		return quiet(t, y)
	}
	return canonicalNaN(t)
}

func isNaN(t ssa.Type, x uint64) bool {
	if t == ssa.F32 {
		return math.IsNaN(float64(math.Float32frombits(uint32(x))))
	}
	return math.IsNaN(math.Float64frombits(x))
}

func quiet(t ssa.Type, x uint64) uint64 {
	if t == ssa.F32 {
		return x | 1<<22
	}
	return x | 1<<51
}

func canonicalNaN(t ssa.Type) uint64 {
	if t == ssa.F32 {
		return 0x7fc00000
	}
	return 0x7ff8000000000000
}

func mask(t ssa.Type, x uint64) uint64 {
	if t == ssa.I32 || t == ssa.F32 {
		return uint64(uint32(x))
	}
	return x
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
