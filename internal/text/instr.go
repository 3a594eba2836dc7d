package text

import (
	"strings"
	"sync"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

var (
	opcodesOnce sync.Once
	opcodes     map[string]wasm.Opcode
)

var notTextNames = map[string]bool{"select_t": true, "ref.test_null": true, "ref.cast_null": true}

// opcodeByName maps instruction names to opcodes, built once from the
// opcode table. select_t, ref.test_null and ref.cast_null are not text
// names: `select (result t)`, `ref.test (ref null t)` and `ref.cast (ref
// null t)` are.
func opcodeByName(s string) (wasm.Opcode, bool) {
	opcodesOnce.Do(func() {
		opcodes = make(map[string]wasm.Opcode, 600)
		for _, prefix := range []wasm.Opcode{0, 0x100, 0xFB00, 0xFC00, 0xFD00} {
			for i := wasm.Opcode(0); i < 256; i++ {
				if info := (prefix | i).Info(); info != nil && !notTextNames[info.Name] {
					opcodes[info.Name] = prefix | i
				}
			}
		}
	})
	op, ok := opcodes[s]
	return op, ok
}

// funcParser parses instructions: a function body, or a constant
// expression (no locals, no enclosing labels).
type funcParser struct {
	p       *moduleParser
	locals  map[string]uint32
	nlocals uint32
	labels  []string // enclosing block labels, innermost last; "" if unnamed
	out     []wasm.Instr
	// at holds the node that made each instruction of out, when the
	// module parser keeps a source map.
	at []*node
}

func newFuncParser(p *moduleParser) *funcParser {
	return &funcParser{p: p, out: p.scratch[:0], at: p.atScratch[:0]}
}

func (f *funcParser) defineLocal(id *node, idx uint32) {
	if id == nil {
		return
	}
	if f.locals == nil {
		f.locals = make(map[string]uint32)
	}
	if _, dup := f.locals[id.text]; dup {
		failNode(id, "duplicate local %s", id.text)
	}
	f.locals[id.text] = idx
}

// emit appends instruction in, written at node n.
func (f *funcParser) emit(n *node, in wasm.Instr) {
	f.out = append(f.out, in)
	if f.p.srcMap != nil {
		f.at = append(f.at, n)
	}
}

// truncate drops the instructions from index i on.
func (f *funcParser) truncate(i int) {
	f.out = f.out[:i]
	if f.p.srcMap != nil {
		f.at = f.at[:i]
	}
}

// body parses the rest of c as a function body and encodes it, final end
// included. With a source map, it records where each instruction went.
func (f *funcParser) body(c *cursor) []byte {
	if t := f.seq(c); t != nil {
		failNode(t, "unexpected token %s", t.text)
	}
	var b []byte
	var instrs []InstrPos
	if f.p.srcMap != nil {
		instrs = make([]InstrPos, 0, len(f.out)+1)
	}
	for i := range f.out {
		if instrs != nil {
			instrs = append(instrs, newInstrPos(len(b), f.at[i]))
		}
		b = binary.AppendInstr(b, &f.out[i])
	}
	f.p.scratch = f.out[:0]
	if sm := f.p.srcMap; sm != nil {
		instrs = append(instrs, newInstrPos(len(b), c.list)) // the final end: the func field
		sm.Bodies = append(sm.Bodies, instrs)
		f.p.atScratch = f.at[:0]
	}
	return append(b, byte(wasm.OpEnd))
}

// constExpr parses the rest of c as a constant expression (without its end).
func (p *moduleParser) constExpr(c *cursor) []wasm.Instr {
	f := &funcParser{p: p}
	if t := f.seq(c); t != nil {
		failNode(t, "unexpected token %s", t.text)
	}
	if f.out == nil {
		return []wasm.Instr{}
	}
	return f.out
}

// seq parses plain and folded instructions until c ends or an `end` or
// `else` keyword, which it returns unconsumed.
func (f *funcParser) seq(c *cursor) *node {
	for !c.done() {
		n := c.peek()
		if n.kind == kList {
			c.next()
			f.folded(n)
			continue
		}
		if n.kind != kKeyword {
			failNode(n, "unexpected token %s", describe(n))
		}
		if n.text == "end" || n.text == "else" {
			return n
		}
		c.next()
		f.plain(n, c)
	}
	return nil
}

// label resolves a branch target: a depth, or the innermost label so named.
func (f *funcParser) label(n *node) uint32 {
	if n.kind == kID {
		for i := len(f.labels) - 1; i >= 0; i-- {
			if f.labels[i] == n.text {
				return uint32(len(f.labels) - 1 - i)
			}
		}
		failNode(n, "unknown label %s", n.text)
	}
	if !isIndex(n) {
		failNode(n, "unexpected token %s, expected a label", describe(n))
	}
	return u32(n)
}

func (f *funcParser) local(n *node) uint32 {
	if n.kind == kID {
		i, ok := f.locals[n.text]
		if !ok {
			failNode(n, "unknown local %s", n.text)
		}
		return i
	}
	if !isIndex(n) {
		failNode(n, "unexpected token %s, expected a local index", describe(n))
	}
	return u32(n)
}

// lookupOp finds the opcode named by keyword n.
func lookupOp(n *node) (wasm.Opcode, *wasm.OpInfo) {
	if n.kind == kKeyword {
		if op, ok := opcodeByName(n.text); ok {
			return op, op.Info()
		}
	}
	failNode(n, "unknown operator %s", n.text)
	return 0, nil
}

// instr reads the immediates of a non-block instruction from c.
func (f *funcParser) instr(opn *node, c *cursor) wasm.Instr {
	op, info := lookupOp(opn)
	in := wasm.Instr{Op: op}
	p := f.p
	switch info.Imm {
	case wasm.ImmNone:
		if op == wasm.OpSelect && c.peekList("result") {
			in.Op = wasm.OpSelectT
			in.Types = p.sigLists(c, false).results
			if in.Types == nil {
				in.Types = []wasm.ValType{}
			}
		}
	case wasm.ImmLabel:
		in.X = f.label(c.next())
	case wasm.ImmBrTable:
		for isIndex(c.peek()) {
			in.Targets = append(in.Targets, f.label(c.next()))
		}
		if len(in.Targets) == 0 {
			f.label(c.next())
		}
	case wasm.ImmFunc:
		in.X = p.funcs.resolve(c.next())
	case wasm.ImmCallIndirect:
		if isIndex(c.peek()) {
			in.Y = p.tables.resolve(c.next())
		}
		in.X, _ = p.typeUse(c, false)
	case wasm.ImmLocal:
		in.X = f.local(c.next())
	case wasm.ImmGlobal:
		in.X = p.globals.resolve(c.next())
	case wasm.ImmTable:
		if isIndex(c.peek()) {
			in.X = p.tables.resolve(c.next())
		}
	case wasm.ImmMemArg:
		in.Mem = p.optMemory(c)
		in.X, in.Imm = memArg(c, op.NaturalAlign())
	case wasm.ImmMemArgLane:
		// `memidx? offset? align? lane`: a lone number is the lane.
		if isIndex(c.peek()) && (c.peek().kind == kID || (c.i+1 < len(c.kids) && isMemArgOrLane(c.kids[c.i+1]))) {
			in.Mem = p.mems.resolve(c.next())
		}
		in.X, in.Imm = memArg(c, op.NaturalAlign())
		in.Y = laneIndex(c.next())
	case wasm.ImmMemory:
		in.X = p.optMemory(c)
	case wasm.ImmMemCopy:
		if isIndex(c.peek()) {
			in.X = p.mems.resolve(c.next())
			in.Y = p.mems.resolve(c.next())
		}
	case wasm.ImmI32:
		in.Imm = intLit(c.next(), 32)
	case wasm.ImmI64:
		in.Imm = intLit(c.next(), 64)
	case wasm.ImmF32:
		in.Imm = floatLit(c.next(), 32)
	case wasm.ImmF64:
		in.Imm = floatLit(c.next(), 64)
	case wasm.ImmV128:
		in.Imm, in.Hi = v128Const(opn, c)
	case wasm.ImmShuffle:
		in.Imm, in.Hi = shuffleLanes(opn, c)
	case wasm.ImmLane:
		in.Y = laneIndex(c.next())
	case wasm.ImmHeapType:
		if op == wasm.OpRefNull {
			in.Type = wasm.RefType(true, p.heapType(c.next()))
			break
		}
		// ref.test and ref.cast take a reference type; nullability picks the opcode.
		in.Type = p.refType(c.next())
		if in.Type.Nullable() {
			in.Op = map[wasm.Opcode]wasm.Opcode{wasm.OpRefTest: wasm.OpRefTestNull, wasm.OpRefCast: wasm.OpRefCastNull}[op]
		}
	case wasm.ImmTableInit:
		first := c.next()
		if isIndex(c.peek()) {
			in.Y = p.tables.resolve(first)
			in.X = p.elems.resolve(c.next())
		} else {
			in.X = p.elems.resolve(first)
		}
	case wasm.ImmTableCopy:
		if isIndex(c.peek()) {
			in.X = p.tables.resolve(c.next())
			in.Y = p.tables.resolve(c.next())
		}
	case wasm.ImmMemInit:
		first := c.next()
		if isIndex(c.peek()) {
			in.Y = p.mems.resolve(first)
			in.X = p.datas.resolve(c.next())
		} else {
			in.X = p.datas.resolve(first)
		}
		p.usesDataIdx = true
	case wasm.ImmData:
		in.X = p.datas.resolve(c.next())
		p.usesDataIdx = true
	case wasm.ImmElem:
		in.X = p.elems.resolve(c.next())
	case wasm.ImmTypeIndex:
		in.X = p.types.resolve(c.next())
	case wasm.ImmTag:
		in.X = p.tags.resolve(c.next())
	case wasm.ImmIndexPair:
		in.X = p.types.resolve(c.next())
		in.Y = f.secondIndex(op, in.X, c.next())
	case wasm.ImmBrOnCast:
		in.X = f.label(c.next())
		in.Types = []wasm.ValType{p.refType(c.next()), p.refType(c.next())}
	default:
		// block, loop, if, try_table, else, end are handled by the callers.
		failNode(opn, "unexpected token %s", opn.text)
	}
	return in
}

// secondIndex reads the second immediate of a GC instruction whose first
// is type x: a field, a count, a data or element segment, or a type.
func (f *funcParser) secondIndex(op wasm.Opcode, x uint32, n *node) uint32 {
	p := f.p
	switch op {
	case wasm.OpStructGet, wasm.OpStructGetS, wasm.OpStructGetU, wasm.OpStructSet:
		return p.field(x, n)
	case wasm.OpArrayNewData, wasm.OpArrayInitData:
		p.usesDataIdx = true
		return p.datas.resolve(n)
	case wasm.OpArrayNewElem, wasm.OpArrayInitElem:
		return p.elems.resolve(n)
	case wasm.OpArrayCopy:
		return p.types.resolve(n)
	}
	return u32(n) // array.new_fixed's count
}

// optMemory reads an optional memory index.
func (p *moduleParser) optMemory(c *cursor) uint32 {
	if isIndex(c.peek()) {
		return p.mems.resolve(c.next())
	}
	return 0
}

// isMemArgOrLane reports whether n can follow a memory index in a lane
// instruction: offset=, align= or the lane index.
func isMemArgOrLane(n *node) bool {
	if n.kind == kKeyword {
		return strings.HasPrefix(n.text, "offset=") || strings.HasPrefix(n.text, "align=")
	}
	return n.kind == kAtom && n.text != "" && n.text[0] >= '0' && n.text[0] <= '9'
}

// memArg reads `offset=N? align=N?` and returns the alignment exponent and offset.
func memArg(c *cursor, natural uint32) (uint32, uint64) {
	align, offset := natural, uint64(0)
	if n := c.peek(); n != nil && n.kind == kKeyword && strings.HasPrefix(n.text, "offset=") {
		c.next()
		offset = memArgValue(n, n.text[len("offset="):])
	}
	if n := c.peek(); n != nil && n.kind == kKeyword && strings.HasPrefix(n.text, "align=") {
		c.next()
		a := memArgValue(n, n.text[len("align="):])
		if a == 0 || a&(a-1) != 0 {
			failNode(n, "alignment must be a power of two")
		}
		align = 0
		for a > 1 {
			a >>= 1
			align++
		}
	}
	return align, offset
}

// memArgValue reads the number of offset= or align=: 64 bits (a 32-bit
// memory's offset range is the validator's to check).
func memArgValue(n *node, s string) uint64 {
	v, ok, over := parseNat(s)
	if !ok {
		failNode(n, "unknown operator %s", n.text)
	}
	if over {
		failNode(n, "i64 constant out of range")
	}
	return v
}
