package wat

import (
	"fmt"
	"strconv"

	"github.com/moat-run/moat/internal/wasm"
)

// instr prints one instruction in flat form, without indentation or newline.
func (p *printer) instr(in *wasm.Instr) {
	info := in.Op.Info()
	if info == nil {
		p.printf("(;unknown opcode 0x%x;)", uint16(in.Op))
		return
	}
	w := p.w
	if in.Op == wasm.OpSelectT {
		w.WriteString("select (result")
		p.types(in.Types)
		w.WriteByte(')')
		return
	}
	name := info.Name
	switch in.Op {
	case wasm.OpRefTestNull:
		name = "ref.test"
	case wasm.OpRefCastNull:
		name = "ref.cast"
	}
	w.WriteString(name)
	switch info.Imm {
	case wasm.ImmNone:
	case wasm.ImmBlockType:
		p.blockType(in.Block)
	case wasm.ImmTryTable:
		p.blockType(in.Block)
		for _, c := range in.Catches {
			if c.Kind.HasTag() {
				p.printf(" (%s %d %d)", c.Kind, c.Tag, c.Label)
			} else {
				p.printf(" (%s %d)", c.Kind, c.Label)
			}
		}
	case wasm.ImmLabel, wasm.ImmFunc, wasm.ImmLocal, wasm.ImmGlobal, wasm.ImmTable,
		wasm.ImmData, wasm.ImmElem, wasm.ImmMemory, wasm.ImmTypeIndex, wasm.ImmTag:
		p.printf(" %d", in.X)
	case wasm.ImmMemInit:
		p.printf(" %d %d", in.Y, in.X) // memory, then data segment
	case wasm.ImmMemCopy, wasm.ImmIndexPair:
		p.printf(" %d %d", in.X, in.Y)
	case wasm.ImmBrOnCast:
		p.printf(" %d", in.X)
		for _, t := range in.Types {
			w.WriteString(" " + valType(t))
		}
	case wasm.ImmBrTable:
		for _, t := range in.Targets {
			p.printf(" %d", t)
		}
	case wasm.ImmCallIndirect:
		p.printf(" %d (type %d)", in.Y, in.X) // table, then type
	case wasm.ImmTableInit:
		p.printf(" %d %d", in.Y, in.X) // table, then element segment
	case wasm.ImmTableCopy:
		p.printf(" %d %d", in.X, in.Y)
	case wasm.ImmMemArg:
		p.memArg(in)
	case wasm.ImmMemArgLane:
		p.memArg(in)
		p.printf(" %d", in.Y)
	case wasm.ImmLane:
		p.printf(" %d", in.Y)
	case wasm.ImmI32:
		w.WriteString(" " + strconv.FormatInt(int64(int32(uint32(in.Imm))), 10))
	case wasm.ImmI64:
		w.WriteString(" " + strconv.FormatInt(int64(in.Imm), 10))
	case wasm.ImmF32:
		w.WriteString(" " + formatF32(uint32(in.Imm)))
	case wasm.ImmF64:
		w.WriteString(" " + formatF64(in.Imm))
	case wasm.ImmV128:
		p.printf(" i32x4 0x%08x 0x%08x 0x%08x 0x%08x",
			uint32(in.Imm), uint32(in.Imm>>32), uint32(in.Hi), uint32(in.Hi>>32))
	case wasm.ImmShuffle:
		for i := range 16 {
			word := in.Imm
			if i >= 8 {
				word = in.Hi
			}
			p.printf(" %d", byte(word>>(8*(i%8))))
		}
	case wasm.ImmHeapType:
		if in.Op == wasm.OpRefNull {
			w.WriteString(" " + in.Type.Heap().String())
		} else {
			w.WriteString(" " + valType(in.Type))
		}
	default:
		p.printf(" (;unknown immediate kind %d;)", info.Imm)
	}
}

// blockType prints a block's type: nothing, (result t) or (type x).
func (p *printer) blockType(bt wasm.BlockType) {
	switch bt.Kind {
	case wasm.BlockValue:
		p.w.WriteString(" (result " + valType(bt.Type) + ")")
	case wasm.BlockTypeIndex:
		p.printf(" (type %d)", bt.Index)
	}
}

// memArg prints the memory index when it is not 0, then offset= and align=
// (in bytes) when they are not the defaults, which the text format leaves
// out.
func (p *printer) memArg(in *wasm.Instr) {
	if in.Mem != 0 {
		p.printf(" %d", in.Mem)
	}
	if in.Imm != 0 {
		p.printf(" offset=%d", in.Imm)
	}
	if in.X == in.Op.NaturalAlign() {
		return
	}
	if in.X >= 32 {
		// The text format's align is a u32 (in bytes); an invalid module
		// may ask for more. Print the exponent so the text says what it
		// is, and report that it cannot be read back.
		p.printf(" align=2**%d", in.X)
		p.fail(fmt.Errorf("alignment 2**%d at offset %d cannot be written in the text format", in.X, in.Offset))
		return
	}
	p.printf(" align=%d", uint64(1)<<in.X)
}
