package simd

import "github.com/moat-run/moat/internal/wasm"

// Dispatch tables, indexed by the 0xFD sub-opcode (op & 0xff). An entry is
// nil when the sub-opcode does not have that table's shape.
var (
	// Unary holds every v128 -> v128 instruction.
	Unary [256]func(V128) V128
	// Binary holds every v128 v128 -> v128 instruction, comparisons included.
	Binary [256]func(a, b V128) V128
	// Test holds the v128 -> i32 reductions: any_true, all_true, bitmask.
	Test [256]func(V128) uint32
	// Shift holds shl/shr_s/shr_u; the count is taken modulo the lane width.
	Shift [256]func(V128, uint32) V128
	// Splat holds x.splat; the argument is the scalar's 64-bit stack word
	// (i32 and f32 in the low 32 bits).
	Splat [256]func(uint64) V128
)

// sub is an opcode's index in the tables.
func sub(op wasm.Opcode) byte { return byte(op) }

func init() {
	registerBitwise()
	registerInt8()
	registerInt16()
	registerInt32()
	registerInt64()
	registerFloat32()
	registerFloat64()
	registerConversions()
	registerLanes()
}
