package interp

import "github.com/moat-run/moat/internal/wasm"

// instr translates one reachable instruction.
func (t *translator) instr(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpNop:
	case wasm.OpUnreachable:
		t.emit(instr{op: opUnreachable})
		t.unreachable = true
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf:
		t.enter(in)
	case wasm.OpElse:
		t.elseArm()
	case wasm.OpEnd:
		t.end()
	case wasm.OpBr:
		t.br(in.X)
	case wasm.OpBrIf:
		t.brIf(in.X)
	case wasm.OpBrTable:
		if err := t.checkSize(len(in.Targets)); err != nil {
			return err
		}
		t.brTable(in.Targets)
	case wasm.OpReturn:
		t.ret()
		t.unreachable = true
	case wasm.OpCall:
		t.call(in.X)
	case wasm.OpCallIndirect:
		t.callIndirect(in.X, in.Y)
	case wasm.OpCallRef:
		t.callRef(in.X)
	case wasm.OpReturnCall, wasm.OpReturnCallIndirect, wasm.OpReturnCallRef:
		t.tailCall(in)
		t.unreachable = true
	case wasm.OpThrow:
		t.throw(in.X)
		t.unreachable = true
	case wasm.OpThrowRef:
		r := t.pop()
		t.emit(instr{op: opThrowRef, b: t.src(r)})
		t.unreachable = true
	case wasm.OpTryTable:
		t.enterTry(in)
	case wasm.OpBrOnNull:
		t.brOnNull(in.X)
	case wasm.OpBrOnNonNull:
		t.brOnNonNull(in.X)
	case wasm.OpBrOnCast, wasm.OpBrOnCastFail:
		t.brOnCast(in)
	case wasm.OpDrop:
		t.pop()
	case wasm.OpSelect, wasm.OpSelectT:
		cond, v2 := t.pop(), t.pop()
		v1 := t.pop()
		op := opSelect
		if v1.size == 2 {
			op = opSelect128
		}
		sel := instr{op: op, a: v1.home, b: t.src(v1), c: t.src(v2), imm: uint64(t.src(cond))}
		t.push(entry{kind: kReal, size: v1.size})
		t.emit(sel)
		t.def()
	case wasm.OpLocalGet:
		t.pushLocal(in.X)
	case wasm.OpLocalSet:
		t.localSet(in.X, false)
	case wasm.OpLocalTee:
		t.localSet(in.X, true)
	case wasm.OpGlobalGet:
		g := t.globalType(in.X)
		op := opGlobalGet
		if g == wasm.V128 {
			op = opGlobalGet128
		}
		dst := t.pushReal(g)
		t.emit(instr{op: op, a: dst, b: in.X})
		t.def()
	case wasm.OpGlobalSet:
		v := t.pop()
		op := opGlobalSet
		if v.size == 2 {
			op = opGlobalSet128
		}
		t.emit(instr{op: op, b: in.X, c: t.src(v)})
	default:
		return t.operation(in)
	}
	return nil
}

func (t *translator) globalType(x uint32) wasm.ValType {
	m := t.m
	if x < m.NumImportedGlobals {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind == wasm.ExternGlobal {
				if n == x {
					return m.Imports[i].Global.Val
				}
				n++
			}
		}
	}
	return m.Globals[x-m.NumImportedGlobals].Type.Val
}

// localSet translates local.set x and local.tee x.
func (t *translator) localSet(x uint32, tee bool) {
	dst := t.localSlot[x]
	if d := t.defIndex(); d >= 0 && t.pending[x] == -1 {
		// The value was just computed: compute it straight into the local.
		t.code[d].a = dst
		t.pop()
		if tee {
			t.pushLocal(x)
		}
		return
	}
	t.beforeLocalWrite(x)
	if tee {
		top := &t.stack[len(t.stack)-1]
		t.move(*top, dst)
		if top.kind == kReal {
			// Reading the local is as good and keeps the value out of the stack slot.
			t.pop()
			t.pushLocal(x)
		}
		return
	}
	e := t.pop()
	t.move(e, dst)
}

