package ssa

import "strconv"

// Opcode selects what an instruction does. Integer operations work on I32
// and I64 with two's-complement wraparound; shift and rotate amounts are
// taken modulo the width; float operations are IEEE 754 with
// round-to-nearest-even. Every property the generic code needs (typing,
// immediates, effects) is in the table opTable below.
type Opcode uint16

const (
	OpInvalid Opcode = iota

	// Constants.
	OpIconst   // iconst.T imm: an integer constant
	OpF32const // f32const imm: a float32 constant (bits in Inst.Imm)
	OpF64const // f64const imm: a float64 constant (bits in Inst.Imm)

	// Integer arithmetic, (T, T) -> T.
	OpIadd
	OpIsub
	OpImul
	OpUdiv // unsigned division; undefined for a zero divisor (the frontend guards with trapz)
	OpSdiv // signed division; undefined for a zero divisor or MIN / -1 (guarded)
	OpUrem // unsigned remainder; undefined for a zero divisor (guarded)
	OpSrem // signed remainder; undefined for a zero divisor (guarded); MIN % -1 is 0
	OpBand
	OpBor
	OpBxor
	OpIshl
	OpUshr
	OpSshr
	OpRotl
	OpRotr

	// Integer unary, (T) -> T.
	OpBnot
	OpClz
	OpCtz
	OpPopcnt
	OpSextend8  // sign-extend the low 8 bits in place
	OpSextend16 // sign-extend the low 16 bits in place
	OpSextend32 // sign-extend the low 32 bits of an I64 in place

	OpIcmp   // icmp cc x, y -> I32 (0 or 1)
	OpSelect // select c, x, y: x if c != 0 else y (c is I32; x, y any type)

	// Float arithmetic, (T, T) -> T and (T) -> T. fmin/fmax follow
	// WebAssembly: NaN if either operand is NaN, and -0 < +0.
	OpFadd
	OpFsub
	OpFmul
	OpFdiv
	OpFmin
	OpFmax
	OpFcopysign
	OpFneg // flips the sign bit (NaNs included)
	OpFabs // clears the sign bit (NaNs included)
	OpSqrt
	OpCeil
	OpFloor
	OpTrunc
	OpNearest // round to nearest, ties to even
	OpFcmp    // fcmp cc x, y -> I32 (see FloatCC for NaN behaviour)

	// Conversions; the controlling type is the result type.
	OpUextend       // uextend.i64 x: zero-extend an I32
	OpSextend       // sextend.i64 x: sign-extend an I32
	OpIreduce       // ireduce.i32 x: low 32 bits of an I64
	OpFcvtToSint    // traps bad_toint on NaN and int_ovf when out of range
	OpFcvtToUint    // traps bad_toint on NaN and int_ovf when out of range
	OpFcvtToSintSat // saturates; NaN gives 0
	OpFcvtToUintSat // saturates; NaN gives 0
	OpFcvtFromSint  // int -> float, rounded to nearest even
	OpFcvtFromUint  // unsigned int -> float, rounded to nearest even
	OpFpromote      // fpromote.f64 x (F32 -> F64)
	OpFdemote       // fdemote.f32 x (F64 -> F32)
	OpBitcast       // bitcast.T x: reinterpret the bits (i32<->f32, i64<->f64)

	// Memory. The address is an I64 plus the signed immediate Inst.Offset.
	// A load or store without MemNoTrap may fault with heap_oob.
	OpLoad    // load.T: full width of T
	OpUload8  // uload8.T: zero-extend one byte into T (an integer type)
	OpSload8  // sload8.T
	OpUload16 // uload16.T
	OpSload16 // sload16.T
	OpUload32 // uload32.i64
	OpSload32 // sload32.i64
	OpStore   // store x, p: the full width of x
	OpIstore8 // istore8 x, p: the low byte of integer x
	OpIstore16
	OpIstore32 // istore32 x, p: the low 4 bytes of I64 x

	// Calls. call_indirect's first argument is the callee's address (I64).
	OpCall
	OpCallIndirect
	// try_call and try_call_indirect are calls inside an exception
	// handler's range: after one, the runtime may resume the function
	// with an exception caught (the front end tests for it after the
	// call), with every register overwritten. Imm is the handler's index
	// among the function's handlers (the front end's numbering).
	OpTryCall
	OpTryCallIndirect

	// Traps. trapz/trapnz trap when their integer argument is zero/non-zero.
	OpTrapz
	OpTrapnz

	// Terminators.
	OpJump    // jump block(args)
	OpBrif    // brif c, then(args), else(args): then when c != 0
	OpBrTable // br_table i, default(args), [t0(args), t1(args), ...]; i is I32, unsigned
	OpReturn  // return args (types of the function's results)
	OpTrap    // trap code: unconditional
	// Tail calls: the callee replaces the caller's frame and its results
	// are the caller's (the signature's results are the function's).
	OpReturnCall         // return_call sigN, fnM(args)
	OpReturnCallIndirect // return_call_indirect sigN, addr(args)

	// The vector (v128) opcodes follow, in opcodes_simd.go.
	numScalarOpcodes
)

