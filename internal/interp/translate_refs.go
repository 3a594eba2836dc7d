package interp

// Typed function references: br_on_null and br_on_non_null branch on a
// reference's nullness. References are whole 64-bit words (an externref
// is any host word), so the tests compare all 64 bits.

// brOnNull translates br_on_null: branch to the label when the top
// reference is null (dropping it), else keep it.
func (t *translator) brOnNull(depth uint32) {
	c := &t.ctrls[len(t.ctrls)-1-int(depth)]
	t.materializeTop(1)
	ref := t.pop()
	if c.kind != ctrlFunc && t.inPlace(c) {
		br := t.emit(instr{op: opBrIfEq64Imm, b: ref.home})
		if c.kind == ctrlLoop {
			t.code[br].a = uint32(c.start)
		} else {
			c.fixups = append(c.fixups, br)
		}
	} else {
		skip := t.emit(instr{op: opBrIfNe64Imm, b: ref.home})
		t.branchTo(c)
		t.code[skip].a = uint32(len(t.code))
	}
	t.label()
	t.push(entry{kind: kReal, size: 1})
}

// brOnNonNull translates br_on_non_null: branch to the label with the top
// reference (the label's last value) when it is not null, else drop it.
func (t *translator) brOnNonNull(depth uint32) {
	c := &t.ctrls[len(t.ctrls)-1-int(depth)]
	t.materializeTop(1)
	ref := t.stack[len(t.stack)-1]
	if c.kind != ctrlFunc && t.inPlace(c) {
		br := t.emit(instr{op: opBrIfNe64Imm, b: ref.home})
		if c.kind == ctrlLoop {
			t.code[br].a = uint32(c.start)
		} else {
			c.fixups = append(c.fixups, br)
		}
	} else {
		skip := t.emit(instr{op: opBrIfEq64Imm, b: ref.home})
		t.branchTo(c)
		t.code[skip].a = uint32(len(t.code))
	}
	t.label()
	t.pop()
}
