package binary

import (
	"encoding/binary"

	"github.com/moat-run/moat/internal/wasm"
)

// AppendInstr appends the canonical binary encoding of in to b: the opcode
// (prefix byte plus LEB128 sub-opcode for the 0xFC and 0xFD families) and
// its immediates as in.Op's ImmKind describes them, so that ExprReader reads
// the bytes back as an identical Instr. Offset is ignored. An unknown opcode
// is written as its opcode bytes alone.
func AppendInstr(b []byte, in *wasm.Instr) []byte {
	op := in.Op
	if op > 0xff {
		b = append(b, byte(op>>8))
		b = appendULEB32(b, uint32(op&0xff))
	} else {
		b = append(b, byte(op))
	}
	info := op.Info()
	if info == nil {
		return b
	}
	switch info.Imm {
	case wasm.ImmBlockType:
		b = appendBlockType(b, in.Block)
	case wasm.ImmLabel, wasm.ImmFunc, wasm.ImmLocal, wasm.ImmGlobal, wasm.ImmTable,
		wasm.ImmData, wasm.ImmElem:
		b = appendULEB32(b, in.X)
	case wasm.ImmBrTable:
		// Targets holds the labels with the default last; the count
		// excludes the default.
		n := len(in.Targets)
		if n == 0 {
			return appendULEB32(append(b, 0), 0)
		}
		b = appendULEB32(b, uint32(n-1))
		for _, t := range in.Targets {
			b = appendULEB32(b, t)
		}
	case wasm.ImmCallIndirect, wasm.ImmTableInit, wasm.ImmTableCopy:
		b = appendULEB32(appendULEB32(b, in.X), in.Y)
	case wasm.ImmMemArg:
		b = appendULEB32(appendULEB32(b, in.X), uint32(in.Imm))
	case wasm.ImmMemArgLane:
		b = appendULEB32(appendULEB32(b, in.X), uint32(in.Imm))
		b = append(b, byte(in.Y))
	case wasm.ImmMemZero:
		b = append(b, 0)
	case wasm.ImmMemInit:
		b = append(appendULEB32(b, in.X), 0)
	case wasm.ImmMemCopy:
		b = append(b, 0, 0)
	case wasm.ImmI32:
		b = appendSLEB64(b, int64(int32(uint32(in.Imm))))
	case wasm.ImmI64:
		b = appendSLEB64(b, int64(in.Imm))
	case wasm.ImmF32:
		b = binary.LittleEndian.AppendUint32(b, uint32(in.Imm))
	case wasm.ImmF64:
		b = binary.LittleEndian.AppendUint64(b, in.Imm)
	case wasm.ImmV128, wasm.ImmShuffle:
		b = binary.LittleEndian.AppendUint64(b, in.Imm)
		b = binary.LittleEndian.AppendUint64(b, in.Hi)
	case wasm.ImmLane:
		b = append(b, byte(in.Y))
	case wasm.ImmRefType:
		b = append(b, byte(in.Type))
	case wasm.ImmSelectT:
		b = appendULEB32(b, uint32(len(in.Types)))
		for _, t := range in.Types {
			b = append(b, byte(t))
		}
	}
	return b
}

// appendBlockType writes a block type: 0x40, a value type byte, or a type
// index as a signed 33-bit LEB128 (always non-negative).
func appendBlockType(b []byte, bt wasm.BlockType) []byte {
	switch bt.Kind {
	case wasm.BlockEmpty:
		return append(b, 0x40)
	case wasm.BlockValue:
		return append(b, byte(bt.Type))
	}
	return appendSLEB64(b, int64(bt.Index))
}
