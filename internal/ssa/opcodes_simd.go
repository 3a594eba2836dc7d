package ssa

import "strconv"

// Vector (v128) opcodes. Every vector value has the one type V128; how an
// operation splits it into lanes is the instruction's lane shape, an
// immediate printed as a suffix (viadd.i32x4, splat.f64x2). For the
// conversions, narrowing and widening opcodes the shape is the result's,
// as in WebAssembly's names (swiden_low.i16x8 widens i8 lanes to i16).
// Lane 0 is the lowest-addressed (least significant) lane. All vector
// opcodes are pure, cannot trap and cannot fault.
//
// Memory: only load.v128 and store (of a v128) access memory as vectors.
// The frontend builds the narrower vector accesses of WebAssembly from a
// scalar load or store and a vector operation (load8_splat = uload8 then
// splat, load32_zero = load.i32 then scalar_to_vector, load16x4_s =
// load.i64, scalar_to_vector and swiden_low, load32_lane = load.i32 then
// insertlane, store8_lane = extractlane then istore8); an instruction
// selector may fuse the pair into one machine access.
const (
	OpVconst         Opcode = numScalarOpcodes + iota // vconst 0x...: a 128-bit constant (Func.Consts[Imm])
	OpSplat                                           // splat.S x: every lane is the scalar x (of S's scalar type)
	OpScalarToVector                                  // scalar_to_vector.S x: lane 0 is x, the other lanes zero
	OpExtractlane                                     // extractlane.S v, n: lane n (i8/i16 lanes zero-extended to I32)
	OpSextractlane                                    // sextractlane.S v, n: lane n sign-extended to I32 (i8x16, i16x8)
	OpInsertlane                                      // insertlane.S v, x, n: v with lane n replaced by x
	OpShuffle                                         // shuffle x, y, 0x...: byte i is byte sel[i] of x‖y (sel[i] < 32)
	OpSwizzle                                         // swizzle x, s: byte i is x[s[i]], or 0 when s[i] >= 16

	OpVbnot     // vbnot x
	OpVband     // vband x, y
	OpVbor      // vbor x, y
	OpVbxor     // vbxor x, y
	OpVbandNot  // vband_not x, y: x & ^y
	OpBitselect // bitselect c, x, y: (x & c) | (y & ^c)
	OpVanyTrue  // vany_true x -> I32: 1 if any bit is set
	OpVallTrue  // vall_true.S x -> I32: 1 if every lane is non-zero
	OpVhighBits // vhigh_bits.S x -> I32: bit i is the top bit of lane i

	// Integer lanes, wrapping unless named _sat (saturating).
	OpViadd
	OpVisub
	OpVimul // i16x8, i32x4, i64x2
	OpVineg
	OpViabs   // |x| wrapping (abs of MIN is MIN)
	OpVpopcnt // i8x16
	OpVsmin
	OpVumin
	OpVsmax
	OpVumax
	OpVavgRound // unsigned (x + y + 1) >> 1 (i8x16, i16x8)
	OpVsaddSat  // i8x16, i16x8
	OpVuaddSat
	OpVssubSat
	OpVusubSat
	OpVishl // vishl.S v, n: n (I32) is taken modulo the lane width
	OpVushr
	OpVsshr
	OpVicmp // vicmp.S cc x, y: all-ones lanes where cc holds, else zero (i64x2: eq, ne, signed only)
	OpVfcmp // vfcmp.S cc x, y: as fcmp per lane, all-ones or zero

	// Float lanes: WebAssembly's rules (fmin/fmax propagate NaN and order
	// -0 < +0; pseudo-min/max are exactly y < x ? y : x and x < y ? y : x).
	OpVfadd
	OpVfsub
	OpVfmul
	OpVfdiv
	OpVfmin
	OpVfmax
	OpVfminPseudo
	OpVfmaxPseudo
	OpVfneg
	OpVfabs
	OpVsqrt
	OpVceil
	OpVfloor
	OpVtrunc
	OpVnearest

	// Lane-size changes; the shape is the result's.
	OpSnarrow       // snarrow.S x, y: lanes of x then y, narrowed with signed saturation (i8x16, i16x8)
	OpUnarrow       // unarrow.S x, y: signed input lanes narrowed with unsigned saturation
	OpSwidenLow     // swiden_low.S x: the low half's lanes sign-extended (i16x8, i32x4, i64x2)
	OpSwidenHigh    // swiden_high.S x: the high half's lanes sign-extended
	OpUwidenLow     // uwiden_low.S x: zero-extended
	OpUwidenHigh    // uwiden_high.S x
	OpSextaddPairw  // sextadd_pairwise.S x: lane i = sext(x[2i]) + sext(x[2i+1]) (i16x8, i32x4)
	OpUextaddPairw  // uextadd_pairwise.S x: zero-extending
	OpSextmulLow    // sextmul_low.S x, y: widened products of the low halves (i16x8, i32x4, i64x2)
	OpSextmulHigh   // sextmul_high.S x, y
	OpUextmulLow    // uextmul_low.S x, y
	OpUextmulHigh   // uextmul_high.S x, y
	OpSdot          // sdot.i32x4 x, y: lane i = x[2i]*y[2i] + x[2i+1]*y[2i+1] of i16 lanes, wrapping
	OpSqmulRoundSat // sqmul_round_sat.i16x8 x, y: (x*y + 0x4000) >> 15, saturated

	// Float/int conversions; the shape is the result's.
	OpVfcvtToSintSat     // vfcvt_to_sint_sat.i32x4 x: f32x4 lanes truncated, saturated, NaN -> 0
	OpVfcvtToUintSat     // vfcvt_to_uint_sat.i32x4 x
	OpVfcvtToSintSatZero // vfcvt_to_sint_sat_zero.i32x4 x: the two f64x2 lanes into lanes 0, 1; lanes 2, 3 zero
	OpVfcvtToUintSatZero // vfcvt_to_uint_sat_zero.i32x4 x
	OpVfcvtFromSint      // vfcvt_from_sint.f32x4 x (from i32x4); .f64x2: from the low two i32 lanes
	OpVfcvtFromUint      // vfcvt_from_uint.S x
	OpVfdemote           // vfdemote.f32x4 x: the two f64 lanes into lanes 0, 1; lanes 2, 3 zero
	OpVfpromote          // vfpromote.f64x2 x: the low two f32 lanes

	// The relaxed SIMD results moat chose (one per instruction, the same
	// on every host: see internal/interp/simd/relaxed.go). The other
	// relaxed instructions are built from the opcodes above.
	OpSwizzleRelaxed         // swizzle_relaxed x, s: byte i is x[s[i] & 15] for s[i] < 128, else 0
	OpVfcvtToSintRelaxed     // vfcvt_to_sint_relaxed.i32x4 x: f32x4 lanes truncated; NaN and out of range give INT32_MIN
	OpVfcvtToSintRelaxedZero // vfcvt_to_sint_relaxed_zero.i32x4 x: the two f64x2 lanes likewise into lanes 0, 1; lanes 2, 3 zero
	OpVlaneselect            // vlaneselect.S x, y, m: x where m's top bit is set, else y; per byte for i8x16 and i16x8, per lane otherwise
	OpVqmulRoundRelaxed      // vqmul_round_relaxed.i16x8 x, y: (x*y + 0x4000) >> 15, wrapping
	OpVdotI8I7               // vdot_i8i7.i16x8 x, y: lane i = x[2i]*y[2i] + x[2i+1]*y[2i+1], x's bytes signed, y's unsigned, saturated

	numOpcodes
)

