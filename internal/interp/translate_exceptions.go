package interp

import "github.com/moat-run/moat/internal/wasm"

// Exceptions. try_table emits no instruction: its body is a block, and its
// catch clauses become a handler over the body's instruction range, which
// the unwinder (exec_exceptions.go) searches innermost first. A clause
// writes the payload (and exnref) where a branch to its label would put
// the label's values, then jumps to the label.

// handler is one try_table: its catch clauses cover [start, end).
type handler struct {
	start, end int32
	first, n   int32 // clauses: funcCode.catches[first:first+n]
}

// catchTarget is one catch clause, resolved to its label.
type catchTarget struct {
	kind   wasm.CatchKind
	tag    uint32 // tag index, for catch and catch_ref
	dst    uint32 // slot of the label's first value
	target uint32 // index in funcCode.brTables of the label's instruction
	ret    bool   // the label is the function's: return the values
}

// throw translates throw x: the payload is passed like call arguments.
func (t *translator) throw(tag uint32) {
	ft := t.m.TagType(tag)
	base := t.popArgs(len(ft.Params))
	t.emit(instr{op: opThrow, a: base, b: tag})
	if n := uint32(ft.ParamSlots()); base+n > t.maxHeight {
		t.maxHeight = base + n
	}
}

// enterTry translates try_table: its clauses are resolved against the
// labels around it, then it opens a block.
func (t *translator) enterTry(in *wasm.Instr) {
	first := len(t.catches)
	for _, cl := range in.Catches {
		c := &t.ctrls[len(t.ctrls)-1-int(cl.Label)]
		ct := catchTarget{kind: cl.Kind, tag: cl.Tag, dst: c.height}
		switch c.kind {
		case ctrlFunc:
			ct.ret, ct.dst = true, 0
		case ctrlLoop:
			ct.target = uint32(len(t.brTables))
			t.brTables = append(t.brTables, uint32(c.start))
		default:
			ct.target = uint32(len(t.brTables))
			t.brTables = append(t.brTables, 0)
			c.fixups = append(c.fixups, -1-int(ct.target))
		}
		t.catches = append(t.catches, ct)
	}
	params, results := t.blockType(in.Block)
	t.materializeAll()
	c := ctrl{kind: ctrlTry, params: params, results: results, elseFixup: -1,
		tryStart: len(t.code), catchFirst: first, catchN: len(in.Catches)}
	n := len(params)
	c.stackLen = len(t.stack) - n
	c.height = t.height
	for _, e := range t.topEntries(n) {
		c.height -= uint32(e.size)
	}
	t.ctrls = append(t.ctrls, c)
	t.label()
}
