package backend

// move is one copy of a parallel move.
type move struct {
	from, to Loc
	class    RegClass
}

// sequenceMoves orders a parallel move (all sources read before any
// destination is written; destinations distinct) into plain moves. A cycle
// is broken by saving one value in the class's scratch register, or in a
// temporary slot from tempSlot when the cycle involves the stack (the scratch
// register is then needed to copy a slot to a slot, which no machine does in
// one move).
func sequenceMoves(moves []move, env *MachineEnv, tempSlot func(RegClass, int) Loc) []move {
	q := moveSequencer{env: env, tempSlot: tempSlot}
	return q.sequence(moves)
}

// moveSequencer is sequenceMoves with buffers kept between calls.
type moveSequencer struct {
	env          *MachineEnv
	tempSlot     func(RegClass, int) Loc
	pending, out []move
}

// sequence is sequenceMoves; the result is valid until the next call.
func (q *moveSequencer) sequence(moves []move) []move {
	env := q.env
	out := q.out[:0]
	if len(moves) == 1 { // most edges move one parameter: no order to find
		if m := &moves[0]; m.from != m.to {
			out = q.appendMove(out, *m)
		}
		q.out = out
		return out
	}
	pending := q.pending[:0]
	for _, m := range moves {
		if m.from != m.to {
			pending = append(pending, m)
		}
	}
	// Usually no move overwrites another's source: then they go in order.
	// (Tested and emitted without closures: most edges with moves take
	// this path.)
	var srcRegs RegSet
	slotSrcs := 0
	for _, m := range pending {
		if m.from.IsReg() {
			srcRegs = srcRegs.With(m.from.Reg())
		} else {
			slotSrcs++
		}
	}
	independent := true
	for _, m := range pending {
		if m.to.IsReg() && srcRegs.Has(m.to.Reg()) || m.to.IsSlot() && slotSrcs > 0 && readsLoc(pending, m.to) {
			independent = false
			break
		}
	}
	if independent {
		for _, m := range pending {
			out = q.appendMove(out, m)
		}
		q.pending, q.out = pending[:0], out
		return out
	}
	emit := func(m move) { out = q.appendMove(out, m) }
	isSource := func(l Loc, skip int) bool {
		for j, m := range pending {
			if j != skip && m.from == l {
				return true
			}
		}
		return false
	}
	temps := 0
	for len(pending) > 0 {
		progress := false
		for j := 0; j < len(pending); j++ {
			if !isSource(pending[j].to, j) {
				emit(pending[j])
				pending = append(pending[:j], pending[j+1:]...)
				j--
				progress = true
			}
		}
		if progress {
			continue
		}
		// Every destination is still to be read: a cycle. Save the value
		// the first move would overwrite.
		m := pending[0]
		c := m.class
		temp := RegLoc(env.Scratch[c])
		for _, p := range pending {
			if p.class == c && (p.from.IsSlot() || p.to.IsSlot() || p.from == temp) {
				temp = q.tempSlot(c, temps)
				temps++
				break
			}
		}
		emit(move{m.to, temp, c})
		for j := range pending {
			if pending[j].from == m.to {
				pending[j].from = temp
			}
		}
	}
	q.pending, q.out = pending, out
	return out
}

// readsLoc reports whether a move of moves reads l.
func readsLoc(moves []move, l Loc) bool {
	for _, p := range moves {
		if p.from == l {
			return true
		}
	}
	return false
}

// appendMove appends m to out as plain moves: through the class's scratch
// register when it copies a slot to a slot, which no machine does in one.
func (q *moveSequencer) appendMove(out []move, m move) []move {
	if m.from.IsSlot() && m.to.IsSlot() {
		s := RegLoc(q.env.Scratch[m.class])
		return append(out, move{m.from, s, m.class}, move{s, m.to, m.class})
	}
	return append(out, m)
}
