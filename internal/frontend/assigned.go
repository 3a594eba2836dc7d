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
// log[frame.logStart:], each once: a variable is logged the first time a
// frame assigns it (gen tells the frame it was last logged for), and when
// a frame closes its entries pass to the enclosing frame, less those the
// enclosing frame had logged already. So a frame's log is at most its
// distinct variables, however many inner frames assigned them: with
// thousands of nested blocks (Go's resume dispatch), the join after each
// would otherwise go through every assignment of all the blocks inside.
type assigned struct {
	log []ssa.Variable
	// prev, beside each log entry, is loggedIn[v] before the entry was
	// made: the enclosing frame's generation if it had logged v already.
	prev     []int32
	loggedIn []int32 // per variable: gen of the frame it was last logged in
	gen      int32   // the innermost frame's generation
	nextGen  int32
}

func (a *assigned) reset() {
	a.log = a.log[:0]
	a.prev = a.prev[:0]
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
		a.prev = append(a.prev, a.loggedIn[v])
		a.loggedIn[v] = a.gen
		a.log = append(a.log, v)
	}
}

// close ends the innermost frame, whose log starts at logStart, restoring
// the enclosing frame's generation outerGen: the closed frame's variables
// become the enclosing frame's, each kept once.
func (a *assigned) close(logStart int, outerGen int32) {
	a.gen = outerGen
	n := logStart
	for i := logStart; i < len(a.log); i++ {
		v, prev := a.log[i], a.prev[i]
		a.loggedIn[v] = outerGen
		if prev == outerGen {
			continue // logged by the enclosing frame before this one opened
		}
		// prev is what loggedIn[v] held before the enclosing frame
		// logged v, which it now does.
		a.log[n], a.prev[n] = v, prev
		n++
	}
	a.log, a.prev = a.log[:n], a.prev[:n]
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
