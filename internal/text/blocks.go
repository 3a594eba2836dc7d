package text

import "github.com/moat-run/moat/internal/wasm"

// This file handles structure: plain block/loop/if ... end, and folded
// instructions, which are written operands-first into the output.

// plain parses instruction keyword n, already consumed from c, with its
// immediates (and, for blocks, its body through `end`).
func (f *funcParser) plain(n *node, c *cursor) {
	switch n.text {
	case "block", "loop", "if", "try_table":
		f.plainBlock(n, c)
	default:
		f.emit(n, f.instr(n, c))
	}
}

func (f *funcParser) plainBlock(n *node, c *cursor) {
	op := blockOps[n.text]
	label := c.optID()
	in := wasm.Instr{Op: op, Block: f.blockType(c)}
	if op == wasm.OpTryTable {
		in.Catches = f.catchClauses(c)
	}
	f.emit(n, in)
	f.pushLabel(n, label)
	t := f.seq(c)
	if op == wasm.OpIf && t != nil && t.text == "else" {
		c.next()
		f.checkEndLabel(c, label)
		elseAt := len(f.out)
		f.emit(t, wasm.Instr{Op: wasm.OpElse})
		t = f.seq(c)
		f.dropEmptyElse(elseAt)
	}
	if t == nil || t.text != "end" {
		if t == nil {
			failNode(n, "unexpected end of %s: missing end", n.text)
		}
		failNode(t, "unexpected token %s", t.text)
	}
	c.next()
	f.checkEndLabel(c, label)
	f.labels = f.labels[:len(f.labels)-1]
	f.emit(t, wasm.Instr{Op: wasm.OpEnd})
}

var blockOps = map[string]wasm.Opcode{"block": wasm.OpBlock, "loop": wasm.OpLoop, "if": wasm.OpIf, "try_table": wasm.OpTryTable}

var catchKinds = map[string]wasm.CatchKind{
	"catch": wasm.Catch, "catch_ref": wasm.CatchRef, "catch_all": wasm.CatchAll, "catch_all_ref": wasm.CatchAllRef,
}

// catchClauses reads try_table's `(catch tag label)`, `(catch_ref tag
// label)`, `(catch_all label)` and `(catch_all_ref label)` clauses. Their
// labels are resolved outside the try_table's own label.
func (f *funcParser) catchClauses(c *cursor) []wasm.CatchClause {
	var cs []wasm.CatchClause
	for {
		n := c.peek()
		if n == nil {
			return cs
		}
		k, ok := catchKinds[head(n)]
		if !ok {
			return cs
		}
		c.next()
		cc := newCursor(n, 1)
		clause := wasm.CatchClause{Kind: k}
		if k.HasTag() {
			clause.Tag = f.p.tags.resolve(cc.next())
		}
		clause.Label = f.label(cc.next())
		cc.end()
		cs = append(cs, clause)
	}
}

// dropEmptyElse removes an `else` with nothing after it, as wat2wasm does:
// `if ... else end` and `if ... end` are the same instruction.
func (f *funcParser) dropEmptyElse(elseAt int) {
	if len(f.out) == elseAt+1 {
		f.truncate(elseAt)
	}
}

// pushLabel enters the block that starts at node at.
func (f *funcParser) pushLabel(at, id *node) {
	// Plain blocks nest without parentheses; bound them like lists so
	// that the recursion stays shallow.
	if len(f.labels) >= maxDepth {
		failNode(at, "blocks nested too deeply")
	}
	if id == nil {
		f.labels = append(f.labels, "")
	} else {
		f.labels = append(f.labels, id.text)
	}
}

// checkEndLabel reads the optional identifier after end or else, which
// must repeat the block's label.
func (f *funcParser) checkEndLabel(c *cursor, label *node) {
	id := c.optID()
	if id == nil {
		return
	}
	if label == nil || label.text != id.text {
		failNode(id, "mismatching label %s", id.text)
	}
}

// blockType reads a block's type: nothing, one (result t), or a type use.
func (f *funcParser) blockType(c *cursor) wasm.BlockType {
	if c.peekList("type") {
		// As wat2wasm does, a named type that fits the short forms is
		// written in them.
		idx, s := f.p.typeUse(c, false)
		if idx < uint32(len(f.p.m.Types)) && len(s.params) == 0 && len(s.results) <= 1 {
			if len(s.results) == 0 {
				return wasm.BlockType{Kind: wasm.BlockEmpty}
			}
			return wasm.BlockType{Kind: wasm.BlockValue, Type: s.results[0]}
		}
		return wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: idx}
	}
	save := c.i
	s := f.p.sigLists(c, false)
	switch {
	case len(s.params) == 0 && len(s.results) == 0:
		return wasm.BlockType{Kind: wasm.BlockEmpty}
	case len(s.params) == 0 && len(s.results) == 1:
		return wasm.BlockType{Kind: wasm.BlockValue, Type: s.results[0]}
	}
	c.i = save
	idx, _ := f.p.typeUse(c, false)
	return wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: idx}
}

// folded parses one folded instruction, list n.
func (f *funcParser) folded(n *node) {
	if len(n.kids) == 0 || n.kids[0].kind != kKeyword {
		failNode(n, "unexpected token %s, expected an instruction", describe(n))
	}
	opn := n.kids[0]
	c := newCursor(n, 1)
	switch opn.text {
	case "block", "loop", "try_table":
		label := c.optID()
		in := wasm.Instr{Op: blockOps[opn.text], Block: f.blockType(c)}
		if in.Op == wasm.OpTryTable {
			in.Catches = f.catchClauses(c)
		}
		f.emit(opn, in)
		f.pushLabel(opn, label)
		if t := f.seq(c); t != nil {
			failNode(t, "unexpected token %s", t.text)
		}
		f.labels = f.labels[:len(f.labels)-1]
		f.emit(n, wasm.Instr{Op: wasm.OpEnd})
	case "if":
		f.foldedIf(c)
	case "end", "else", "then":
		failNode(opn, "unexpected token %s", opn.text)
	default:
		in := f.instr(opn, c)
		for !c.done() {
			arg := c.next()
			if arg.kind != kList {
				failNode(arg, "unexpected token %s", describe(arg))
			}
			f.folded(arg)
		}
		f.emit(opn, in)
	}
}

// foldedIf parses `(if label? blocktype folded* (then instr*) (else instr*)?)`.
func (f *funcParser) foldedIf(c *cursor) {
	at := c.list
	label := c.optID()
	bt := f.blockType(c)
	for !c.peekList("then") {
		n := c.next()
		if n.kind != kList {
			failNode(n, "unexpected token %s, expected (then ...)", describe(n))
		}
		f.folded(n)
	}
	f.emit(at.kids[0], wasm.Instr{Op: wasm.OpIf, Block: bt})
	f.pushLabel(at, label)
	f.clause(c.next())
	if c.peekList("else") {
		elseAt := len(f.out)
		f.emit(c.peek(), wasm.Instr{Op: wasm.OpElse})
		f.clause(c.next())
		f.dropEmptyElse(elseAt)
	}
	c.end()
	f.labels = f.labels[:len(f.labels)-1]
	f.emit(at, wasm.Instr{Op: wasm.OpEnd})
}

// clause parses the instructions of a (then ...) or (else ...).
func (f *funcParser) clause(n *node) {
	if t := f.seq(newCursor(n, 1)); t != nil {
		failNode(t, "unexpected token %s", t.text)
	}
}
