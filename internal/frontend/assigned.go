package frontend

import "github.com/moat-run/moat/internal/ssa"

// assigned records which variables each open frame assigns, so that the
// join after a block or if learns which variables may differ between its
// predecessors (ssa.Builder.MergeVars) and reads every other one in the
// block that opened the frame. Without it, a local live across n joins
// costs a parameter and a table entry at each of them, read by read:
// locals × joins work and memory on code that merely keeps many locals
// alive.
//
// The log lists variables in order of assignment; a frame's variables are
// log[frame.logStart:]. A variable is logged once per frame it is assigned
// in (gen tells the frame it was last logged for), so the log grows with
// the number of assignments at most.
type assigned struct {
	log      []ssa.Variable
	loggedIn []int32 // per variable: gen of the frame it was last logged in
	gen      int32   // the innermost frame's generation
	nextGen  int32
}

func (a *assigned) reset() {
	a.log = a.log[:0]
	clear(a.loggedIn)
	a.loggedIn = a.loggedIn[:0]
	a.gen, a.nextGen = 0, 0
}

// open starts a frame: it returns where the frame's log starts and the
// generation to restore when it ends.
func (a *assigned) open() (logStart int, outerGen int32) {
	outerGen = a.gen
	a.nextGen++
	a.gen = a.nextGen
	return len(a.log), outerGen
}

// note records an assignment of v in the innermost frame.
func (a *assigned) note(v ssa.Variable) {
	for int(v) >= len(a.loggedIn) {
		a.loggedIn = append(a.loggedIn, 0)
	}
	if a.loggedIn[v] != a.gen {
		a.loggedIn[v] = a.gen
		a.log = append(a.log, v)
	}
}

// defVar assigns val to v in the current block and logs it for the open
// frames.
func (t *translator) defVar(v ssa.Variable, val ssa.Value) {
	t.b.DefVar(v, val)
	t.assigned.note(v)
}

// mergeFollow tells the builder, at the end of a block or if frame, which
// variables the frame assigned: the follow block reads every other one in
// the block the frame was opened in.
func (t *translator) mergeFollow(fr *frame) {
	if fr.entry == nil || (fr.kind != frameBlock && fr.kind != frameIf && fr.kind != frameElse) {
		return
	}
	t.b.MergeVars(fr.follow, fr.entry, t.assigned.log[fr.logStart:])
}