// typeClass constrains the type of an argument or controlling type.
type typeClass uint8

const (
	tcNone  typeClass = iota
	tcAny             // any type
	tcInt             // I32 or I64
	tcFloat           // F32 or F64
	tcI32
	tcI64
	tcF32
	tcF64
	tcSame // the same type as the previous argument
	tcCtrl // the instruction's controlling type
	tcV128 // V128
	tcLane // the scalar type of the instruction's lane shape (see Shape.ScalarType)
)

func (c typeClass) admits(t Type) bool {
	switch c {
	case tcAny:
		return t != TypeInvalid
	case tcInt:
		return t.IsInt()
	case tcFloat:
		return t.IsFloat()
	case tcI32:
		return t == I32
	case tcI64:
		return t == I64
	case tcF32:
		return t == F32
	case tcF64:
		return t == F64
	case tcV128:
		return t == V128
	}
	return false
}

var typeClassNames = [...]string{tcNone: "nothing", tcAny: "any type", tcInt: "an integer type", tcFloat: "a float type",
	tcI32: "i32", tcI64: "i64", tcF32: "f32", tcF64: "f64", tcSame: "the previous argument's type", tcCtrl: "the controlling type",
	tcV128: "v128", tcLane: "the lane shape's scalar type"}

// resultRule says how an instruction's results are typed.
type resultRule uint8

const (
	resNone resultRule = iota
	resCtrl            // one result of the controlling type
	resSame            // one result of argument 0's type
	resArg1            // one result of argument 1's type (select)
	resI32             // one I32 result (comparisons)
	resSig             // the results of the call's signature
	resV128            // one V128 result
	resLane            // one result of the lane shape's scalar type (extractlane)
)

// immKind says which immediate fields of Inst an opcode uses.
type immKind uint8

const (
	immNone         immKind = iota
	immInt                  // Imm, an integer of the controlling type
	immF32                  // Imm, float32 bits
	immF64                  // Imm, float64 bits
	immIntCC                // IntCC
	immFloatCC              // FloatCC
	immMem                  // Offset, Flags
	immTrap                 // Trap
	immCall                 // Sig, Callee
	immCallIndirect         // Sig
	immJump                 // Targets[0]
	immBrif                 // Targets[0] (then), Targets[1] (else)
	immBrTable              // Targets[0] (default), Targets[1:] (table)
	immReturn               // arguments are the function's results
	immLane                 // Imm: lane index (bits 8..15) after the shape; see opcodes_simd.go
	immV128                 // Imm: index of a 128-bit constant in Func.Consts (vconst)
	immShuffle              // Imm: index in Func.Consts of the 16 byte selectors (shuffle)
)

// opFlags describe effects that passes must respect.
type opFlags uint8

const (
	flagTerminator  opFlags = 1 << iota
	flagSideEffect          // must run exactly where written: never removed, merged or moved
	flagTraps               // may trap: never removed or moved (merging with a dominating twin is fine)
	flagCanFault            // undefined on inputs the frontend guards against: may be removed or merged, never moved
	flagReadsMem            // result depends on memory (unless MemReadOnly)
	flagWritesMem           // changes memory
	flagCommutative         // args may be swapped
)