// enter translates block, loop and if.
func (t *translator) enter(in *wasm.Instr) {
	params, results := t.blockType(in.Block)
	c := ctrl{params: params, results: results, elseFixup: -1}
	switch in.Op {
	case wasm.OpBlock:
		c.kind = ctrlBlock
		t.materializeAll()
	case wasm.OpLoop:
		c.kind = ctrlLoop
		t.materializeAll()
		// A loop header polls each time it is reached: here when the loop
		// is entered, and in the branch of every later iteration (exec.go).
		t.emit(instr{op: opLoopEntry})
		t.label()
		c.start = len(t.code)
	case wasm.OpIf:
		c.kind = ctrlIf
		d := t.defIndex()
		cond := t.pop()
		if d >= 0 && t.water >= len(t.stack) {
			if br, ok := t.fuseBranch(d, false); ok {
				c.elseFixup = br
				break
			}
		}
		t.materializeAll()
		if cond.kind == kConst {
			if cond.c != 0 {
				c.elseFixup = -1 // always the then arm
				break
			}
			c.elseFixup = t.emit(instr{op: opBr})
			break
		}
		c.elseFixup = t.emit(instr{op: opBrIfNot, b: t.src(cond)})
	}
	n := len(params)
	c.stackLen = len(t.stack) - n
	c.height = t.height
	for _, e := range t.topEntries(n) {
		c.height -= uint32(e.size)
	}
	t.ctrls = append(t.ctrls, c)
}

// fuseBranch rewrites the compare at code[d] (which produced the condition,
// already popped) into a branch taken when the condition is true (onTrue) or
// false. It returns the branch's index.
func (t *translator) fuseBranch(d int, onTrue bool) (int, bool) {
	in := &t.code[d]
	switch {
	case in.op >= opI32Eq && in.op <= opI64GeUImm:
		k := in.op - opI32Eq
		if !onTrue {
			k = k - k%10 + invertCmp[k%10]
		}
		in.op = opBrIfEq32 + k
	case in.op == opI32Eqz:
		if onTrue {
			in.op = opBrIfNot
		} else {
			in.op = opBrIf
		}
	case in.op == opI64Eqz:
		if onTrue {
			in.op = opBrIfEq64Imm
		} else {
			in.op = opBrIfNe64Imm
		}
		in.imm = 0
	default:
		return -1, false
	}
	in.a = 0
	return d, true
}

// invertCmp maps a compare (eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u) to its negation.
var invertCmp = [10]uint16{1, 0, 8, 9, 6, 7, 4, 5, 2, 3}

// mirrorCmp maps a compare to the one with operands swapped.
var mirrorCmp = [10]uint16{0, 1, 4, 5, 2, 3, 8, 9, 6, 7}

// elseArm translates else (also reached from unreachable code).
func (t *translator) elseArm() {
	c := &t.ctrls[len(t.ctrls)-1]
	if !t.unreachable {
		t.materializeTop(len(c.results))
		c.fixups = append(c.fixups, t.emit(instr{op: opBr}))
	}
	t.unreachable = false
	t.deadDepth = 0
	// With elseFixup < 0 the condition was a non-zero constant: the else arm
	// is translated but nothing jumps into it.
	if c.elseFixup >= 0 {
		t.code[c.elseFixup].a = uint32(len(t.code))
	}
	c.elseFixup = -1
	c.hasElse = true
	t.label()
	t.truncate(c.stackLen)
	for _, p := range c.params {
		t.pushReal(p)
	}
}

