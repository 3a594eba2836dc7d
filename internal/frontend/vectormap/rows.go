package vectormap

import (
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Row maps WebAssembly instructions one to one onto a vector opcode:
// By[s] is the Wasm instruction that is Op with lane shape s (By[0] for
// the opcodes without a shape), and CC the condition of a comparison.
type Row struct {
	Op ssa.Opcode
	CC uint8 // IntCC for vicmp, FloatCC for vfcmp
	By ShapeOps
}

// ShapeOps are Wasm opcodes indexed by ssa.Shape.
type ShapeOps [7]wasm.Opcode

const (
	sNone = ssa.ShapeNone
	s8    = ssa.I8x16
	s16   = ssa.I16x8
	s32   = ssa.I32x4
	s64   = ssa.I64x2
	sf32  = ssa.F32x4
	sf64  = ssa.F64x2
)

// Rows are every v128 instruction of Wasm 2.0 except v128.const, the
// loads and stores (memory access needs the frontend's bounds checks).
var Rows = []Row{
	{Op: ssa.OpSplat, By: ShapeOps{s8: wasm.OpI8x16Splat, s16: wasm.OpI16x8Splat, s32: wasm.OpI32x4Splat, s64: wasm.OpI64x2Splat, sf32: wasm.OpF32x4Splat, sf64: wasm.OpF64x2Splat}},
	{Op: ssa.OpExtractlane, By: ShapeOps{s8: wasm.OpI8x16ExtractLaneU, s16: wasm.OpI16x8ExtractLaneU, s32: wasm.OpI32x4ExtractLane, s64: wasm.OpI64x2ExtractLane, sf32: wasm.OpF32x4ExtractLane, sf64: wasm.OpF64x2ExtractLane}},
	{Op: ssa.OpSextractlane, By: ShapeOps{s8: wasm.OpI8x16ExtractLaneS, s16: wasm.OpI16x8ExtractLaneS}},
	{Op: ssa.OpInsertlane, By: ShapeOps{s8: wasm.OpI8x16ReplaceLane, s16: wasm.OpI16x8ReplaceLane, s32: wasm.OpI32x4ReplaceLane, s64: wasm.OpI64x2ReplaceLane, sf32: wasm.OpF32x4ReplaceLane, sf64: wasm.OpF64x2ReplaceLane}},
	{Op: ssa.OpShuffle, By: ShapeOps{sNone: wasm.OpI8x16Shuffle}},
	{Op: ssa.OpSwizzle, By: ShapeOps{sNone: wasm.OpI8x16Swizzle}},

	{Op: ssa.OpVbnot, By: ShapeOps{sNone: wasm.OpV128Not}},
	{Op: ssa.OpVband, By: ShapeOps{sNone: wasm.OpV128And}},
	{Op: ssa.OpVbor, By: ShapeOps{sNone: wasm.OpV128Or}},
	{Op: ssa.OpVbxor, By: ShapeOps{sNone: wasm.OpV128Xor}},
	{Op: ssa.OpVbandNot, By: ShapeOps{sNone: wasm.OpV128Andnot}},
	{Op: ssa.OpBitselect, By: ShapeOps{sNone: wasm.OpV128Bitselect}},
	{Op: ssa.OpVanyTrue, By: ShapeOps{sNone: wasm.OpV128AnyTrue}},
	{Op: ssa.OpVallTrue, By: ShapeOps{s8: wasm.OpI8x16AllTrue, s16: wasm.OpI16x8AllTrue, s32: wasm.OpI32x4AllTrue, s64: wasm.OpI64x2AllTrue}},
	{Op: ssa.OpVhighBits, By: ShapeOps{s8: wasm.OpI8x16Bitmask, s16: wasm.OpI16x8Bitmask, s32: wasm.OpI32x4Bitmask, s64: wasm.OpI64x2Bitmask}},

	{Op: ssa.OpViadd, By: ShapeOps{s8: wasm.OpI8x16Add, s16: wasm.OpI16x8Add, s32: wasm.OpI32x4Add, s64: wasm.OpI64x2Add}},
	{Op: ssa.OpVisub, By: ShapeOps{s8: wasm.OpI8x16Sub, s16: wasm.OpI16x8Sub, s32: wasm.OpI32x4Sub, s64: wasm.OpI64x2Sub}},
	{Op: ssa.OpVimul, By: ShapeOps{s16: wasm.OpI16x8Mul, s32: wasm.OpI32x4Mul, s64: wasm.OpI64x2Mul}},
	{Op: ssa.OpVineg, By: ShapeOps{s8: wasm.OpI8x16Neg, s16: wasm.OpI16x8Neg, s32: wasm.OpI32x4Neg, s64: wasm.OpI64x2Neg}},
	{Op: ssa.OpViabs, By: ShapeOps{s8: wasm.OpI8x16Abs, s16: wasm.OpI16x8Abs, s32: wasm.OpI32x4Abs, s64: wasm.OpI64x2Abs}},
	{Op: ssa.OpVpopcnt, By: ShapeOps{s8: wasm.OpI8x16Popcnt}},
	{Op: ssa.OpVsmin, By: ShapeOps{s8: wasm.OpI8x16MinS, s16: wasm.OpI16x8MinS, s32: wasm.OpI32x4MinS}},
	{Op: ssa.OpVumin, By: ShapeOps{s8: wasm.OpI8x16MinU, s16: wasm.OpI16x8MinU, s32: wasm.OpI32x4MinU}},
	{Op: ssa.OpVsmax, By: ShapeOps{s8: wasm.OpI8x16MaxS, s16: wasm.OpI16x8MaxS, s32: wasm.OpI32x4MaxS}},
	{Op: ssa.OpVumax, By: ShapeOps{s8: wasm.OpI8x16MaxU, s16: wasm.OpI16x8MaxU, s32: wasm.OpI32x4MaxU}},
	{Op: ssa.OpVavgRound, By: ShapeOps{s8: wasm.OpI8x16AvgrU, s16: wasm.OpI16x8AvgrU}},
	{Op: ssa.OpVsaddSat, By: ShapeOps{s8: wasm.OpI8x16AddSatS, s16: wasm.OpI16x8AddSatS}},
	{Op: ssa.OpVuaddSat, By: ShapeOps{s8: wasm.OpI8x16AddSatU, s16: wasm.OpI16x8AddSatU}},
	{Op: ssa.OpVssubSat, By: ShapeOps{s8: wasm.OpI8x16SubSatS, s16: wasm.OpI16x8SubSatS}},
	{Op: ssa.OpVusubSat, By: ShapeOps{s8: wasm.OpI8x16SubSatU, s16: wasm.OpI16x8SubSatU}},
	{Op: ssa.OpVishl, By: ShapeOps{s8: wasm.OpI8x16Shl, s16: wasm.OpI16x8Shl, s32: wasm.OpI32x4Shl, s64: wasm.OpI64x2Shl}},
	{Op: ssa.OpVushr, By: ShapeOps{s8: wasm.OpI8x16ShrU, s16: wasm.OpI16x8ShrU, s32: wasm.OpI32x4ShrU, s64: wasm.OpI64x2ShrU}},
	{Op: ssa.OpVsshr, By: ShapeOps{s8: wasm.OpI8x16ShrS, s16: wasm.OpI16x8ShrS, s32: wasm.OpI32x4ShrS, s64: wasm.OpI64x2ShrS}},

	{Op: ssa.OpVicmp, CC: uint8(ssa.IntEQ), By: ShapeOps{s8: wasm.OpI8x16Eq, s16: wasm.OpI16x8Eq, s32: wasm.OpI32x4Eq, s64: wasm.OpI64x2Eq}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntNE), By: ShapeOps{s8: wasm.OpI8x16Ne, s16: wasm.OpI16x8Ne, s32: wasm.OpI32x4Ne, s64: wasm.OpI64x2Ne}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntSLT), By: ShapeOps{s8: wasm.OpI8x16LtS, s16: wasm.OpI16x8LtS, s32: wasm.OpI32x4LtS, s64: wasm.OpI64x2LtS}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntSGT), By: ShapeOps{s8: wasm.OpI8x16GtS, s16: wasm.OpI16x8GtS, s32: wasm.OpI32x4GtS, s64: wasm.OpI64x2GtS}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntSLE), By: ShapeOps{s8: wasm.OpI8x16LeS, s16: wasm.OpI16x8LeS, s32: wasm.OpI32x4LeS, s64: wasm.OpI64x2LeS}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntSGE), By: ShapeOps{s8: wasm.OpI8x16GeS, s16: wasm.OpI16x8GeS, s32: wasm.OpI32x4GeS, s64: wasm.OpI64x2GeS}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntULT), By: ShapeOps{s8: wasm.OpI8x16LtU, s16: wasm.OpI16x8LtU, s32: wasm.OpI32x4LtU}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntUGT), By: ShapeOps{s8: wasm.OpI8x16GtU, s16: wasm.OpI16x8GtU, s32: wasm.OpI32x4GtU}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntULE), By: ShapeOps{s8: wasm.OpI8x16LeU, s16: wasm.OpI16x8LeU, s32: wasm.OpI32x4LeU}},
	{Op: ssa.OpVicmp, CC: uint8(ssa.IntUGE), By: ShapeOps{s8: wasm.OpI8x16GeU, s16: wasm.OpI16x8GeU, s32: wasm.OpI32x4GeU}},
	{Op: ssa.OpVfcmp, CC: uint8(ssa.FloatEQ), By: ShapeOps{sf32: wasm.OpF32x4Eq, sf64: wasm.OpF64x2Eq}},
	{Op: ssa.OpVfcmp, CC: uint8(ssa.FloatNE), By: ShapeOps{sf32: wasm.OpF32x4Ne, sf64: wasm.OpF64x2Ne}},
	{Op: ssa.OpVfcmp, CC: uint8(ssa.FloatLT), By: ShapeOps{sf32: wasm.OpF32x4Lt, sf64: wasm.OpF64x2Lt}},
	{Op: ssa.OpVfcmp, CC: uint8(ssa.FloatGT), By: ShapeOps{sf32: wasm.OpF32x4Gt, sf64: wasm.OpF64x2Gt}},
	{Op: ssa.OpVfcmp, CC: uint8(ssa.FloatLE), By: ShapeOps{sf32: wasm.OpF32x4Le, sf64: wasm.OpF64x2Le}},
	{Op: ssa.OpVfcmp, CC: uint8(ssa.FloatGE), By: ShapeOps{sf32: wasm.OpF32x4Ge, sf64: wasm.OpF64x2Ge}},

	{Op: ssa.OpVfadd, By: ShapeOps{sf32: wasm.OpF32x4Add, sf64: wasm.OpF64x2Add}},
	{Op: ssa.OpVfsub, By: ShapeOps{sf32: wasm.OpF32x4Sub, sf64: wasm.OpF64x2Sub}},
	{Op: ssa.OpVfmul, By: ShapeOps{sf32: wasm.OpF32x4Mul, sf64: wasm.OpF64x2Mul}},
	{Op: ssa.OpVfdiv, By: ShapeOps{sf32: wasm.OpF32x4Div, sf64: wasm.OpF64x2Div}},
	{Op: ssa.OpVfmin, By: ShapeOps{sf32: wasm.OpF32x4Min, sf64: wasm.OpF64x2Min}},
	{Op: ssa.OpVfmax, By: ShapeOps{sf32: wasm.OpF32x4Max, sf64: wasm.OpF64x2Max}},
	{Op: ssa.OpVfminPseudo, By: ShapeOps{sf32: wasm.OpF32x4Pmin, sf64: wasm.OpF64x2Pmin}},
	{Op: ssa.OpVfmaxPseudo, By: ShapeOps{sf32: wasm.OpF32x4Pmax, sf64: wasm.OpF64x2Pmax}},
	{Op: ssa.OpVfneg, By: ShapeOps{sf32: wasm.OpF32x4Neg, sf64: wasm.OpF64x2Neg}},
	{Op: ssa.OpVfabs, By: ShapeOps{sf32: wasm.OpF32x4Abs, sf64: wasm.OpF64x2Abs}},
	{Op: ssa.OpVsqrt, By: ShapeOps{sf32: wasm.OpF32x4Sqrt, sf64: wasm.OpF64x2Sqrt}},
	{Op: ssa.OpVceil, By: ShapeOps{sf32: wasm.OpF32x4Ceil, sf64: wasm.OpF64x2Ceil}},
	{Op: ssa.OpVfloor, By: ShapeOps{sf32: wasm.OpF32x4Floor, sf64: wasm.OpF64x2Floor}},
	{Op: ssa.OpVtrunc, By: ShapeOps{sf32: wasm.OpF32x4Trunc, sf64: wasm.OpF64x2Trunc}},
	{Op: ssa.OpVnearest, By: ShapeOps{sf32: wasm.OpF32x4Nearest, sf64: wasm.OpF64x2Nearest}},

	{Op: ssa.OpSnarrow, By: ShapeOps{s8: wasm.OpI8x16NarrowI16x8S, s16: wasm.OpI16x8NarrowI32x4S}},
	{Op: ssa.OpUnarrow, By: ShapeOps{s8: wasm.OpI8x16NarrowI16x8U, s16: wasm.OpI16x8NarrowI32x4U}},
	{Op: ssa.OpSwidenLow, By: ShapeOps{s16: wasm.OpI16x8ExtendLowI8x16S, s32: wasm.OpI32x4ExtendLowI16x8S, s64: wasm.OpI64x2ExtendLowI32x4S}},
	{Op: ssa.OpSwidenHigh, By: ShapeOps{s16: wasm.OpI16x8ExtendHighI8x16S, s32: wasm.OpI32x4ExtendHighI16x8S, s64: wasm.OpI64x2ExtendHighI32x4S}},
	{Op: ssa.OpUwidenLow, By: ShapeOps{s16: wasm.OpI16x8ExtendLowI8x16U, s32: wasm.OpI32x4ExtendLowI16x8U, s64: wasm.OpI64x2ExtendLowI32x4U}},
	{Op: ssa.OpUwidenHigh, By: ShapeOps{s16: wasm.OpI16x8ExtendHighI8x16U, s32: wasm.OpI32x4ExtendHighI16x8U, s64: wasm.OpI64x2ExtendHighI32x4U}},
	{Op: ssa.OpSextaddPairw, By: ShapeOps{s16: wasm.OpI16x8ExtaddPairwiseI8x16S, s32: wasm.OpI32x4ExtaddPairwiseI16x8S}},
	{Op: ssa.OpUextaddPairw, By: ShapeOps{s16: wasm.OpI16x8ExtaddPairwiseI8x16U, s32: wasm.OpI32x4ExtaddPairwiseI16x8U}},
	{Op: ssa.OpSextmulLow, By: ShapeOps{s16: wasm.OpI16x8ExtmulLowI8x16S, s32: wasm.OpI32x4ExtmulLowI16x8S, s64: wasm.OpI64x2ExtmulLowI32x4S}},
	{Op: ssa.OpSextmulHigh, By: ShapeOps{s16: wasm.OpI16x8ExtmulHighI8x16S, s32: wasm.OpI32x4ExtmulHighI16x8S, s64: wasm.OpI64x2ExtmulHighI32x4S}},
	{Op: ssa.OpUextmulLow, By: ShapeOps{s16: wasm.OpI16x8ExtmulLowI8x16U, s32: wasm.OpI32x4ExtmulLowI16x8U, s64: wasm.OpI64x2ExtmulLowI32x4U}},
	{Op: ssa.OpUextmulHigh, By: ShapeOps{s16: wasm.OpI16x8ExtmulHighI8x16U, s32: wasm.OpI32x4ExtmulHighI16x8U, s64: wasm.OpI64x2ExtmulHighI32x4U}},
	{Op: ssa.OpSdot, By: ShapeOps{s32: wasm.OpI32x4DotI16x8S}},
	{Op: ssa.OpSqmulRoundSat, By: ShapeOps{s16: wasm.OpI16x8Q15mulrSatS}},

	{Op: ssa.OpVfcvtToSintSat, By: ShapeOps{s32: wasm.OpI32x4TruncSatF32x4S}},
	{Op: ssa.OpVfcvtToUintSat, By: ShapeOps{s32: wasm.OpI32x4TruncSatF32x4U}},
	{Op: ssa.OpVfcvtToSintSatZero, By: ShapeOps{s32: wasm.OpI32x4TruncSatF64x2SZero}},
	{Op: ssa.OpVfcvtToUintSatZero, By: ShapeOps{s32: wasm.OpI32x4TruncSatF64x2UZero}},
	{Op: ssa.OpVfcvtFromSint, By: ShapeOps{sf32: wasm.OpF32x4ConvertI32x4S, sf64: wasm.OpF64x2ConvertLowI32x4S}},
	{Op: ssa.OpVfcvtFromUint, By: ShapeOps{sf32: wasm.OpF32x4ConvertI32x4U, sf64: wasm.OpF64x2ConvertLowI32x4U}},
	{Op: ssa.OpVfdemote, By: ShapeOps{sf32: wasm.OpF32x4DemoteF64x2Zero}},
	{Op: ssa.OpVfpromote, By: ShapeOps{sf64: wasm.OpF64x2PromoteLowF32x4}},
}