// opInfo is one row of the opcode table.
type opInfo struct {
	name   string
	ctrl   typeClass   // controlling type (printed as name.T); tcNone if none
	args   []typeClass // fixed arguments; calls and terminators add more per imm
	result resultRule
	imm    immKind
	flags  opFlags
	memLen uint8    // bytes accessed (0: width of the type)
	signed bool     // sign-extending load
	shapes shapeSet // vector opcodes: the lane shapes allowed (printed as name.shape)
}

var (
	argsNone   = []typeClass{}
	argsInt2   = []typeClass{tcInt, tcSame}
	argsInt1   = []typeClass{tcInt}
	argsFloat2 = []typeClass{tcFloat, tcSame}
	argsFloat1 = []typeClass{tcFloat}
	argsAddr   = []typeClass{tcI64}
)

var opTable = withVectorOps([numOpcodes]opInfo{
	OpInvalid: {name: "invalid"},

	OpIconst:   {name: "iconst", ctrl: tcInt, args: argsNone, result: resCtrl, imm: immInt},
	OpF32const: {name: "f32const", args: argsNone, result: resCtrl, imm: immF32},
	OpF64const: {name: "f64const", args: argsNone, result: resCtrl, imm: immF64},

	OpIadd: {name: "iadd", args: argsInt2, result: resSame, flags: flagCommutative},
	OpIsub: {name: "isub", args: argsInt2, result: resSame},
	OpImul: {name: "imul", args: argsInt2, result: resSame, flags: flagCommutative},
	OpUdiv: {name: "udiv", args: argsInt2, result: resSame, flags: flagCanFault},
	OpSdiv: {name: "sdiv", args: argsInt2, result: resSame, flags: flagCanFault},
	OpUrem: {name: "urem", args: argsInt2, result: resSame, flags: flagCanFault},
	OpSrem: {name: "srem", args: argsInt2, result: resSame, flags: flagCanFault},
	OpBand: {name: "band", args: argsInt2, result: resSame, flags: flagCommutative},
	OpBor:  {name: "bor", args: argsInt2, result: resSame, flags: flagCommutative},
	OpBxor: {name: "bxor", args: argsInt2, result: resSame, flags: flagCommutative},
	OpIshl: {name: "ishl", args: argsInt2, result: resSame},
	OpUshr: {name: "ushr", args: argsInt2, result: resSame},
	OpSshr: {name: "sshr", args: argsInt2, result: resSame},
	OpRotl: {name: "rotl", args: argsInt2, result: resSame},
	OpRotr: {name: "rotr", args: argsInt2, result: resSame},

	OpBnot:      {name: "bnot", args: argsInt1, result: resSame},
	OpClz:       {name: "clz", args: argsInt1, result: resSame},
	OpCtz:       {name: "ctz", args: argsInt1, result: resSame},
	OpPopcnt:    {name: "popcnt", args: argsInt1, result: resSame},
	OpSextend8:  {name: "sextend8", args: argsInt1, result: resSame},
	OpSextend16: {name: "sextend16", args: argsInt1, result: resSame},
	OpSextend32: {name: "sextend32", args: []typeClass{tcI64}, result: resSame},

	OpIcmp:   {name: "icmp", args: argsInt2, result: resI32, imm: immIntCC},
	OpSelect: {name: "select", args: []typeClass{tcI32, tcAny, tcSame}, result: resArg1},

	OpFadd:      {name: "fadd", args: argsFloat2, result: resSame},
	OpFsub:      {name: "fsub", args: argsFloat2, result: resSame},
	OpFmul:      {name: "fmul", args: argsFloat2, result: resSame},
	OpFdiv:      {name: "fdiv", args: argsFloat2, result: resSame},
	OpFmin:      {name: "fmin", args: argsFloat2, result: resSame},
	OpFmax:      {name: "fmax", args: argsFloat2, result: resSame},
	OpFcopysign: {name: "fcopysign", args: argsFloat2, result: resSame},
	OpFneg:      {name: "fneg", args: argsFloat1, result: resSame},
	OpFabs:      {name: "fabs", args: argsFloat1, result: resSame},
	OpSqrt:      {name: "sqrt", args: argsFloat1, result: resSame},
	OpCeil:      {name: "ceil", args: argsFloat1, result: resSame},
	OpFloor:     {name: "floor", args: argsFloat1, result: resSame},
	OpTrunc:     {name: "trunc", args: argsFloat1, result: resSame},
	OpNearest:   {name: "nearest", args: argsFloat1, result: resSame},
	OpFcmp:      {name: "fcmp", args: argsFloat2, result: resI32, imm: immFloatCC},

	OpUextend:       {name: "uextend", ctrl: tcI64, args: []typeClass{tcI32}, result: resCtrl},
	OpSextend:       {name: "sextend", ctrl: tcI64, args: []typeClass{tcI32}, result: resCtrl},
	OpIreduce:       {name: "ireduce", ctrl: tcI32, args: []typeClass{tcI64}, result: resCtrl},
	OpFcvtToSint:    {name: "fcvt_to_sint", ctrl: tcInt, args: argsFloat1, result: resCtrl, flags: flagTraps},
	OpFcvtToUint:    {name: "fcvt_to_uint", ctrl: tcInt, args: argsFloat1, result: resCtrl, flags: flagTraps},
	OpFcvtToSintSat: {name: "fcvt_to_sint_sat", ctrl: tcInt, args: argsFloat1, result: resCtrl},
	OpFcvtToUintSat: {name: "fcvt_to_uint_sat", ctrl: tcInt, args: argsFloat1, result: resCtrl},
	OpFcvtFromSint:  {name: "fcvt_from_sint", ctrl: tcFloat, args: argsInt1, result: resCtrl},
	OpFcvtFromUint:  {name: "fcvt_from_uint", ctrl: tcFloat, args: argsInt1, result: resCtrl},
	OpFpromote:      {name: "fpromote", ctrl: tcF64, args: []typeClass{tcF32}, result: resCtrl},
	OpFdemote:       {name: "fdemote", ctrl: tcF32, args: []typeClass{tcF64}, result: resCtrl},
	OpBitcast:       {name: "bitcast", ctrl: tcAny, args: []typeClass{tcAny}, result: resCtrl},

	OpLoad:     {name: "load", ctrl: tcAny, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem},
	OpUload8:   {name: "uload8", ctrl: tcInt, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem, memLen: 1},
	OpSload8:   {name: "sload8", ctrl: tcInt, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem, memLen: 1, signed: true},
	OpUload16:  {name: "uload16", ctrl: tcInt, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem, memLen: 2},
	OpSload16:  {name: "sload16", ctrl: tcInt, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem, memLen: 2, signed: true},
	OpUload32:  {name: "uload32", ctrl: tcI64, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem, memLen: 4},
	OpSload32:  {name: "sload32", ctrl: tcI64, args: argsAddr, result: resCtrl, imm: immMem, flags: flagTraps | flagReadsMem, memLen: 4, signed: true},
	OpStore:    {name: "store", args: []typeClass{tcAny, tcI64}, imm: immMem, flags: flagSideEffect | flagWritesMem},
	OpIstore8:  {name: "istore8", args: []typeClass{tcInt, tcI64}, imm: immMem, flags: flagSideEffect | flagWritesMem, memLen: 1},
	OpIstore16: {name: "istore16", args: []typeClass{tcInt, tcI64}, imm: immMem, flags: flagSideEffect | flagWritesMem, memLen: 2},
	OpIstore32: {name: "istore32", args: []typeClass{tcI64, tcI64}, imm: immMem, flags: flagSideEffect | flagWritesMem, memLen: 4},

	OpCall:            {name: "call", args: argsNone, result: resSig, imm: immCall, flags: flagSideEffect | flagReadsMem | flagWritesMem},
	OpCallIndirect:    {name: "call_indirect", args: argsAddr, result: resSig, imm: immCallIndirect, flags: flagSideEffect | flagReadsMem | flagWritesMem},
	OpTryCall:         {name: "try_call", args: argsNone, result: resSig, imm: immCall, flags: flagSideEffect | flagReadsMem | flagWritesMem},
	OpTryCallIndirect: {name: "try_call_indirect", args: argsAddr, result: resSig, imm: immCallIndirect, flags: flagSideEffect | flagReadsMem | flagWritesMem},

	OpTrapz:  {name: "trapz", args: argsInt1, imm: immTrap, flags: flagSideEffect},
	OpTrapnz: {name: "trapnz", args: argsInt1, imm: immTrap, flags: flagSideEffect},

	OpJump:    {name: "jump", args: argsNone, imm: immJump, flags: flagTerminator | flagSideEffect},
	OpBrif:    {name: "brif", args: argsInt1, imm: immBrif, flags: flagTerminator | flagSideEffect},
	OpBrTable: {name: "br_table", args: []typeClass{tcI32}, imm: immBrTable, flags: flagTerminator | flagSideEffect},
	OpReturn:  {name: "return", args: argsNone, imm: immReturn, flags: flagTerminator | flagSideEffect},
	OpTrap:    {name: "trap", args: argsNone, imm: immTrap, flags: flagTerminator | flagSideEffect},

	OpReturnCall:         {name: "return_call", args: argsNone, imm: immCall, flags: flagTerminator | flagSideEffect | flagReadsMem | flagWritesMem},
	OpReturnCallIndirect: {name: "return_call_indirect", args: argsAddr, imm: immCallIndirect, flags: flagTerminator | flagSideEffect | flagReadsMem | flagWritesMem},
})

