package amd64

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/ssa/ssatest"
	"github.com/moat-run/moat/internal/vm"
)

// TestPackedOpsNative runs each packed float, comparison, lane-size and
// conversion opcode (every shape and condition) as compiled code, on the
// SSE baseline and, where the host has it, with AVX, and compares every
// result bit for bit with ssatest (internal/interp/simd's lane arithmetic)
// on edge-case and random lanes. Each opcode also runs with both operands
// the same value, which two-address sequences must survive.
func TestPackedOpsNative(t *testing.T) {
	if err := CPUSupported(); err != nil {
		t.Skip(err)
	}
	modes := []Features{{}}
	if HostFeatures().AVX {
		modes = append(modes, HostFeatures())
	}
	st, err := vm.NewStack(1 << 16)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inputs := packedInputs(4000)
	for _, body := range packedCases() {
		for _, variant := range []packedVariant{plainOperands, sameOperands, underPressure} {
			src := packedFunc(body, variant)
			f, err := ssa.Parse(src)
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			for _, feat := range modes {
				run, closeCode, err := compileRunner(f, feat, st)
				if err != nil {
					t.Errorf("%s (%s): %v", body, feat, err)
					continue
				}
				fails := 0
				for k := 0; k+1 < len(inputs); k += 2 {
					x, y := inputs[k], inputs[k+1]
					var m ssatest.Machine
					want, err := m.Run(f, []uint64{0, x[0], x[1], y[0], y[1]})
					if err != nil {
						t.Fatalf("%s: ssatest: %v", body, err)
					}
					got, err := run(x, y)
					if err != nil {
						t.Fatalf("%s (%s): %v", body, feat, err)
					}
					w := [2]uint64{want[0], want[1]}
					if variant == underPressure {
						// Undo the mixing (an even number of v1s cancel).
						m := pressureMask()
						got, w = [2]uint64{got[0] ^ m, got[1] ^ m}, [2]uint64{w[0] ^ m, w[1] ^ m}
					}
					if !sameLanes(got, w, floatResultWidth(body)) {
						fails++
						if fails <= 3 {
							t.Errorf("%s (%s, %s): x=%016x%016x y=%016x%016x: got %016x%016x, want %016x%016x",
								body, variant, feat, x[1], x[0], y[1], y[0], got[1], got[0], want[1], want[0])
						}
					}
				}
				closeCode()
			}
		}
	}
}

// floatResultWidth is the lane width of a float result (0 for integer
// results).
func floatResultWidth(body string) int {
	switch {
	case strings.Contains(body, "vfcmp"):
		return 0
	case strings.Contains(body, ".f32x4"):
		return 32
	case strings.Contains(body, ".f64x2"):
		return 64
	}
	return 0
}

// sameLanes compares bit for bit, except that float lanes that are both
// NaN may differ in the sign: a fresh NaN (sqrt of a negative lane) is
// the canonical NaN of either sign in WebAssembly, and x86 gives it the
// sign bit set where the interpreter does not.
func sameLanes(got, want [2]uint64, width int) bool {
	if got == want {
		return true
	}
	if width == 0 {
		return false
	}
	for h := range 2 {
		for b := 0; b < 64; b += width {
			mask := uint64(1)<<width - 1
			if width == 64 {
				mask = math.MaxUint64
			}
			g, w := got[h]>>b&mask, want[h]>>b&mask
			sign := uint64(1) << (width - 1)
			if g == w {
				continue
			}
			if g^w != sign || !isNaNBits(w, width) {
				return false
			}
		}
	}
	return true
}

func isNaNBits(x uint64, width int) bool {
	if width == 32 {
		return x&0x7f800000 == 0x7f800000 && x&0x7fffff != 0
	}
	return x&0x7ff0000000000000 == 0x7ff0000000000000 && x&0xfffffffffffff != 0
}