// RelaxedRows are the relaxed SIMD instructions that map one to one onto a
// vector opcode (the frontend builds the others, madd, nmadd, min, max,
// the unsigned truncations and dot_add, from several; simd_relaxed.go).
var RelaxedRows = []Row{
	{Op: ssa.OpSwizzleRelaxed, By: ShapeOps{sNone: wasm.OpI8x16RelaxedSwizzle}},
	{Op: ssa.OpVfcvtToSintRelaxed, By: ShapeOps{s32: wasm.OpI32x4RelaxedTruncF32x4S}},
	{Op: ssa.OpVfcvtToSintRelaxedZero, By: ShapeOps{s32: wasm.OpI32x4RelaxedTruncF64x2SZero}},
	{Op: ssa.OpVlaneselect, By: ShapeOps{s8: wasm.OpI8x16RelaxedLaneselect, s16: wasm.OpI16x8RelaxedLaneselect, s32: wasm.OpI32x4RelaxedLaneselect, s64: wasm.OpI64x2RelaxedLaneselect}},
	{Op: ssa.OpVqmulRoundRelaxed, By: ShapeOps{s16: wasm.OpI16x8RelaxedQ15mulrS}},
	{Op: ssa.OpVdotI8I7, By: ShapeOps{s16: wasm.OpI16x8RelaxedDotI8x16I7x16S}},
}