// end translates end (also reached from unreachable code).
func (t *translator) end() {
	c := &t.ctrls[len(t.ctrls)-1]
	if c.kind == ctrlFunc {
		for _, f := range c.fixups {
			t.patch(f, len(t.code))
		}
		if !t.unreachable {
			t.ret()
		}
		t.ctrls = t.ctrls[:len(t.ctrls)-1]
		t.unreachable = false
		return
	}
	if !t.unreachable {
		t.materializeTop(len(c.results))
	}
	t.unreachable = false
	t.deadDepth = 0
	if c.elseFixup >= 0 {
		t.code[c.elseFixup].a = uint32(len(t.code))
	}
	if c.kind == ctrlTry {
		t.handlers = append(t.handlers, handler{start: int32(c.tryStart), end: int32(len(t.code)),
			first: int32(c.catchFirst), n: int32(c.catchN)})
	}
	for _, f := range c.fixups {
		t.patch(f, len(t.code))
	}
	t.label()
	stackLen := c.stackLen
	results := c.results
	t.ctrls = t.ctrls[:len(t.ctrls)-1]
	t.truncate(stackLen)
	for _, r := range results {
		t.pushReal(r)
	}
}

func (t *translator) patch(f, target int) {
	if f >= 0 {
		t.code[f].a = uint32(target)
	} else {
		t.brTables[-1-f] = uint32(target)
	}
}

// inPlace reports whether the top values already sit where label c wants them.
func (t *translator) inPlace(c *ctrl) bool {
	n := len(c.labelTypes())
	dst := c.height
	for _, e := range t.topEntries(n) {
		if e.kind != kReal || e.home != dst {
			return false
		}
		dst += uint32(e.size)
	}
	return true
}

// branchMoves stores the label's values where the label wants them.
func (t *translator) branchMoves(c *ctrl) {
	n := len(c.labelTypes())
	dst := c.height
	for _, e := range t.topEntries(n) {
		t.move(e, dst)
		dst += uint32(e.size)
	}
}

// jump emits an unconditional jump to label c (moves done by the caller).
func (t *translator) jump(c *ctrl) {
	if c.kind == ctrlLoop {
		t.emit(instr{op: opBr, a: uint32(c.start)})
		return
	}
	c.fixups = append(c.fixups, t.emit(instr{op: opBr}))
}

// branchTo emits an unconditional branch to c's label with its moves: a
// return for the function's own label.
func (t *translator) branchTo(c *ctrl) {
	if c.kind == ctrlFunc {
		t.ret()
		return
	}
	t.branchMoves(c)
	t.jump(c)
}

func (t *translator) br(depth uint32) {
	t.branchTo(&t.ctrls[len(t.ctrls)-1-int(depth)])
	t.unreachable = true
}

func (t *translator) brIf(depth uint32) {
	c := &t.ctrls[len(t.ctrls)-1-int(depth)]
	d := t.defIndex()
	cond := t.pop()
	if c.kind != ctrlFunc && t.inPlace(c) {
		// No moves: branch straight to the label.
		br := t.condBranch(d, cond, true)
		if c.kind == ctrlLoop {
			t.code[br].a = uint32(c.start)
		} else {
			c.fixups = append(c.fixups, br)
		}
		return
	}
	// Branch around the moves when the condition is false.
	skip := t.condBranch(d, cond, false)
	t.branchTo(c)
	t.code[skip].a = uint32(len(t.code))
	t.label()
}

// condBranch emits a branch taken when cond is true (onTrue) or false and
// returns its index. The branch is fused into the compare at code[d] that
// produced cond when d >= 0 and fuseBranch can; else it tests cond.
func (t *translator) condBranch(d int, cond entry, onTrue bool) int {
	if d >= 0 {
		if i, ok := t.fuseBranch(d, onTrue); ok {
			return i
		}
	}
	op := opBrIfNot
	if onTrue {
		op = opBrIf
	}
	return t.emit(instr{op: op, b: t.src(cond)})
}

// brWay is how a br_table reaches one depth: brDirect (a loop's start),
// brFixup (a block's end, patched when it closes) or through a stub of
// moves, at stub once emitted (0 before).
type brWay struct {
	kind uint8 // brUnseen, brDirect, brFixup or brStub
	stub uint32
}

const (
	brUnseen = iota
	brDirect
	brFixup
	brStub
)

