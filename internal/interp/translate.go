package interp

import (
	"errors"
	"fmt"
	"io"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// Translation keeps a virtual operand stack. Each entry has a home slot (its
// place on the frame's operand stack) but may not be stored there yet: a
// local.get stays a reference to the local and a constant stays a constant
// until an instruction consumes it (then the instruction reads the local's
// slot or takes an immediate) or something forces it into its home
// (materialisation: block boundaries, calls, a write to the local).

type entryKind uint8

const (
	kReal  entryKind = iota // the value is in its home slot
	kLocal                  // the value is local `local`, still in the local's slot
	kConst                  // the value is the constant c
)

type entry struct {
	kind  entryKind
	size  uint8  // slots: 2 for v128, else 1
	home  uint32 // the entry's operand-stack slot
	local uint32 // kLocal: local index
	slot  uint32 // kLocal: the local's slot
	prev  int32  // kLocal: previous pending entry of the same local, -1 if none
	c     uint64 // kConst
}

type ctrlKind uint8

const (
	ctrlBlock ctrlKind = iota
	ctrlLoop
	ctrlIf
	ctrlFunc
	ctrlTry // try_table: a block whose body has exception handlers
)

type ctrl struct {
	kind      ctrlKind
	stackLen  int    // virtual-stack entries below the block's parameters
	height    uint32 // slot height below the block's parameters
	params    []wasm.ValType
	results   []wasm.ValType
	start     int   // loop: index of the first instruction of the body
	fixups    []int // forward branches to patch with the end: >= 0 instruction index, < 0 brTables entry -1-i
	elseFixup int   // if: the conditional branch to the else arm, -1 once patched
	hasElse   bool
	// try_table: the first instruction of the body, and its catch clauses
	// (catches[catchFirst:catchFirst+catchN] of the function).
	tryStart, catchFirst, catchN int
}

// labelTypes is what a branch to the block carries.
func (c *ctrl) labelTypes() []wasm.ValType {
	if c.kind == ctrlLoop {
		return c.params
	}
	return c.results
}

type translator struct {
	m         *wasm.Module
	maxSize   int64            // Config.MaxFuncSize, resolved; 0 for no cap
	fn        uint32           // index of the function being translated
	funcTypes []*wasm.FuncType // by function index

	code     []instr
	offsets  []int32
	brTables []uint32
	consts   []uint64
	handlers []handler
	catches  []catchTarget
	memOps   []memAccess
	casts    []castDesc

	memories []wasm.MemoryType // by memory index
	tables   []wasm.TableType  // by table index

	stack     []entry
	height    uint32
	maxHeight uint32
	water     int // entries below water are all kReal
	ctrls     []ctrl

	localSlot  []uint32
	localType  []wasm.ValType
	pending    []int32 // per local: topmost kLocal entry reading it, -1 if none
	localSlots uint32
	resultSlot uint32 // total result slots of the function

	lastDef    int // instruction that produced the top entry, if still retargetable
	lastDefLen int

	unreachable bool
	deadDepth   int
	brWays      []brWay // per depth, during a br_table; all brUnseen between them
	offset      int32   // binary offset of the instruction being translated
	in          wasm.Instr
	tmp         []entry
}

// maxLocalSlots bounds a frame so that slot numbers fit in uint32 with room
// for the operand stack; the decoder's own limit is far lower.
const maxLocalSlots = 1 << 24

func newTranslator(m *wasm.Module) *translator {
	t := &translator{m: m, funcTypes: make([]*wasm.FuncType, 0, m.NumFuncs())}
	for i := range m.Imports {
		switch im := &m.Imports[i]; im.Kind {
		case wasm.ExternFunc:
			t.funcTypes = append(t.funcTypes, m.FuncType(im.Func))
		case wasm.ExternMemory:
			t.memories = append(t.memories, im.Memory)
		case wasm.ExternTable:
			t.tables = append(t.tables, im.Table)
		}
	}
	for _, ti := range m.Funcs {
		t.funcTypes = append(t.funcTypes, m.FuncType(ti))
	}
	t.memories = append(t.memories, m.Memories...)
	for i := range m.Tables {
		t.tables = append(t.tables, m.Tables[i].Type)
	}
	return t
}

func (t *translator) translate(idx uint32, ft *wasm.FuncType, body *wasm.Code) (*funcCode, error) {
	t.code, t.offsets, t.brTables, t.consts = nil, nil, nil, nil
	t.handlers, t.catches, t.memOps, t.casts = nil, nil, nil, nil
	t.stack, t.ctrls = t.stack[:0], t.ctrls[:0]
	t.localSlot, t.localType, t.pending = t.localSlot[:0], t.localType[:0], t.pending[:0]
	t.water, t.lastDef, t.unreachable, t.deadDepth = 0, -1, false, 0
	t.fn = idx

	slot := uint32(0)
	addLocal := func(vt wasm.ValType) {
		t.localSlot = append(t.localSlot, slot)
		t.localType = append(t.localType, vt)
		t.pending = append(t.pending, -1)
		slot += uint32(vt.Slots())
	}
	for _, p := range ft.Params {
		addLocal(p)
	}
	paramSlots := slot
	total := uint64(len(ft.Params))
	for _, le := range body.Locals {
		total += uint64(le.Count)
		if total > maxLocalSlots/2 {
			return nil, fmt.Errorf("interp: function %d has too many locals", idx)
		}
		for range le.Count {
			addLocal(le.Type)
		}
	}
	t.localSlots = slot
	t.height, t.maxHeight = slot, slot
	t.resultSlot = uint32(ft.ResultSlots())
	t.ctrls = append(t.ctrls, ctrl{kind: ctrlFunc, height: slot, results: ft.Results, elseFixup: -1})

	r := binary.NewExprReader(body.Body, body.Offset)
	for len(t.ctrls) > 0 {
		err := r.Next(&t.in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t.offset = int32(t.in.Offset)
		if t.unreachable {
			t.skip(&t.in)
			continue
		}
		if err := t.instr(&t.in); err != nil {
			return nil, err
		}
		if err := t.checkSize(0); err != nil {
			return nil, err
		}
	}
	if len(t.ctrls) != 0 {
		return nil, fmt.Errorf("interp: function %d: body ends inside a block", idx)
	}
	return &funcCode{
		typ:         ft,
		index:       idx,
		instrs:      t.code,
		offsets:     t.offsets,
		bodyOffset:  int32(body.Offset),
		brTables:    t.brTables,
		consts:      t.consts,
		handlers:    t.handlers,
		catches:     t.catches,
		memOps:      t.memOps,
		casts:       t.casts,
		paramSlots:  int(paramSlots),
		localSlots:  int(t.localSlots),
		frameSize:   int(t.maxHeight) + 2, // +2: scratch so host calls can always see max(params, results)
		resultSlots: int(t.resultSlot),
	}, nil
}

// --- emitting ---

func (t *translator) emit(in instr) int {
	t.code = append(t.code, in)
	t.offsets = append(t.offsets, t.offset)
	return len(t.code) - 1
}

// def records that the instruction just emitted wrote the (new) top entry,
// so a following local.set, br_if or return may rewrite its destination.
func (t *translator) def() {
	t.lastDef = len(t.code) - 1
	t.lastDefLen = len(t.stack)
}

// defIndex returns the instruction that produced the top entry when it can
// still be rewritten, else -1.
func (t *translator) defIndex() int {
	if t.lastDef < 0 || t.lastDef != len(t.code)-1 || t.lastDefLen != len(t.stack) || len(t.stack) == 0 {
		return -1
	}
	top := &t.stack[len(t.stack)-1]
	if top.kind != kReal || t.code[t.lastDef].a != top.home {
		return -1
	}
	return t.lastDef
}

// label marks a join point: nothing before it may be rewritten any more.
func (t *translator) label() { t.lastDef = -1 }

// --- the virtual stack ---

func (t *translator) push(e entry) {
	e.home = t.height
	t.height += uint32(e.size)
	if t.height > t.maxHeight {
		t.maxHeight = t.height
	}
	if e.kind == kLocal {
		e.prev = t.pending[e.local]
		t.pending[e.local] = int32(len(t.stack))
	} else if e.kind == kReal && t.water == len(t.stack) {
		t.water++
	}
	t.stack = append(t.stack, e)
}

// pushReal pushes a value that the next emitted instruction writes, returning its slot.
func (t *translator) pushReal(vt wasm.ValType) uint32 {
	h := t.height
	t.push(entry{kind: kReal, size: uint8(vt.Slots())})
	return h
}

func (t *translator) pushLocal(x uint32) {
	t.push(entry{kind: kLocal, size: uint8(t.localType[x].Slots()), local: x, slot: t.localSlot[x]})
}

func (t *translator) pushConst(c uint64) {
	t.push(entry{kind: kConst, size: 1, c: c})
}

func (t *translator) pop() entry {
	n := len(t.stack) - 1
	e := t.stack[n]
	if e.kind == kLocal {
		t.pending[e.local] = e.prev
	}
	t.stack = t.stack[:n]
	t.height = e.home
	if t.water > n {
		t.water = n
	}
	return e
}

// truncate pops down to n entries.
func (t *translator) truncate(n int) {
	for len(t.stack) > n {
		t.pop()
	}
}

// src returns the slot to read e from, storing a constant into e's home first.
func (t *translator) src(e entry) uint32 {
	switch e.kind {
	case kLocal:
		return e.slot
	case kConst:
		t.emit(instr{op: opConst, a: e.home, imm: e.c})
	}
	return e.home
}

// move emits code that stores e into slot dst (nothing if it is there).
func (t *translator) move(e entry, dst uint32) {
	switch {
	case e.kind == kConst:
		t.emit(instr{op: opConst, a: dst, imm: e.c})
	case e.kind == kLocal:
		if e.slot != dst {
			t.emit(instr{op: copyOp(e.size), a: dst, b: e.slot})
		}
	case e.home != dst:
		t.emit(instr{op: copyOp(e.size), a: dst, b: e.home})
	}
}

func copyOp(size uint8) uint16 {
	if size == 2 {
		return opCopy128
	}
	return opCopy
}

// materialize stores stack entry i into its home. Pending-chain links are
// left to the caller.
func (t *translator) materialize(i int) {
	e := &t.stack[i]
	if e.kind == kReal {
		return
	}
	t.move(*e, e.home)
	e.kind = kReal
}

// materializeAll stores every entry into its home, so the stack is a plain
// stack again (needed where control flow joins).
func (t *translator) materializeAll() {
	for i := t.water; i < len(t.stack); i++ {
		if t.stack[i].kind == kLocal {
			t.pending[t.stack[i].local] = -1
		}
		t.materialize(i)
	}
	t.water = len(t.stack)
}

// materializeTop stores the top n entries into their homes.
func (t *translator) materializeTop(n int) {
	for i := len(t.stack) - n; i < len(t.stack); i++ {
		if t.stack[i].kind == kLocal {
			t.unlinkPending(i)
		}
		t.materialize(i)
	}
}

// unlinkPending removes stack entry i from its local's pending chain.
func (t *translator) unlinkPending(i int) {
	e := &t.stack[i]
	p := &t.pending[e.local]
	for *p != -1 {
		if int(*p) == i {
			*p = e.prev
			return
		}
		p = &t.stack[*p].prev
	}
}

// beforeLocalWrite materialises every pending read of local x, so that a
// write to x does not change values already pushed.
func (t *translator) beforeLocalWrite(x uint32) {
	for i := t.pending[x]; i != -1; {
		e := &t.stack[i]
		next := e.prev
		t.move(*e, e.home)
		e.kind = kReal
		i = next
	}
	t.pending[x] = -1
}

// topEntries returns the top n entries (a view, valid until the stack changes).
func (t *translator) topEntries(n int) []entry { return t.stack[len(t.stack)-n:] }

func (t *translator) blockType(bt wasm.BlockType) (params, results []wasm.ValType) {
	switch bt.Kind {
	case wasm.BlockValue:
		return nil, []wasm.ValType{bt.Type}
	case wasm.BlockTypeIndex:
		ft := &t.m.Types[bt.Index].Func
		return ft.Params, ft.Results
	}
	return nil, nil
}

// skip handles an instruction in unreachable code: only nesting matters.
func (t *translator) skip(in *wasm.Instr) {
	switch in.Op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpTryTable:
		t.deadDepth++
	case wasm.OpElse:
		if t.deadDepth == 0 {
			t.elseArm()
		}
	case wasm.OpEnd:
		if t.deadDepth > 0 {
			t.deadDepth--
		} else {
			t.end()
		}
	}
}
