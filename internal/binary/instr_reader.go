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
	catches []wasm.CatchClause
	// off holds the features turned off: their opcodes are illegal and
	// their immediates read as before them (see DecodeFeatures).
	off wasm.Features
}

// NewExprReader reads code, whose first byte lies at baseOffset in the
// module binary.
func NewExprReader(code []byte, baseOffset int) *ExprReader {
	e := &ExprReader{}
	e.Reset(code, baseOffset)
	return e
}

// DisableFeatures makes the reader read as if the features in off did not
// exist (see DecodeFeatures); it applies from the next Reset.
func (e *ExprReader) DisableFeatures(off wasm.Features) { e.off = off }

// Reset makes the reader start over on new code, keeping its buffers.
func (e *ExprReader) Reset(code []byte, baseOffset int) {
	e.r = reader{buf: code, base: baseOffset, eof: msgSectionEnd, off: e.off}
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
	if c == 0xFB || c == 0xFC || c == 0xFD {
		sub, err := r.u32()
		if err != nil {
			return err
		}
		var ok bool
		if op, ok = wasm.PrefixedOpcode(c, sub); !ok {
			return errAt(at, "illegal opcode 0x%02x 0x%x", c, sub)
		}
	}
	info := op.Info()
	if info == nil || e.off&info.Feature != 0 {
		if op.Prefix() != 0 {
			return errAt(at, "illegal opcode 0x%02x 0x%x", op.Prefix(), op.Sub())
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
	case wasm.ImmMemory, wasm.ImmMemInit, wasm.ImmMemCopy:
		err = e.memoryIndices(in, kind)
	case wasm.ImmLabel, wasm.ImmFunc, wasm.ImmLocal, wasm.ImmGlobal, wasm.ImmTable,
		wasm.ImmData, wasm.ImmElem, wasm.ImmTypeIndex, wasm.ImmTag:
		in.X, err = r.u32()
	case wasm.ImmBrTable:
		err = e.brTable(in)
	case wasm.ImmCallIndirect, wasm.ImmTableInit, wasm.ImmTableCopy, wasm.ImmIndexPair:
		if in.X, err = r.u32(); err == nil {
			in.Y, err = r.u32()
		}
	case wasm.ImmMemArg:
		err = e.memArg(in)
	case wasm.ImmMemArgLane:
		if err = e.memArg(in); err == nil {
			err = e.lane(in)
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
	case wasm.ImmHeapType:
		var h wasm.HeapType
		if h, err = r.heapType(); err == nil {
			// ref.null and the _null forms of ref.test and ref.cast take
			// nullable types.
			nullable := in.Op == wasm.OpRefNull || in.Op == wasm.OpRefTestNull || in.Op == wasm.OpRefCastNull
			in.Type = wasm.RefType(nullable, h)
		}
	case wasm.ImmSelectT:
		err = e.selectTypes(in)
	case wasm.ImmTryTable:
		if in.Block, err = e.blockType(); err == nil {
			err = e.catchClauses(in)
		}
	case wasm.ImmBrOnCast:
		err = e.brOnCast(in)
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
	if isNumOrVecType(c) {
		r.pos++
		return wasm.BlockType{Kind: wasm.BlockValue, Type: wasm.ValType(c)}, nil
	}
	if _, ok := wasm.AbstractHeapType(c); ok || c == 0x63 || c == 0x64 {
		t, err := r.valType()
		return wasm.BlockType{Kind: wasm.BlockValue, Type: t}, err
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

// memArg reads a memarg: alignment flags (bit 6: a memory index follows),
// the memory index and a u64 offset.
func (e *ExprReader) memArg(in *wasm.Instr) error {
	r := &e.r
	at := r.offset()
	flags, err := r.u32()
	if err != nil {
		return err
	}
	multi := e.off&wasm.FeatureMultiMemory == 0
	switch {
	case !multi:
		// Before multi-memory the flags are the alignment exponent alone.
		in.X = flags
	case flags >= 0x80:
		return errAt(at, "malformed memop flags 0x%x", flags)
	default:
		in.X = flags & 0x3f
		if flags&0x40 != 0 {
			if in.Mem, err = r.u32(); err != nil {
				return err
			}
		}
	}
	if e.off&wasm.FeatureMemory64 != 0 {
		off, err := r.u32()
		in.Imm = uint64(off)
		return err
	}
	in.Imm, err = r.u64()
	return err
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

// catchClauses reads try_table's vector of catch clauses.
func (e *ExprReader) catchClauses(in *wasm.Instr) error {
	r := &e.r
	n, err := r.count()
	if err != nil {
		return err
	}
	cs := e.catches[:0]
	for range n {
		at := r.offset()
		k, err := r.byte()
		if err != nil {
			return err
		}
		if k > byte(wasm.CatchAllRef) {
			return errAt(at, "malformed catch clause 0x%02x", k)
		}
		c := wasm.CatchClause{Kind: wasm.CatchKind(k)}
		if c.Kind.HasTag() {
			if c.Tag, err = r.u32(); err != nil {
				return err
			}
		}
		if c.Label, err = r.u32(); err != nil {
			return err
		}
		cs = append(cs, c)
	}
	e.catches = cs
	in.Catches = cs
	return nil
}

// brOnCast reads br_on_cast's flags (bit 0: the source type is nullable,
// bit 1: the target type is), label and two heap types, into X and Types.
func (e *ExprReader) brOnCast(in *wasm.Instr) error {
	r := &e.r
	at := r.offset()
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if flags&^3 != 0 {
		return errAt(at, "malformed br_on_cast flags 0x%02x", flags)
	}
	if in.X, err = r.u32(); err != nil {
		return err
	}
	h1, err := r.heapType()
	if err != nil {
		return err
	}
	h2, err := r.heapType()
	if err != nil {
		return err
	}
	e.types = append(e.types[:0], wasm.RefType(flags&1 != 0, h1), wasm.RefType(flags&2 != 0, h2))
	in.Types = e.types
	return nil
}

// memoryIndices reads the memory index immediates of memory.size,
// memory.grow and memory.fill (X), memory.init (data segment X, memory Y)
// and memory.copy (X, Y). Before multi-memory each was a zero byte.
func (e *ExprReader) memoryIndices(in *wasm.Instr, kind wasm.ImmKind) error {
	r := &e.r
	index := r.u32
	if e.off&wasm.FeatureMultiMemory != 0 {
		index = func() (uint32, error) { return 0, r.zero() }
	}
	var err error
	switch kind {
	case wasm.ImmMemory:
		in.X, err = index()
	case wasm.ImmMemInit:
		if in.X, err = r.u32(); err == nil {
			in.Y, err = index()
		}
	case wasm.ImmMemCopy:
		if in.X, err = index(); err == nil {
			in.Y, err = index()
		}
	}
	return err
}
