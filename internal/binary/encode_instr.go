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
	if p := op.Prefix(); p != 0 {
		b = append(b, p)
		b = appendULEB32(b, op.Sub())
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
		wasm.ImmData, wasm.ImmElem, wasm.ImmMemory, wasm.ImmTypeIndex, wasm.ImmTag:
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
	case wasm.ImmCallIndirect, wasm.ImmTableInit, wasm.ImmTableCopy, wasm.ImmMemInit,
		wasm.ImmMemCopy, wasm.ImmIndexPair:
		b = appendULEB32(appendULEB32(b, in.X), in.Y)
	case wasm.ImmMemArg:
		b = appendMemArg(b, in)
	case wasm.ImmMemArgLane:
		b = append(appendMemArg(b, in), byte(in.Y))
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
	case wasm.ImmHeapType:
		b = appendHeapType(b, in.Type.Heap())
	case wasm.ImmSelectT:
		b = appendValTypes(b, in.Types)
	case wasm.ImmTryTable:
		b = appendBlockType(b, in.Block)
		b = appendULEB32(b, uint32(len(in.Catches)))
		for _, c := range in.Catches {
			b = append(b, byte(c.Kind))
			if c.Kind.HasTag() {
				b = appendULEB32(b, c.Tag)
			}
			b = appendULEB32(b, c.Label)
		}
	case wasm.ImmBrOnCast:
		var flags byte
		var t1, t2 wasm.ValType
		if len(in.Types) == 2 {
			t1, t2 = in.Types[0], in.Types[1]
		}
		if t1.Nullable() {
			flags |= 1
		}
		if t2.Nullable() {
			flags |= 2
		}
		b = appendULEB32(append(b, flags), in.X)
		b = appendHeapType(appendHeapType(b, t1.Heap()), t2.Heap())
	}
	return b
}

// appendMemArg writes the alignment flags (with bit 6 and the memory
// index for memories other than 0) and the offset.
func appendMemArg(b []byte, in *wasm.Instr) []byte {
	if in.Mem == 0 {
		b = appendULEB32(b, in.X)
	} else {
		b = appendULEB32(appendULEB32(b, in.X|0x40), in.Mem)
	}
	return appendULEB64(b, in.Imm)
}

// appendBlockType writes a block type: 0x40, a value type byte, or a type
// index as a signed 33-bit LEB128 (always non-negative).
func appendBlockType(b []byte, bt wasm.BlockType) []byte {
	switch bt.Kind {
	case wasm.BlockEmpty:
		return append(b, 0x40)
	case wasm.BlockValue:
		return appendValType(b, bt.Type)
	}
	return appendSLEB64(b, int64(bt.Index))
}