var opByName = func() map[string]Opcode {
	m := make(map[string]Opcode, numOpcodes)
	for op := Opcode(1); op < numOpcodes; op++ {
		m[opTable[op].name] = op
	}
	return m
}()

// opFlagTable is opTable's flags alone: the passes test them for every
// instruction, and a byte per opcode stays in cache where opInfo rows do
// not.
var opFlagTable = func() (t [numOpcodes]opFlags) {
	for op := range t {
		t[op] = opTable[op].flags
	}
	return t
}()

// flags is op's row of opFlagTable.
func (op Opcode) flags() opFlags {
	if op < numOpcodes {
		return opFlagTable[op]
	}
	return 0
}

func (op Opcode) info() *opInfo {
	if op < numOpcodes {
		return &opTable[op]
	}
	return &opTable[OpInvalid]
}

func (op Opcode) String() string {
	if op > OpInvalid && op < numOpcodes {
		return opTable[op].name
	}
	return "op" + strconv.Itoa(int(op))
}

// IsTerminator reports whether op ends a block.
func (op Opcode) IsTerminator() bool { return op.flags()&flagTerminator != 0 }

// HasSideEffect reports whether op must run exactly where written
// (stores, calls, traps, terminators).
func (op Opcode) HasSideEffect() bool { return op.flags()&flagSideEffect != 0 }