// NumOpcodes bounds the opcodes: tables indexed by Opcode (the back end's
// lowering rules) have this many entries.
const NumOpcodes = int(numOpcodes)

// Shape is the lane shape of a vector instruction: lane count and type.
type Shape uint8

const (
	ShapeNone Shape = iota
	I8x16
	I16x8
	I32x4
	I64x2
	F32x4
	F64x2
	numShapes
)

var shapeNames = [...]string{ShapeNone: "none", I8x16: "i8x16", I16x8: "i16x8", I32x4: "i32x4", I64x2: "i64x2", F32x4: "f32x4", F64x2: "f64x2"}

func (s Shape) String() string {
	if s < numShapes {
		return shapeNames[s]
	}
	return "shape" + strconv.Itoa(int(s))
}

// Lanes is the number of lanes (0 for ShapeNone).
func (s Shape) Lanes() int {
	if s == ShapeNone || s >= numShapes {
		return 0
	}
	return 128 / s.LaneBits()
}

// LaneBits is the width of one lane in bits.
func (s Shape) LaneBits() int {
	switch s {
	case I8x16:
		return 8
	case I16x8:
		return 16
	case I32x4, F32x4:
		return 32
	case I64x2, F64x2:
		return 64
	}
	return 0
}

// IsFloat reports whether the lanes are floats.
func (s Shape) IsFloat() bool { return s == F32x4 || s == F64x2 }