// packedCases are the instruction bodies under test, over v1 and v2.
func packedCases() []string {
	var cs []string
	floats := []string{"f32x4", "f64x2"}
	for _, op := range []string{"vfadd", "vfsub", "vfmul", "vfdiv", "vfmin", "vfmax", "vfmin_pseudo", "vfmax_pseudo"} {
		for _, s := range floats {
			cs = append(cs, fmt.Sprintf("%s.%s v1, v2", op, s))
		}
	}
	for _, op := range []string{"vfneg", "vfabs", "vsqrt", "vceil", "vfloor", "vtrunc", "vnearest"} {
		for _, s := range floats {
			cs = append(cs, fmt.Sprintf("%s.%s v1", op, s))
		}
	}
	for _, cc := range []string{"eq", "ne", "lt", "le", "gt", "ge"} {
		for _, s := range floats {
			cs = append(cs, fmt.Sprintf("vfcmp.%s %s v1, v2", s, cc))
		}
	}
	for _, s := range []string{"i8x16", "i16x8", "i32x4", "i64x2"} {
		for _, cc := range []string{"eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"} {
			if s == "i64x2" && cc[0] == 'u' {
				continue
			}
			cs = append(cs, fmt.Sprintf("vicmp.%s %s v1, v2", s, cc))
		}
	}
	for _, op := range []string{"snarrow", "unarrow"} {
		cs = append(cs, op+".i8x16 v1, v2", op+".i16x8 v1, v2")
	}
	for _, op := range []string{"swiden_low", "swiden_high", "uwiden_low", "uwiden_high"} {
		cs = append(cs, op+".i16x8 v1", op+".i32x4 v1", op+".i64x2 v1")
	}
	for _, op := range []string{"sextadd_pairwise", "uextadd_pairwise"} {
		cs = append(cs, op+".i16x8 v1", op+".i32x4 v1")
	}
	for _, op := range []string{"sextmul_low", "sextmul_high", "uextmul_low", "uextmul_high"} {
		cs = append(cs, op+".i16x8 v1, v2", op+".i32x4 v1, v2", op+".i64x2 v1, v2")
	}
	cs = append(cs, "sdot.i32x4 v1, v2", "sqmul_round_sat.i16x8 v1, v2")
	for _, op := range []string{"vfcvt_to_sint_sat", "vfcvt_to_uint_sat", "vfcvt_to_sint_sat_zero", "vfcvt_to_uint_sat_zero"} {
		cs = append(cs, op+".i32x4 v1")
	}
	cs = append(cs, "vfcvt_from_sint.f32x4 v1", "vfcvt_from_sint.f64x2 v1", "vfcvt_from_uint.f32x4 v1",
		"vfcvt_from_uint.f64x2 v1", "vfdemote.f32x4 v1", "vfpromote.f64x2 v1")
	// Relaxed SIMD: the results moat chose, bit for bit. v4 is v1 ^ v2, a
	// mask unlike either operand.
	cs = append(cs, "swizzle_relaxed v1, v2", "vfcvt_to_sint_relaxed.i32x4 v1", "vfcvt_to_sint_relaxed_zero.i32x4 v1",
		"vqmul_round_relaxed.i16x8 v1, v2", "vdot_i8i7.i16x8 v1, v2")
	for _, s := range []string{"i8x16", "i16x8", "i32x4", "i64x2"} {
		cs = append(cs, "vlaneselect."+s+" v1, v2, v4", "vlaneselect."+s+" v1, v2, v2", "vlaneselect."+s+" v1, v2, v1")
	}
	return cs
}

// packedVariant is how the instruction under test gets its operands.
type packedVariant uint8

const (
	plainOperands packedVariant = iota // v1, v2 in registers
	sameOperands                       // v1 twice (two-address sequences must survive it)
	underPressure                      // 16 more vectors live across it: operands spilled
)

func (v packedVariant) String() string { return [...]string{"plain", "same", "pressure"}[v] }

// pressureVectors are the vectors v1 ^ c(i) live across the instruction
// under pressure (an even number), all mixed into the result.
const pressureVectors = 16

func pressureConst(i int) uint64 { return uint64(i+1) * 0x0101010101010101 }

// pressureMask is what mixing them into the result xors it with (the same
// in both halves of the vector).
func pressureMask() uint64 {
	var m uint64
	for i := range pressureVectors {
		m ^= pressureConst(i)
	}
	return m
}

// packedFunc wraps body (over v1, v2) in a function of two vectors.
func packedFunc(body string, variant packedVariant) string {
	var sb strings.Builder
	sb.WriteString("function %t(i64, v128, v128) -> v128 {\nblock0(v0: i64, v1: v128, v2: v128):\n")
	if strings.Contains(body, "v4") {
		sb.WriteString("    v4 = vbxor v1, v2\n")
	}
	switch variant {
	case sameOperands:
		fmt.Fprintf(&sb, "    v3 = %s\n    return v3\n}\n", strings.ReplaceAll(body, "v2", "v1"))
		return sb.String()
	case plainOperands:
		fmt.Fprintf(&sb, "    v3 = %s\n    return v3\n}\n", body)
		return sb.String()
	}
	for i := range pressureVectors {
		c := pressureConst(i)
		fmt.Fprintf(&sb, "    v%d = vconst 0x%016x%016x\n", 10+i, c, c)
		fmt.Fprintf(&sb, "    v%d = vbxor v1, v%d\n", 30+i, 10+i)
	}
	fmt.Fprintf(&sb, "    v3 = %s\n", body)
	prev := 3
	for i := range pressureVectors {
		fmt.Fprintf(&sb, "    v%d = vbxor v%d, v%d\n", 50+i, prev, 30+i)
		prev = 50 + i
	}
	fmt.Fprintf(&sb, "    return v%d\n}\n", prev)
	return sb.String()
}