// IsCommutative reports whether op's two arguments may be swapped.
func (op Opcode) IsCommutative() bool { return op.flags()&flagCommutative != 0 }

// IsLoad reports whether op reads memory at Args[0]+Offset.
func (op Opcode) IsLoad() bool { return op >= OpLoad && op <= OpSload32 }

// IsCall reports whether op calls a function and returns to its caller:
// call, call_indirect and their try_ forms.
func (op Opcode) IsCall() bool { return op >= OpCall && op <= OpTryCallIndirect }

// IsIndirectCall reports whether op's first argument is the callee's address.
func (op Opcode) IsIndirectCall() bool {
	return op == OpCallIndirect || op == OpTryCallIndirect || op == OpReturnCallIndirect
}

// IsTailCall reports whether op is return_call or return_call_indirect.
func (op Opcode) IsTailCall() bool { return op == OpReturnCall || op == OpReturnCallIndirect }

// IsStore reports whether op writes Args[0] to memory at Args[1]+Offset.
func (op Opcode) IsStore() bool { return op >= OpStore && op <= OpIstore32 }

// MemAccess describes the memory access of a load or store opcode given the
// type of the loaded value or stored value: bytes accessed and whether a
// load sign-extends. ok is false for other opcodes.
func (op Opcode) MemAccess(t Type) (bytes int, signed, ok bool) {
	if !op.IsLoad() && !op.IsStore() {
		return 0, false, false
	}
	in := op.info()
	if in.memLen == 0 {
		return t.Bits() / 8, false, true
	}
	return int(in.memLen), in.signed, true
}