// ScalarType is the scalar type that holds one lane: I32 for i8, i16 and
// i32 lanes, I64, F32 or F64 otherwise (splat's argument, extractlane's
// result).
func (s Shape) ScalarType() Type {
	switch s {
	case I8x16, I16x8, I32x4:
		return I32
	case I64x2:
		return I64
	case F32x4:
		return F32
	case F64x2:
		return F64
	}
	return TypeInvalid
}

func parseShape(s string) (Shape, bool) {
	for sh := I8x16; sh < numShapes; sh++ {
		if shapeNames[sh] == s {
			return sh, true
		}
	}
	return ShapeNone, false
}

// shapeSet is a set of shapes, bit s for Shape s.
type shapeSet uint8

const (
	shI8    shapeSet = 1 << I8x16
	shI16   shapeSet = 1 << I16x8
	shI32   shapeSet = 1 << I32x4
	shI64   shapeSet = 1 << I64x2
	shF32   shapeSet = 1 << F32x4
	shF64   shapeSet = 1 << F64x2
	shInt            = shI8 | shI16 | shI32 | shI64
	shFloat          = shF32 | shF64
	shAll            = shInt | shFloat
	shNarr           = shI8 | shI16          // narrowing results, saturating add/sub, avgr
	shWide           = shI16 | shI32 | shI64 // widening results
)

func (s shapeSet) has(sh Shape) bool { return sh != ShapeNone && sh < numShapes && s&(1<<sh) != 0 }

// Shape is the lane shape of a vector instruction (ShapeNone for others).
// Vector immediates live in Imm: the shape in bits 0..7, a lane index in
// bits 8..15; vconst and shuffle hold a Func.Consts index instead.
func (in *Inst) Shape() Shape {
	if in.Op.info().shapes == 0 {
		return ShapeNone
	}
	return Shape(in.Imm & 0xff)
}

// Lane is the lane index of extractlane, sextractlane and insertlane.
func (in *Inst) Lane() int { return int(in.Imm >> 8 & 0xff) }

// ShapeImm is the Imm of a vector instruction of shape s and lane index.
func ShapeImm(s Shape, lane int) uint64 { return uint64(s) | uint64(lane&0xff)<<8 }

// IsVector reports whether op is one of the vector opcodes above.
func (op Opcode) IsVector() bool { return op >= numScalarOpcodes && op < numOpcodes }

var (
	argsV1      = []typeClass{tcV128}
	argsV2      = []typeClass{tcV128, tcV128}
	argsVShift  = []typeClass{tcV128, tcI32}
	argsLaneArg = []typeClass{tcLane}
)

// vecRow is the common row of a pure vector opcode.
func vecRow(name string, shapes shapeSet, args []typeClass) opInfo {
	return opInfo{name: name, args: args, result: resV128, shapes: shapes}
}