// brTable translates a br_table. Each distinct depth is classified, and
// its stub emitted, once: a table costs its length plus the moves of its
// distinct depths, however they repeat.
func (t *translator) brTable(targets []uint32) {
	idx := t.pop()
	first := len(t.brTables)
	t.emit(instr{op: opBrTable, b: t.src(idx), c: uint32(len(targets)), imm: uint64(first)})
	for range targets {
		t.brTables = append(t.brTables, 0)
	}
	if len(t.brWays) < len(t.ctrls) {
		t.brWays = make([]brWay, max(len(t.ctrls), 2*len(t.brWays)))
	}
	ways := t.brWays
	// Targets without moves are reached directly; the others through a stub.
	for i, depth := range targets {
		c := &t.ctrls[len(t.ctrls)-1-int(depth)]
		w := &ways[depth]
		if w.kind == brUnseen {
			switch {
			case c.kind == ctrlLoop && t.inPlace(c):
				w.kind = brDirect
			case c.kind != ctrlFunc && t.inPlace(c):
				w.kind = brFixup
			default:
				w.kind = brStub
			}
		}
		switch w.kind {
		case brDirect:
			t.brTables[first+i] = uint32(c.start)
		case brFixup:
			c.fixups = append(c.fixups, -1-(first+i))
		}
	}
	for i, depth := range targets {
		w := &ways[depth]
		if w.kind != brStub {
			continue
		}
		if w.stub == 0 { // code[0] is never a stub: the br_table is before it
			w.stub = uint32(len(t.code))
			t.branchTo(&t.ctrls[len(t.ctrls)-1-int(depth)])
		}
		t.brTables[first+i] = w.stub
	}
	for _, depth := range targets {
		ways[depth] = brWay{}
	}
	t.unreachable = true
}

// retMoves stores the function's results into slots 0.. .
func (t *translator) retMoves() {
	fn := &t.ctrls[0]
	n := len(fn.results)
	if n == 0 {
		return
	}
	if n == 1 {
		if d := t.defIndex(); d >= 0 {
			// Compute the result straight into slot 0 (only reached for an
			// unconditional return, after which the stack is dead).
			t.code[d].a = 0
			return
		}
	}
	top := t.topEntries(n)
	if n > 1 {
		// A local read below slot resultSlot could be overwritten by an
		// earlier result; store such values into their homes first.
		for i := range top {
			if top[i].kind == kLocal && top[i].slot < t.resultSlot {
				t.materializeTop(n - i)
				break
			}
		}
	}
	dst := uint32(0)
	for _, e := range t.topEntries(n) {
		t.move(e, dst)
		dst += uint32(e.size)
	}
}

// ret emits the moves and the return.
func (t *translator) ret() {
	t.retMoves()
	t.emit(instr{op: opReturn})
}

func (t *translator) popArgs(n int) (base uint32) {
	t.tmp = append(t.tmp[:0], t.topEntries(n)...)
	for range n {
		t.pop()
	}
	base = t.height
	for _, e := range t.tmp {
		t.move(e, e.home)
	}
	return base
}

func (t *translator) call(x uint32) {
	ft := t.funcTypes[x]
	base := t.popArgs(len(ft.Params))
	t.emit(instr{op: opCall, a: base, b: x})
	for _, r := range ft.Results {
		t.pushReal(r)
	}
	t.reserveHostSlots(base, ft)
	t.label()
}

func (t *translator) callIndirect(typeIdx, table uint32) {
	ft := &t.m.Types[typeIdx].Func
	idx := t.pop()
	idxSlot := t.src(idx)
	base := t.popArgs(len(ft.Params))
	t.emit(instr{op: opCallIndirect, a: base, b: typeIdx, c: table, imm: uint64(idxSlot)})
	for _, r := range ft.Results {
		t.pushReal(r)
	}
	t.reserveHostSlots(base, ft)
	t.label()
}

// reserveHostSlots makes the frame big enough that a host callee can be
// handed max(params, results) slots starting at base.
func (t *translator) reserveHostSlots(base uint32, ft *wasm.FuncType) {
	n := uint32(max(ft.ParamSlots(), ft.ResultSlots()))
	if base+n > t.maxHeight {
		t.maxHeight = base + n
	}
}
