package ssatest

import (
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// vectorRow maps WebAssembly instructions one to one onto a vector
// opcode: by[s] is the Wasm instruction that is op with lane shape s (by[0]
// for the opcodes without a shape), and cc the condition of a comparison.
// The same table is in internal/frontend (simd_ops.go), which maps Wasm to
// these opcodes; here it maps them back to the Wasm semantics of
// internal/interp/simd. The spec tests run the two against each other.
type vectorRow struct {
	op ssa.Opcode
	cc uint8 // IntCC for vicmp, FloatCC for vfcmp
	by shapeOps
}

type shapeOps [7]wasm.Opcode // indexed by ssa.Shape

const (
	sNone = ssa.ShapeNone
	s8    = ssa.I8x16
	s16   = ssa.I16x8
	s32   = ssa.I32x4
	s64   = ssa.I64x2
	sf32  = ssa.F32x4
	sf64  = ssa.F64x2
)

var vectorRows = []vectorRow{
	{op: ssa.OpSplat, by: shapeOps{s8: wasm.OpI8x16Splat, s16: wasm.OpI16x8Splat, s32: wasm.OpI32x4Splat, s64: wasm.OpI64x2Splat, sf32: wasm.OpF32x4Splat, sf64: wasm.OpF64x2Splat}},
	{op: ssa.OpExtractlane, by: shapeOps{s8: wasm.OpI8x16ExtractLaneU, s16: wasm.OpI16x8ExtractLaneU, s32: wasm.OpI32x4ExtractLane, s64: wasm.OpI64x2ExtractLane, sf32: wasm.OpF32x4ExtractLane, sf64: wasm.OpF64x2ExtractLane}},
	{op: ssa.OpSextractlane, by: shapeOps{s8: wasm.OpI8x16ExtractLaneS, s16: wasm.OpI16x8ExtractLaneS}},
	{op: ssa.OpInsertlane, by: shapeOps{s8: wasm.OpI8x16ReplaceLane, s16: wasm.OpI16x8ReplaceLane, s32: wasm.OpI32x4ReplaceLane, s64: wasm.OpI64x2ReplaceLane, sf32: wasm.OpF32x4ReplaceLane, sf64: wasm.OpF64x2ReplaceLane}},
	{op: ssa.OpShuffle, by: shapeOps{sNone: wasm.OpI8x16Shuffle}},
	{op: ssa.OpSwizzle, by: shapeOps{sNone: wasm.OpI8x16Swizzle}},

	{op: ssa.OpVbnot, by: shapeOps{sNone: wasm.OpV128Not}},
	{op: ssa.OpVband, by: shapeOps{sNone: wasm.OpV128And}},
	{op: ssa.OpVbor, by: shapeOps{sNone: wasm.OpV128Or}},
	{op: ssa.OpVbxor, by: shapeOps{sNone: wasm.OpV128Xor}},
	{op: ssa.OpVbandNot, by: shapeOps{sNone: wasm.OpV128Andnot}},
	{op: ssa.OpBitselect, by: shapeOps{sNone: wasm.OpV128Bitselect}},
	{op: ssa.OpVanyTrue, by: shapeOps{sNone: wasm.OpV128AnyTrue}},
	{op: ssa.OpVallTrue, by: shapeOps{s8: wasm.OpI8x16AllTrue, s16: wasm.OpI16x8AllTrue, s32: wasm.OpI32x4AllTrue, s64: wasm.OpI64x2AllTrue}},
	{op: ssa.OpVhighBits, by: shapeOps{s8: wasm.OpI8x16Bitmask, s16: wasm.OpI16x8Bitmask, s32: wasm.OpI32x4Bitmask, s64: wasm.OpI64x2Bitmask}},

	{op: ssa.OpViadd, by: shapeOps{s8: wasm.OpI8x16Add, s16: wasm.OpI16x8Add, s32: wasm.OpI32x4Add, s64: wasm.OpI64x2Add}},
	{op: ssa.OpVisub, by: shapeOps{s8: wasm.OpI8x16Sub, s16: wasm.OpI16x8Sub, s32: wasm.OpI32x4Sub, s64: wasm.OpI64x2Sub}},
	{op: ssa.OpVimul, by: shapeOps{s16: wasm.OpI16x8Mul, s32: wasm.OpI32x4Mul, s64: wasm.OpI64x2Mul}},
	{op: ssa.OpVineg, by: shapeOps{s8: wasm.OpI8x16Neg, s16: wasm.OpI16x8Neg, s32: wasm.OpI32x4Neg, s64: wasm.OpI64x2Neg}},
	{op: ssa.OpViabs, by: shapeOps{s8: wasm.OpI8x16Abs, s16: wasm.OpI16x8Abs, s32: wasm.OpI32x4Abs, s64: wasm.OpI64x2Abs}},
	{op: ssa.OpVpopcnt, by: shapeOps{s8: wasm.OpI8x16Popcnt}},
	{op: ssa.OpVsmin, by: shapeOps{s8: wasm.OpI8x16MinS, s16: wasm.OpI16x8MinS, s32: wasm.OpI32x4MinS}},
	{op: ssa.OpVumin, by: shapeOps{s8: wasm.OpI8x16MinU, s16: wasm.OpI16x8MinU, s32: wasm.OpI32x4MinU}},
	{op: ssa.OpVsmax, by: shapeOps{s8: wasm.OpI8x16MaxS, s16: wasm.OpI16x8MaxS, s32: wasm.OpI32x4MaxS}},
	{op: ssa.OpVumax, by: shapeOps{s8: wasm.OpI8x16MaxU, s16: wasm.OpI16x8MaxU, s32: wasm.OpI32x4MaxU}},
	{op: ssa.OpVavgRound, by: shapeOps{s8: wasm.OpI8x16AvgrU, s16: wasm.OpI16x8AvgrU}},
	{op: ssa.OpVsaddSat, by: shapeOps{s8: wasm.OpI8x16AddSatS, s16: wasm.OpI16x8AddSatS}},
	{op: ssa.OpVuaddSat, by: shapeOps{s8: wasm.OpI8x16AddSatU, s16: wasm.OpI16x8AddSatU}},
	{op: ssa.OpVssubSat, by: shapeOps{s8: wasm.OpI8x16SubSatS, s16: wasm.OpI16x8SubSatS}},
	{op: ssa.OpVusubSat, by: shapeOps{s8: wasm.OpI8x16SubSatU, s16: wasm.OpI16x8SubSatU}},
	{op: ssa.OpVishl, by: shapeOps{s8: wasm.OpI8x16Shl, s16: wasm.OpI16x8Shl, s32: wasm.OpI32x4Shl, s64: wasm.OpI64x2Shl}},
	{op: ssa.OpVushr, by: shapeOps{s8: wasm.OpI8x16ShrU, s16: wasm.OpI16x8ShrU, s32: wasm.OpI32x4ShrU, s64: wasm.OpI64x2ShrU}},
	{op: ssa.OpVsshr, by: shapeOps{s8: wasm.OpI8x16ShrS, s16: wasm.OpI16x8ShrS, s32: wasm.OpI32x4ShrS, s64: wasm.OpI64x2ShrS}},

	{op: ssa.OpVicmp, cc: uint8(ssa.IntEQ), by: shapeOps{s8: wasm.OpI8x16Eq, s16: wasm.OpI16x8Eq, s32: wasm.OpI32x4Eq, s64: wasm.OpI64x2Eq}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntNE), by: shapeOps{s8: wasm.OpI8x16Ne, s16: wasm.OpI16x8Ne, s32: wasm.OpI32x4Ne, s64: wasm.OpI64x2Ne}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntSLT), by: shapeOps{s8: wasm.OpI8x16LtS, s16: wasm.OpI16x8LtS, s32: wasm.OpI32x4LtS, s64: wasm.OpI64x2LtS}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntSGT), by: shapeOps{s8: wasm.OpI8x16GtS, s16: wasm.OpI16x8GtS, s32: wasm.OpI32x4GtS, s64: wasm.OpI64x2GtS}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntSLE), by: shapeOps{s8: wasm.OpI8x16LeS, s16: wasm.OpI16x8LeS, s32: wasm.OpI32x4LeS, s64: wasm.OpI64x2LeS}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntSGE), by: shapeOps{s8: wasm.OpI8x16GeS, s16: wasm.OpI16x8GeS, s32: wasm.OpI32x4GeS, s64: wasm.OpI64x2GeS}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntULT), by: shapeOps{s8: wasm.OpI8x16LtU, s16: wasm.OpI16x8LtU, s32: wasm.OpI32x4LtU}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntUGT), by: shapeOps{s8: wasm.OpI8x16GtU, s16: wasm.OpI16x8GtU, s32: wasm.OpI32x4GtU}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntULE), by: shapeOps{s8: wasm.OpI8x16LeU, s16: wasm.OpI16x8LeU, s32: wasm.OpI32x4LeU}},
	{op: ssa.OpVicmp, cc: uint8(ssa.IntUGE), by: shapeOps{s8: wasm.OpI8x16GeU, s16: wasm.OpI16x8GeU, s32: wasm.OpI32x4GeU}},
	{op: ssa.OpVfcmp, cc: uint8(ssa.FloatEQ), by: shapeOps{sf32: wasm.OpF32x4Eq, sf64: wasm.OpF64x2Eq}},
	{op: ssa.OpVfcmp, cc: uint8(ssa.FloatNE), by: shapeOps{sf32: wasm.OpF32x4Ne, sf64: wasm.OpF64x2Ne}},
	{op: ssa.OpVfcmp, cc: uint8(ssa.FloatLT), by: shapeOps{sf32: wasm.OpF32x4Lt, sf64: wasm.OpF64x2Lt}},
	{op: ssa.OpVfcmp, cc: uint8(ssa.FloatGT), by: shapeOps{sf32: wasm.OpF32x4Gt, sf64: wasm.OpF64x2Gt}},
	{op: ssa.OpVfcmp, cc: uint8(ssa.FloatLE), by: shapeOps{sf32: wasm.OpF32x4Le, sf64: wasm.OpF64x2Le}},
	{op: ssa.OpVfcmp, cc: uint8(ssa.FloatGE), by: shapeOps{sf32: wasm.OpF32x4Ge, sf64: wasm.OpF64x2Ge}},

	{op: ssa.OpVfadd, by: shapeOps{sf32: wasm.OpF32x4Add, sf64: wasm.OpF64x2Add}},
	{op: ssa.OpVfsub, by: shapeOps{sf32: wasm.OpF32x4Sub, sf64: wasm.OpF64x2Sub}},
	{op: ssa.OpVfmul, by: shapeOps{sf32: wasm.OpF32x4Mul, sf64: wasm.OpF64x2Mul}},
	{op: ssa.OpVfdiv, by: shapeOps{sf32: wasm.OpF32x4Div, sf64: wasm.OpF64x2Div}},
	{op: ssa.OpVfmin, by: shapeOps{sf32: wasm.OpF32x4Min, sf64: wasm.OpF64x2Min}},
	{op: ssa.OpVfmax, by: shapeOps{sf32: wasm.OpF32x4Max, sf64: wasm.OpF64x2Max}},
	{op: ssa.OpVfminPseudo, by: shapeOps{sf32: wasm.OpF32x4Pmin, sf64: wasm.OpF64x2Pmin}},
	{op: ssa.OpVfmaxPseudo, by: shapeOps{sf32: wasm.OpF32x4Pmax, sf64: wasm.OpF64x2Pmax}},
	{op: ssa.OpVfneg, by: shapeOps{sf32: wasm.OpF32x4Neg, sf64: wasm.OpF64x2Neg}},
	{op: ssa.OpVfabs, by: shapeOps{sf32: wasm.OpF32x4Abs, sf64: wasm.OpF64x2Abs}},
	{op: ssa.OpVsqrt, by: shapeOps{sf32: wasm.OpF32x4Sqrt, sf64: wasm.OpF64x2Sqrt}},
	{op: ssa.OpVceil, by: shapeOps{sf32: wasm.OpF32x4Ceil, sf64: wasm.OpF64x2Ceil}},
	{op: ssa.OpVfloor, by: shapeOps{sf32: wasm.OpF32x4Floor, sf64: wasm.OpF64x2Floor}},
	{op: ssa.OpVtrunc, by: shapeOps{sf32: wasm.OpF32x4Trunc, sf64: wasm.OpF64x2Trunc}},
	{op: ssa.OpVnearest, by: shapeOps{sf32: wasm.OpF32x4Nearest, sf64: wasm.OpF64x2Nearest}},

	{op: ssa.OpSnarrow, by: shapeOps{s8: wasm.OpI8x16NarrowI16x8S, s16: wasm.OpI16x8NarrowI32x4S}},
	{op: ssa.OpUnarrow, by: shapeOps{s8: wasm.OpI8x16NarrowI16x8U, s16: wasm.OpI16x8NarrowI32x4U}},
	{op: ssa.OpSwidenLow, by: shapeOps{s16: wasm.OpI16x8ExtendLowI8x16S, s32: wasm.OpI32x4ExtendLowI16x8S, s64: wasm.OpI64x2ExtendLowI32x4S}},
	{op: ssa.OpSwidenHigh, by: shapeOps{s16: wasm.OpI16x8ExtendHighI8x16S, s32: wasm.OpI32x4ExtendHighI16x8S, s64: wasm.OpI64x2ExtendHighI32x4S}},
	{op: ssa.OpUwidenLow, by: shapeOps{s16: wasm.OpI16x8ExtendLowI8x16U, s32: wasm.OpI32x4ExtendLowI16x8U, s64: wasm.OpI64x2ExtendLowI32x4U}},
	{op: ssa.OpUwidenHigh, by: shapeOps{s16: wasm.OpI16x8ExtendHighI8x16U, s32: wasm.OpI32x4ExtendHighI16x8U, s64: wasm.OpI64x2ExtendHighI32x4U}},
	{op: ssa.OpSextaddPairw, by: shapeOps{s16: wasm.OpI16x8ExtaddPairwiseI8x16S, s32: wasm.OpI32x4ExtaddPairwiseI16x8S}},
	{op: ssa.OpUextaddPairw, by: shapeOps{s16: wasm.OpI16x8ExtaddPairwiseI8x16U, s32: wasm.OpI32x4ExtaddPairwiseI16x8U}},
	{op: ssa.OpSextmulLow, by: shapeOps{s16: wasm.OpI16x8ExtmulLowI8x16S, s32: wasm.OpI32x4ExtmulLowI16x8S, s64: wasm.OpI64x2ExtmulLowI32x4S}},
	{op: ssa.OpSextmulHigh, by: shapeOps{s16: wasm.OpI16x8ExtmulHighI8x16S, s32: wasm.OpI32x4ExtmulHighI16x8S, s64: wasm.OpI64x2ExtmulHighI32x4S}},
	{op: ssa.OpUextmulLow, by: shapeOps{s16: wasm.OpI16x8ExtmulLowI8x16U, s32: wasm.OpI32x4ExtmulLowI16x8U, s64: wasm.OpI64x2ExtmulLowI32x4U}},
	{op: ssa.OpUextmulHigh, by: shapeOps{s16: wasm.OpI16x8ExtmulHighI8x16U, s32: wasm.OpI32x4ExtmulHighI16x8U, s64: wasm.OpI64x2ExtmulHighI32x4U}},
	{op: ssa.OpSdot, by: shapeOps{s32: wasm.OpI32x4DotI16x8S}},
	{op: ssa.OpSqmulRoundSat, by: shapeOps{s16: wasm.OpI16x8Q15mulrSatS}},

	{op: ssa.OpVfcvtToSintSat, by: shapeOps{s32: wasm.OpI32x4TruncSatF32x4S}},
	{op: ssa.OpVfcvtToUintSat, by: shapeOps{s32: wasm.OpI32x4TruncSatF32x4U}},
	{op: ssa.OpVfcvtToSintSatZero, by: shapeOps{s32: wasm.OpI32x4TruncSatF64x2SZero}},
	{op: ssa.OpVfcvtToUintSatZero, by: shapeOps{s32: wasm.OpI32x4TruncSatF64x2UZero}},
	{op: ssa.OpVfcvtFromSint, by: shapeOps{sf32: wasm.OpF32x4ConvertI32x4S, sf64: wasm.OpF64x2ConvertLowI32x4S}},
	{op: ssa.OpVfcvtFromUint, by: shapeOps{sf32: wasm.OpF32x4ConvertI32x4U, sf64: wasm.OpF64x2ConvertLowI32x4U}},
	{op: ssa.OpVfdemote, by: shapeOps{sf32: wasm.OpF32x4DemoteF64x2Zero}},
	{op: ssa.OpVfpromote, by: shapeOps{sf64: wasm.OpF64x2PromoteLowF32x4}},
}