var vectorOps = map[Opcode]opInfo{
	OpVconst:         {name: "vconst", args: argsNone, result: resV128, imm: immV128},
	OpSplat:          vecRow("splat", shAll, argsLaneArg),
	OpScalarToVector: vecRow("scalar_to_vector", shAll, argsLaneArg),
	OpExtractlane:    {name: "extractlane", args: argsV1, result: resLane, imm: immLane, shapes: shAll},
	OpSextractlane:   {name: "sextractlane", args: argsV1, result: resI32, imm: immLane, shapes: shNarr},
	OpInsertlane:     {name: "insertlane", args: []typeClass{tcV128, tcLane}, result: resV128, imm: immLane, shapes: shAll},
	OpShuffle:        {name: "shuffle", args: argsV2, result: resV128, imm: immShuffle},
	OpSwizzle:        {name: "swizzle", args: argsV2, result: resV128},

	OpVbnot:     {name: "vbnot", args: argsV1, result: resV128},
	OpVband:     {name: "vband", args: argsV2, result: resV128, flags: flagCommutative},
	OpVbor:      {name: "vbor", args: argsV2, result: resV128, flags: flagCommutative},
	OpVbxor:     {name: "vbxor", args: argsV2, result: resV128, flags: flagCommutative},
	OpVbandNot:  {name: "vband_not", args: argsV2, result: resV128},
	OpBitselect: {name: "bitselect", args: []typeClass{tcV128, tcV128, tcV128}, result: resV128},
	OpVanyTrue:  {name: "vany_true", args: argsV1, result: resI32},
	OpVallTrue:  {name: "vall_true", args: argsV1, result: resI32, shapes: shInt},
	OpVhighBits: {name: "vhigh_bits", args: argsV1, result: resI32, shapes: shInt},

	OpViadd:     commutative(vecRow("viadd", shInt, argsV2)),
	OpVisub:     vecRow("visub", shInt, argsV2),
	OpVimul:     commutative(vecRow("vimul", shWide, argsV2)),
	OpVineg:     vecRow("vineg", shInt, argsV1),
	OpViabs:     vecRow("viabs", shInt, argsV1),
	OpVpopcnt:   vecRow("vpopcnt", shI8, argsV1),
	OpVsmin:     commutative(vecRow("vsmin", shNarr|shI32, argsV2)),
	OpVumin:     commutative(vecRow("vumin", shNarr|shI32, argsV2)),
	OpVsmax:     commutative(vecRow("vsmax", shNarr|shI32, argsV2)),
	OpVumax:     commutative(vecRow("vumax", shNarr|shI32, argsV2)),
	OpVavgRound: commutative(vecRow("vavg_round", shNarr, argsV2)),
	OpVsaddSat:  commutative(vecRow("vsadd_sat", shNarr, argsV2)),
	OpVuaddSat:  commutative(vecRow("vuadd_sat", shNarr, argsV2)),
	OpVssubSat:  vecRow("vssub_sat", shNarr, argsV2),
	OpVusubSat:  vecRow("vusub_sat", shNarr, argsV2),
	OpVishl:     vecRow("vishl", shInt, argsVShift),
	OpVushr:     vecRow("vushr", shInt, argsVShift),
	OpVsshr:     vecRow("vsshr", shInt, argsVShift),
	OpVicmp:     {name: "vicmp", args: argsV2, result: resV128, imm: immIntCC, shapes: shInt},
	OpVfcmp:     {name: "vfcmp", args: argsV2, result: resV128, imm: immFloatCC, shapes: shFloat},

	OpVfadd:       vecRow("vfadd", shFloat, argsV2),
	OpVfsub:       vecRow("vfsub", shFloat, argsV2),
	OpVfmul:       vecRow("vfmul", shFloat, argsV2),
	OpVfdiv:       vecRow("vfdiv", shFloat, argsV2),
	OpVfmin:       vecRow("vfmin", shFloat, argsV2),
	OpVfmax:       vecRow("vfmax", shFloat, argsV2),
	OpVfminPseudo: vecRow("vfmin_pseudo", shFloat, argsV2),
	OpVfmaxPseudo: vecRow("vfmax_pseudo", shFloat, argsV2),
	OpVfneg:       vecRow("vfneg", shFloat, argsV1),
	OpVfabs:       vecRow("vfabs", shFloat, argsV1),
	OpVsqrt:       vecRow("vsqrt", shFloat, argsV1),
	OpVceil:       vecRow("vceil", shFloat, argsV1),
	OpVfloor:      vecRow("vfloor", shFloat, argsV1),
	OpVtrunc:      vecRow("vtrunc", shFloat, argsV1),
	OpVnearest:    vecRow("vnearest", shFloat, argsV1),

	OpSnarrow:       vecRow("snarrow", shNarr, argsV2),
	OpUnarrow:       vecRow("unarrow", shNarr, argsV2),
	OpSwidenLow:     vecRow("swiden_low", shWide, argsV1),
	OpSwidenHigh:    vecRow("swiden_high", shWide, argsV1),
	OpUwidenLow:     vecRow("uwiden_low", shWide, argsV1),
	OpUwidenHigh:    vecRow("uwiden_high", shWide, argsV1),
	OpSextaddPairw:  vecRow("sextadd_pairwise", shI16|shI32, argsV1),
	OpUextaddPairw:  vecRow("uextadd_pairwise", shI16|shI32, argsV1),
	OpSextmulLow:    commutative(vecRow("sextmul_low", shWide, argsV2)),
	OpSextmulHigh:   commutative(vecRow("sextmul_high", shWide, argsV2)),
	OpUextmulLow:    commutative(vecRow("uextmul_low", shWide, argsV2)),
	OpUextmulHigh:   commutative(vecRow("uextmul_high", shWide, argsV2)),
	OpSdot:          commutative(vecRow("sdot", shI32, argsV2)),
	OpSqmulRoundSat: commutative(vecRow("sqmul_round_sat", shI16, argsV2)),

	OpVfcvtToSintSat:     vecRow("vfcvt_to_sint_sat", shI32, argsV1),
	OpVfcvtToUintSat:     vecRow("vfcvt_to_uint_sat", shI32, argsV1),
	OpVfcvtToSintSatZero: vecRow("vfcvt_to_sint_sat_zero", shI32, argsV1),
	OpVfcvtToUintSatZero: vecRow("vfcvt_to_uint_sat_zero", shI32, argsV1),
	OpVfcvtFromSint:      vecRow("vfcvt_from_sint", shFloat, argsV1),
	OpVfcvtFromUint:      vecRow("vfcvt_from_uint", shFloat, argsV1),
	OpVfdemote:           vecRow("vfdemote", shF32, argsV1),
	OpVfpromote:          vecRow("vfpromote", shF64, argsV1),

	OpSwizzleRelaxed:         {name: "swizzle_relaxed", args: argsV2, result: resV128},
	OpVfcvtToSintRelaxed:     vecRow("vfcvt_to_sint_relaxed", shI32, argsV1),
	OpVfcvtToSintRelaxedZero: vecRow("vfcvt_to_sint_relaxed_zero", shI32, argsV1),
	OpVlaneselect:            vecRow("vlaneselect", shInt, []typeClass{tcV128, tcV128, tcV128}),
	OpVqmulRoundRelaxed:      vecRow("vqmul_round_relaxed", shI16, argsV2),
	OpVdotI8I7:               vecRow("vdot_i8i7", shI16, argsV2),
}

func commutative(in opInfo) opInfo {
	in.flags |= flagCommutative
	return in
}

// withVectorOps adds the vector rows to the opcode table.
func withVectorOps(t [numOpcodes]opInfo) [numOpcodes]opInfo {
	for op, row := range vectorOps {
		t[op] = row
	}
	return t
}