// compileRunner compiles f (of two v128 parameters and a v128 result),
// links it behind an entry stub and returns a function that runs it.
func compileRunner(f *ssa.Func, feat Features, st *vm.Stack) (func(x, y [2]uint64) ([2]uint64, error), func(), error) {
	c, err := Compile(f, Options{Check: true, Features: feat})
	if err != nil {
		return nil, nil, err
	}
	var blob []byte
	place := func(code []byte) int {
		for len(blob)%16 != 0 {
			blob = append(blob, 0xCC)
		}
		off := len(blob)
		blob = append(blob, code...)
		return off
	}
	funcOff := place(c.Code)
	stub, stubRelocs, err := EntryStub(f.Sig, 0)
	if err != nil {
		return nil, nil, err
	}
	stubOff := place(stub)
	poll, exitEntry := PollStub()
	pollOff := place(poll)
	patch := func(base int, rs []Reloc) {
		for _, r := range rs {
			at := base + r.Offset
			target := funcOff
			switch r.Func {
			case PollStubCallee:
				target = pollOff
			case SavingExitCallee:
				target = pollOff + exitEntry
			}
			binary.LittleEndian.PutUint32(blob[at:], uint32(int32(int64(target)+r.Addend-int64(at))))
		}
	}
	patch(funcOff, c.Relocs)
	patch(stubOff, stubRelocs)
	code, err := vm.MapCode(blob)
	if err != nil {
		return nil, nil, err
	}
	ctx := vm.NewContext()
	runner := &vm.Runner{}
	entry := code.Addr() + uintptr(stubOff)
	run := func(x, y [2]uint64) ([2]uint64, error) {
		vals := []uint64{x[0], x[1], y[0], y[1]}
		err := runner.Run(context.Background(), ctx, st, entry, vals)
		return [2]uint64{vals[0], vals[1]}, err
	}
	return run, func() { code.Close() }, nil
}

// packedInputs are vectors of lanes drawn from edge cases of every lane
// width (as f32, f64 and integers) and random bits.
func packedInputs(n int) [][2]uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	f32s := []float32{0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		2147483648, -2147483648, 2147483520, 4294967296, 4294967040, -4294967296, 1e10, -1e10, 65536.5, 8388608.5}
	f32bits := []uint32{0x80000000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa00000, 0x7fc12345, 0x7f812345}
	for _, v := range f32s {
		f32bits = append(f32bits, math.Float32bits(v))
	}
	f64s := []float64{0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, 2147483647, 2147483647.5, 2147483648, -2147483648, -2147483648.5, -2147483649,
		4294967295, 4294967295.5, 4294967296, -0.9, 1e300, 4503599627370497.5}
	f64bits := []uint64{1 << 63, 0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7ff4000000000000, 0x7ff8123456789abc}
	for _, v := range f64s {
		f64bits = append(f64bits, math.Float64bits(v))
	}
	ints := []uint64{0, 1, 0xff, 0x7f, 0x80, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		1<<63 - 1, 1 << 63, math.MaxUint64, 0x0102030405060708}
	lane := func(width int) uint64 {
		mask := uint64(1)<<width - 1
		if width == 64 {
			mask = math.MaxUint64
		}
		switch r.IntN(5) {
		case 0:
			if width == 32 {
				return uint64(f32bits[r.IntN(len(f32bits))])
			}
			if width == 64 {
				return f64bits[r.IntN(len(f64bits))]
			}
			return ints[r.IntN(len(ints))] & mask
		case 1:
			return ints[r.IntN(len(ints))] & mask
		case 2:
			return uint64(r.IntN(5)-2) & mask // small values
		default:
			return r.Uint64() & mask
		}
	}
	out := make([][2]uint64, n)
	for i := range out {
		width := []int{8, 16, 32, 32, 64, 64}[r.IntN(6)]
		for h := range 2 {
			var w uint64
			for b := 0; b < 64; b += width {
				w |= lane(width) << b
			}
			out[i][h] = w
		}
	}
	return out
}
