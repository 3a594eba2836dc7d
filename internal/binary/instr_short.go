package binary

import "github.com/moat-run/moat/internal/wasm"

// The commonest instructions of function bodies: local.get, local.set,
// local.tee, global.get, global.set, the integer constants, and the
// numeric, load and store instructions of WebAssembly 2.0 (a load or store
// of memory 0, its alignment in one byte). They are nearly nine in ten of
// a Go test binary's instructions, and NextShort reads them without
// filling a wasm.Instr, so that an engine can take them on a path of its
// own.

// shortKind is how NextShort reads a one-byte opcode (0: it does not).
type shortKind uint8

const (
	shortNone   shortKind = iota + 1 // no immediate
	shortIndex                       // a local or global index (Instr.X)
	shortI32                         // an i32 constant (Instr.Imm)
	shortI64                         // an i64 constant (Instr.Imm)
	shortMemArg                      // alignment (Instr.X) and offset (Instr.Imm)
)

// shortKinds is shortKind by one-byte opcode: only opcodes no feature can
// turn off (so NextShort reads them whatever ExprReader.DisableFeatures
// says).
var shortKinds = func() (t [256]shortKind) {
	for c := range t {
		op := wasm.Opcode(c)
		info := op.Info()
		if info == nil || info.Feature != 0 {
			continue
		}
		switch {
		case op >= wasm.OpLocalGet && op <= wasm.OpGlobalSet:
			t[c] = shortIndex
		case op == wasm.OpI32Const:
			t[c] = shortI32
		case op == wasm.OpI64Const:
			t[c] = shortI64
		case op >= wasm.OpI32Load && op <= wasm.OpI64Store32:
			t[c] = shortMemArg
		case op >= wasm.OpI32Eqz && op <= wasm.OpF64ReinterpretI64 && info.Imm == wasm.ImmNone:
			t[c] = shortNone
		}
	}
	return t
}()

// NextShort reads the next instruction if it is one of those above, and
// returns its opcode and the X and Imm that Next would give it (an index
// in X, a constant in Imm, a memory argument's alignment in X and offset
// in Imm; its memory index, Mem, is 0, and every other field is zero:
// ShortInstr builds that Instr). Otherwise, or when its immediates are
// malformed, it reads nothing and returns ok false: Next reads the
// instruction, or says what is wrong.
func (e *ExprReader) NextShort() (op wasm.Opcode, x uint32, imm uint64, ok bool) {
	r := &e.r
	p := r.pos
	if p >= len(r.buf) {
		return 0, 0, 0, false
	}
	c := r.buf[p]
	switch kind := shortKinds[c]; kind {
	case 0:
		return 0, 0, 0, false
	case shortNone:
		r.pos = p + 1
		return wasm.Opcode(c), 0, 0, true
	case shortIndex, shortI32, shortI64:
		// An immediate of one byte (most indices and constants),
		// without the decoders' calls.
		if p+1 < len(r.buf) && r.buf[p+1] < 0x80 {
			b := r.buf[p+1]
			switch kind {
			case shortIndex:
				x = uint32(b)
			case shortI32:
				imm = uint64(uint32(int32(int8(b<<1) >> 1))) // bit 6 is the sign
			default:
				imm = uint64(int64(int8(b<<1) >> 1))
			}
			r.pos = p + 2
			return wasm.Opcode(c), x, imm, true
		}
	}
	return e.nextShortLong(shortKinds[c], p)
}

// nextShortLong is NextShort for an instruction at p with an immediate of
// more than one byte, or a memory argument.
func (e *ExprReader) nextShortLong(kind shortKind, p int) (op wasm.Opcode, x uint32, imm uint64, ok bool) {
	r := &e.r
	b := r.buf[p+1:]
	n := 0
	var msg string
	switch kind {
	case shortIndex:
		x, n, msg = readU32(b)
	case shortI32:
		var v int64
		v, n, msg = readSigned(b, 32)
		imm = uint64(uint32(int32(v)))
	case shortI64:
		var v int64
		v, n, msg = readSigned(b, 64)
		imm = uint64(v)
	case shortMemArg:
		// Flags below 0x40 (no memory index) are the alignment alone,
		// with or without multi-memory.
		if len(b) == 0 || b[0] >= 0x40 {
			return 0, 0, 0, false
		}
		x = uint32(b[0])
		if e.off&wasm.FeatureMemory64 != 0 {
			var o uint32
			o, n, msg = readU32(b[1:])
			imm = uint64(o)
		} else {
			imm, n, msg = readU64(b[1:])
		}
		n++
	}
	if msg != "" {
		return 0, 0, 0, false
	}
	r.pos = p + 1 + n
	return wasm.Opcode(r.buf[p]), x, imm, true
}

// ShortInstr is the instruction at module offset at that NextShort read
// as op, x and imm: the one Next would have read.
func ShortInstr(op wasm.Opcode, x uint32, imm uint64, at int) wasm.Instr {
	return wasm.Instr{Op: op, X: x, Imm: imm, Offset: at}
}
