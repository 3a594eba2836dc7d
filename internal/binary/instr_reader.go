package binary

import (
	"encoding/binary"
	"io"

	"github.com/moat-run/moat/internal/wasm"
)

// ExprReader reads instructions from a function body or constant expression.
// It checks that every instruction is well-formed (known opcode, exact
// immediates) but not that the sequence is valid or properly nested: that is
// the validator's job (and Decode's skim, for nesting).
//
// The Targets and Types slices of an Instr alias buffers owned by the
// reader and stay valid only until the next call to Next, so reading
// allocates nothing once those buffers have grown.
type ExprReader struct {
	r       reader
	targets []uint32
	types   []wasm.ValType
}

// NewExprReader reads code, whose first byte lies at baseOffset in the
// module binary.
func NewExprReader(code []byte, baseOffset int) *ExprReader {
	e := &ExprReader{}
	e.Reset(code, baseOffset)
	return e
}

// Reset makes the reader start over on new code, keeping its buffers.
func (e *ExprReader) Reset(code []byte, baseOffset int) {
	e.r = reader{buf: code, base: baseOffset, eof: msgSectionEnd}
}

// Offset is the module offset of the next byte to read.
func (e *ExprReader) Offset() int { return e.r.offset() }

// Next decodes one instruction into *in. It returns io.EOF when no bytes are
// left, and a *wasm.Error of Kind Malformed when the bytes are not an
// instruction.
func (e *ExprReader) Next(in *wasm.Instr) error {
	r := &e.r
	if r.atEnd() {
		return io.EOF
	}
	at := r.offset()
	*in = wasm.Instr{Offset: at}
	c := r.buf[r.pos]
	r.pos++
	op := wasm.Opcode(c)
	if c == 0xFC || c == 0xFD {
		sub, err := r.u32()
		if err != nil {
			return err
		}
		if sub > 0xFF {
			return errAt(at, "illegal opcode 0x%02x 0x%x", c, sub)
		}
		op = wasm.Opcode(c)<<8 | wasm.Opcode(sub)
	}
	info := op.Info()
	if info == nil {
		if op > 0xFF {
			return errAt(at, "illegal opcode 0x%02x 0x%x", op>>8, op&0xFF)
		}
		return errAt(at, "illegal opcode 0x%02x", c)
	}
	in.Op = op
	return e.immediates(in, info.Imm)
}

func (e *ExprReader) immediates(in *wasm.Instr, kind wasm.ImmKind) error {
	r := &e.r
	var err error
	switch kind {
	case wasm.ImmNone:
	case wasm.ImmBlockType:
		in.Block, err = e.blockType()
	case wasm.ImmLabel, wasm.ImmFunc, wasm.ImmLocal, wasm.ImmGlobal, wasm.ImmTable,
		wasm.ImmData, wasm.ImmElem:
		in.X, err = r.u32()
	case wasm.ImmBrTable:
		err = e.brTable(in)
	case wasm.ImmCallIndirect, wasm.ImmTableInit, wasm.ImmTableCopy:
		if in.X, err = r.u32(); err == nil {
			in.Y, err = r.u32()
		}
	case wasm.ImmMemArg:
		err = e.memArg(in)
	case wasm.ImmMemArgLane:
		if err = e.memArg(in); err == nil {
			err = e.lane(in)
		}
	case wasm.ImmMemZero:
		err = r.zero()
	case wasm.ImmMemInit:
		if in.X, err = r.u32(); err == nil {
			err = r.zero()
		}
	case wasm.ImmMemCopy:
		if err = r.zero(); err == nil {
			err = r.zero()
		}
	case wasm.ImmI32:
		var v int64
		v, err = r.signed(32)
		in.Imm = uint64(uint32(int32(v)))
	case wasm.ImmI64:
		var v int64
		v, err = r.signed(64)
		in.Imm = uint64(v)
	case wasm.ImmF32:
		var b []byte
		if b, err = r.fixed(4); err == nil {
			in.Imm = uint64(binary.LittleEndian.Uint32(b))
		}
	case wasm.ImmF64:
		in.Imm, err = r.u64le()
	case wasm.ImmV128, wasm.ImmShuffle:
		if in.Imm, err = r.u64le(); err == nil {
			in.Hi, err = r.u64le()
		}
	case wasm.ImmLane:
		err = e.lane(in)
	case wasm.ImmRefType:
		in.Type, err = r.refType()
	case wasm.ImmSelectT:
		err = e.selectTypes(in)
	default:
		err = errAt(in.Offset, "opcode %s has an unknown immediate kind %d", in.Op, kind)
	}
	return err
}

func (e *ExprReader) blockType() (wasm.BlockType, error) {
	r := &e.r
	if r.atEnd() {
		return wasm.BlockType{}, r.errHere(msgUnexpectedEnd)
	}
	c := r.buf[r.pos]
	if c == 0x40 {
		r.pos++
		return wasm.BlockType{Kind: wasm.BlockEmpty}, nil
	}
	if isValType(c) {
		r.pos++
		return wasm.BlockType{Kind: wasm.BlockValue, Type: wasm.ValType(c)}, nil
	}
	at := r.offset()
	v, err := r.signed(33)
	if err != nil {
		return wasm.BlockType{}, err
	}
	if v < 0 {
		return wasm.BlockType{}, errAt(at, "malformed block type")
	}
	return wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: uint32(v)}, nil
}

func (e *ExprReader) brTable(in *wasm.Instr) error {
	r := &e.r
	// Each label takes at least one byte, and the default follows the list.
	n, err := r.count()
	if err != nil {
		return err
	}
	t := e.targets[:0]
	for i := 0; i <= n; i++ {
		x, err := r.u32()
		if err != nil {
			return err
		}
		t = append(t, x)
	}
	e.targets = t
	in.Targets = t
	return nil
}

func (e *ExprReader) memArg(in *wasm.Instr) error {
	r := &e.r
	align, err := r.u32()
	if err != nil {
		return err
	}
	off, err := r.u32()
	if err != nil {
		return err
	}
	in.X = align
	in.Imm = uint64(off)
	return nil
}

func (e *ExprReader) lane(in *wasm.Instr) error {
	c, err := e.r.byte()
	in.Y = uint32(c)
	return err
}

func (e *ExprReader) selectTypes(in *wasm.Instr) error {
	r := &e.r
	n, err := r.count()
	if err != nil {
		return err
	}
	ts := e.types[:0]
	for i := 0; i < n; i++ {
		t, err := r.valType()
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	e.types = ts
	in.Types = ts
	return nil
}
