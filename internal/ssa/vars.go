package ssa

import "slices"

// This file builds SSA form for variables (Braun et al. 2013). A read of a
// variable in a block without a local definition looks through the
// predecessors: one predecessor is read directly; several (or an unsealed
// block, whose predecessors are not all known yet) get a new block
// parameter whose arguments are the reads in each predecessor. A parameter
// whose arguments are all the same value (or itself) is trivial: it is
// removed, every branch loses the matching argument, and the parameters
// that used it are rechecked.

// DeclareVar declares a variable of type t.
func (b *Builder) DeclareVar(t Type) Variable {
	b.vars = append(b.vars, t)
	b.lastDef = append(b.lastDef, blockDef{})
	b.defs.declared(len(b.vars))
	return Variable(len(b.vars) - 1)
}

// DefVar assigns val to v in the current block.
func (b *Builder) DefVar(v Variable, val Value) {
	if v < 0 || int(v) >= len(b.vars) {
		b.fail("DefVar: undeclared variable %d", v)
		return
	}
	if b.cur == nil {
		b.fail("DefVar: no current block")
		return
	}
	val = b.resolve(val)
	if t := b.f.ValueType(val); t != b.vars[v] {
		b.fail("DefVar: variable %d has type %s, value %s has type %s", v, b.vars[v], val, t)
		return
	}
	b.writeVar(v, b.cur, val)
}

// UseVar reads v in the current block.
func (b *Builder) UseVar(v Variable) Value {
	if v < 0 || int(v) >= len(b.vars) {
		b.fail("UseVar: undeclared variable %d", v)
		return NoValue
	}
	if b.cur == nil {
		b.fail("UseVar: no current block")
		return NoValue
	}
	return b.readVar(v, b.cur)
}

// SealBlock declares that every predecessor of blk is known: no branch to
// blk will be added. Parameters added for variable reads get their
// arguments now.
func (b *Builder) SealBlock(blk *Block) {
	st := b.state(blk)
	if st.sealed {
		return
	}
	st.sealed = true
	pending := st.incomplete
	st.incomplete = nil
	for _, p := range pending {
		b.addParamOperands(p.v, p.param, blk)
	}
}

// MergeVars completes a sealed join block whose every path from dom (a
// block dominating it) assigns only the variables in assigned: each of
// those gets its value in blk when it is first read there or after it
// (a parameter when the predecessors disagree), and every other variable
// read in blk is read in dom instead, without a parameter and without
// walking the paths in between. For structured code (a Wasm block or if
// and its end) this keeps SSA construction linear: without it, a variable
// live across many joins gains, at each of them, a parameter found
// trivial only after reading both sides, and a table entry. A variable
// assigned again before any read after the join (code compiled from Go
// reuses its locals as registers) costs no parameter, nor reads in the
// predecessors. assigned may repeat variables.
func (b *Builder) MergeVars(blk, dom *Block, assigned []Variable) {
	st := b.state(blk)
	if !st.sealed {
		b.fail("MergeVars: block%d is not sealed", blk.ID)
		return
	}
	if len(st.preds) < 2 {
		return // the linear path already reads through it
	}
	for _, v := range assigned {
		if _, ok := b.blockDef(blk, v); !ok {
			// Not through writeVar: lastDef keeps the variable's latest
			// value, which reads in its block still take (the fast
			// path of readVar skips pending definitions anyway).
			b.defs.set(blk, v, mergePending)
			st.defMask |= varBit(v)
		}
	}
	st.dom = dom
}

// The definitions MergeVars leaves in a join for the variables it merges
// on first read: mergePending until then, mergeReading while the
// predecessors are read (a read that comes round a loop to the join then
// makes the parameter).
const (
	mergePending Value = -2 - iota
	mergeReading
)

// maxMergeDepth bounds the merges nested in one another (a join's reads
// reaching a join that is pending too, and so on back: a local assigned in
// each of a million ifs in a row and read after them): past it a join
// gets a parameter whose arguments are read once the outermost merge is
// done, so the Go stack stays small whatever the chain.
const maxMergeDepth = 256

// deferredMerge is a parameter of blk for v whose arguments are still to
// read: until then each branch into blk passes the parameter itself, which
// holds its place among the arguments.
type deferredMerge struct {
	v     Variable
	blk   *Block
	param Value
}

// mergeVar gives variable v its value in blk, a join MergeVars left it
// pending in: the value every predecessor has, or a parameter taking
// theirs.
func (b *Builder) mergeVar(v Variable, blk *Block) Value {
	if b.mergeDepth >= maxMergeDepth {
		return b.deferMerge(v, blk)
	}
	b.mergeDepth++
	val := b.mergeVarReading(v, blk)
	b.mergeDepth--
	if b.mergeDepth == 0 && len(b.deferred) > 0 {
		b.completeDeferred()
		val = b.resolve(val)
	}
	return val
}

// deferMerge gives blk a parameter for v with its arguments to come.
func (b *Builder) deferMerge(v Variable, blk *Block) Value {
	param := b.newVarParam(v, blk)
	for _, e := range b.state(blk).preds {
		call := &e.term.Targets[e.slot]
		call.Args = appendValue(&b.f.valueArena, call.Args, param)
	}
	b.writeVar(v, blk, param)
	b.deferred = append(b.deferred, deferredMerge{v, blk, param})
	return param
}

// completeDeferred reads the arguments of the parameters deferMerge made,
// first made first (reads may defer more, each a merge chain of its own).
func (b *Builder) completeDeferred() {
	b.mergeDepth++ // no nested call: this loop takes what the reads defer
	for i := 0; i < len(b.deferred); i++ {
		d := b.deferred[i]
		start := len(b.mergeArgs)
		for j := range b.state(d.blk).preds { // (reads may move the states)
			arg := b.readVar(d.v, b.state(d.blk).preds[j].pred)
			b.mergeArgs = append(b.mergeArgs, arg)
		}
		args := b.mergeArgs[start:]
		if blk, idx := b.f.ValueBlockParam(d.param); blk == d.blk {
			for j, e := range b.state(blk).preds {
				call := &e.term.Targets[e.slot]
				call.Args[idx] = args[j]
				b.addUser(args[j], d.param)
			}
			b.tryRemoveTrivialParam(d.param)
		}
		b.mergeArgs = b.mergeArgs[:start]
	}
	b.deferred = b.deferred[:0]
	b.mergeDepth--
}

// mergeVarReading is mergeVar's merge.
func (b *Builder) mergeVarReading(v Variable, blk *Block) Value {
	b.defs.set(blk, v, mergeReading)
	// Read v in every predecessor first: when they agree (most variables
	// a frame assigns on one path only), blk takes that value with no
	// parameter to add and find trivial. The reads may merge v in other
	// joins, each with its reads above these on the stack.
	start := len(b.mergeArgs)
	for i := range b.state(blk).preds { // (reads may move the states)
		arg := b.readVar(v, b.state(blk).preds[i].pred)
		b.mergeArgs = append(b.mergeArgs, arg)
	}
	args := b.mergeArgs[start:]
	defer func() { b.mergeArgs = b.mergeArgs[:start] }()
	var val Value
	switch def, _ := b.defs.get(blk, v); {
	case def != mergeReading:
		// A read came round a cycle through blk and made a parameter,
		// the only one of blk's made meanwhile (reads read v alone).
		val = b.addMergeOperands(blk, def, args)
	case allSame(args):
		val = args[0]
	default:
		val = b.addMergeOperands(blk, b.newVarParam(v, blk), args)
	}
	b.writeVar(v, blk, val)
	return b.resolve(val)
}

// addMergeOperands passes args, one per predecessor of blk, to blk's
// parameter param, and returns it unless it is trivial.
func (b *Builder) addMergeOperands(blk *Block, param Value, args []Value) Value {
	for i, e := range b.state(blk).preds {
		call := &e.term.Targets[e.slot]
		call.Args = appendValue(&b.f.valueArena, call.Args, args[i])
		b.addUser(args[i], param)
	}
	return b.tryRemoveTrivialParam(param)
}

// allSame reports whether every value of vals is vals[0].
func allSame(vals []Value) bool {
	for _, v := range vals[1:] {
		if v != vals[0] {
			return false
		}
	}
	return true
}

// Work is the number of steps variable reads have walked and of parameters
// added for variables since Reset: with the rest of construction linear in
// the instructions built, it is what a compile budget bounds.
func (b *Builder) Work() int64 { return b.work }

// SealLoop seals a loop header whose first predecessor is the edge that
// enters the loop and whose body (every block reaching it through a back
// edge) assigns only the variables in assigned. A parameter added for a
// read of any other variable takes the variable's value on entry, without
// reading it along every back edge first: code compiled from Go has one
// loop around each whole function, entered again by a branch per resume
// point, so that would cost variables × branches.
func (b *Builder) SealLoop(blk *Block, assigned []Variable) {
	st := b.state(blk)
	if st.sealed || len(st.preds) == 0 || len(st.incomplete) == 0 {
		b.SealBlock(blk)
		return
	}
	b.markGen++
	for len(b.varMark) < len(b.vars) {
		b.varMark = append(b.varMark, 0)
	}
	for _, v := range assigned {
		b.varMark[v] = b.markGen
	}
	entry := st.preds[0].pred
	keep := st.incomplete[:0]
	for _, p := range st.incomplete {
		if b.varMark[p.v] == b.markGen {
			keep = append(keep, p)
			continue
		}
		b.work++
		same := b.readVar(p.v, entry)
		if pb, idx := b.f.ValueBlockParam(p.param); pb == blk {
			b.replaceParam(blk, idx, p.param, same)
		}
	}
	st = b.state(blk)
	st.incomplete = keep
	b.SealBlock(blk)
}

// SealAllBlocks seals every block not sealed yet.
func (b *Builder) SealAllBlocks() {
	for _, blk := range b.f.Blocks {
		b.SealBlock(blk)
	}
}

// Finish seals all blocks, rewrites every use of a removed parameter to its
// replacement, deletes the blocks the entry cannot reach (code after a
// branch or trap, whose variable reads may form cycles that only
// unreachable code tolerates) and returns the first misuse recorded, if
// any. Run Verify afterwards for a full check.
func (b *Builder) Finish() error {
	b.SealAllBlocks()
	if len(b.aliases) > 0 {
		b.f.ReplaceUses(b.aliases)
	}
	if b.err == nil {
		if b.f.scratch == nil {
			borrowScratch(b.f)
			defer returnScratch(b.f)
		}
		removeUnreachable(b.f)
	}
	return b.err
}

func (b *Builder) writeVar(v Variable, blk *Block, val Value) {
	if d := &b.defs; d.dense && int(v) < len(d.byVar) && blk.ID < len(d.byVar[v]) {
		d.byVar[v][blk.ID] = val // varDefs.set, in line
	} else {
		d.setSlow(blk, v, val)
	}
	b.lastDef[v] = blockDef{blockDefID(blk), val}
	b.state(blk).defMask |= varBit(v)
}

// varBit is v's bit in builderBlock.defMask.
func varBit(v Variable) uint64 { return 1 << (uint(v) & 63) }

// blockDef is blk's definition of v, if any: the definitions table is
// probed only when the block's mask says it may hold one, which spares
// most of the (missing) probes made while walking predecessors.
func (b *Builder) blockDef(blk *Block, v Variable) (Value, bool) {
	if blk.ID < len(b.blocks) && b.blocks[blk.ID].defMask&varBit(v) == 0 {
		return NoValue, false
	}
	if d := &b.defs; d.dense { // varDefs.get, in line
		if int(v) < len(d.byVar) {
			if l := d.byVar[v]; blk.ID < len(l) {
				val := l[blk.ID]
				return val, val != noDef
			}
		}
		return NoValue, false
	}
	return b.defs.getHashed(blk, v)
}

func (b *Builder) readVar(v Variable, blk *Block) Value {
	if d := b.lastDef[v]; d.blk == blockDefID(blk) && d.val > mergePending {
		return b.resolve(d.val)
	}
	if val, ok := b.blockDef(blk, v); ok {
		switch val {
		case mergePending:
			return b.mergeVar(v, blk)
		case mergeReading:
			param := b.newVarParam(v, blk)
			b.writeVar(v, blk, param)
			return param
		}
		return b.resolve(val)
	}
	if val, ok := b.readLinearPath(v, blk); ok {
		return val
	}
	return b.readVarRecursive(v, blk)
}

// readLinearPath is the common case of readVarRecursive without its
// recursion and bookkeeping: it walks up a chain of sealed
// single-predecessor blocks (code after br_if, then-arms) to the first
// block that defines v or needs the general treatment, reads v there, and
// records the result only in blk. The blocks in between gain no entry:
// reads there (rarer) walk again and find the same value. A cycle (only
// in unreachable code) makes it give up, leaving the general path to
// handle blk with no side effect done.
//
// A join completed by MergeVars is walked through the same way, to its
// dominator, for the variables it does not define.
func (b *Builder) readLinearPath(v Variable, blk *Block) (Value, bool) {
	b.walkGen++
	cur := blk
	for {
		st := b.state(cur)
		next := (*Block)(nil)
		switch {
		case !st.sealed:
		case len(st.preds) == 1:
			next = st.preds[0].pred
		case st.dom != nil:
			next = st.dom
		}
		if next == nil {
			break
		}
		b.work++
		st.walkGen = b.walkGen
		cur = next
		if d := b.lastDef[v]; d.blk == blockDefID(cur) {
			break
		}
		if _, ok := b.blockDef(cur, v); ok {
			break
		}
		if b.blocks[cur.ID].walkGen == b.walkGen {
			return NoValue, false
		}
	}
	if cur == blk {
		return NoValue, false
	}
	val := b.readVar(v, cur)
	b.writeVar(v, blk, val)
	return b.resolve(val), true
}

func (b *Builder) readVarRecursive(v Variable, blk *Block) Value {
	st := b.state(blk)
	var val Value
	switch {
	case !st.sealed:
		val = b.newVarParam(v, blk)
		st = b.state(blk)
		st.incomplete = append(st.incomplete, varParam{v, val})
	case len(st.preds) == 0:
		// Only the entry block or an unreachable block gets here: the
		// variable was never assigned on the way, so it holds zero.
		val = b.zeroAtTop(blk, b.vars[v])
	case len(st.preds) == 1 && !b.isReading(blk, v):
		// An unreachable cycle of single-predecessor blocks would loop
		// forever here; the reading mark sends the second visit to the
		// parameter case below, which ends the walk.
		b.reading.set(blk, v, 1)
		val = b.readVar(v, st.preds[0].pred)
		b.reading.set(blk, v, 0)
	default:
		param := b.newVarParam(v, blk)
		b.writeVar(v, blk, param) // breaks cycles through loops
		val = b.addParamOperands(v, param, blk)
	}
	b.writeVar(v, blk, val)
	return b.resolve(val)
}

func (b *Builder) newVarParam(v Variable, blk *Block) Value {
	b.work++
	p := b.f.AddBlockParam(blk, b.vars[v])
	b.state(blk).numVarParams++
	if int(p) >= len(b.varOf) {
		b.varOf = extend(b.varOf, max(int(p)+1, b.f.NumValues()), -1)
	}
	b.varOf[p] = v
	return p
}

func (b *Builder) isReading(blk *Block, v Variable) bool {
	r, ok := b.reading.get(blk, v)
	return ok && r != 0
}

// isVarParam reports whether v is a block parameter added for a variable
// (and not removed since).
func (b *Builder) isVarParam(v Value) bool {
	return v >= 0 && int(v) < len(b.varOf) && b.varOf[v] >= 0
}

func (b *Builder) addUser(v, user Value) {
	if v < 0 {
		return
	}
	if int(v) >= len(b.users) {
		b.users = extend(b.users, max(int(v)+1, b.f.NumValues()), nil)
	}
	b.users[v] = appendValue(&b.userArena, b.users[v], user)
}

// addParamOperands passes, on every edge into blk, the value of v at the
// end of the predecessor as the argument for param.
func (b *Builder) addParamOperands(v Variable, param Value, blk *Block) Value {
	preds := b.state(blk).preds
	for _, e := range preds {
		arg := b.readVar(v, e.pred)
		call := &e.term.Targets[e.slot]
		call.Args = appendValue(&b.f.valueArena, call.Args, arg)
		b.addUser(arg, param)
	}
	return b.tryRemoveTrivialParam(param)
}

// tryRemoveTrivialParam removes param if all its arguments are one value
// (or param itself) and returns that value; otherwise it returns param.
func (b *Builder) tryRemoveTrivialParam(param Value) Value {
	blk, idx := b.f.ValueBlockParam(param)
	if blk == nil {
		return param
	}
	st := b.state(blk)
	same := NoValue
	for _, e := range st.preds {
		args := e.term.Targets[e.slot].Args
		if idx >= len(args) {
			return param // inconsistent arguments; the verifier will say so
		}
		op := b.resolve(args[idx])
		if op == same || op == param {
			continue
		}
		if same != NoValue {
			return param
		}
		same = op
	}
	if same == NoValue {
		// Reachable only through itself: the block is unreachable.
		same = b.zeroAtTop(blk, b.f.ValueType(param))
	}

	b.replaceParam(blk, idx, param, same)
	return same
}

// replaceParam removes param, blk's parameter idx, from the block and from
// the branches that already pass it, makes its uses read same, and
// rechecks the variable parameters it was an argument of.
func (b *Builder) replaceParam(blk *Block, idx int, param, same Value) {
	st := b.state(blk)
	b.f.RemoveBlockParam(blk, idx)
	for _, e := range st.preds {
		call := &e.term.Targets[e.slot]
		if idx < len(call.Args) {
			call.Args = append(call.Args[:idx], call.Args[idx+1:]...)
		}
	}
	if b.isVarParam(param) {
		b.varOf[param] = -1
		st.numVarParams--
	}
	b.f.values[param].block = nil
	b.setAlias(param, same)

	var users []Value
	if int(param) < len(b.users) {
		users = b.users[param]
		b.users[param] = nil
	}
	for _, u := range users {
		b.addUser(same, u)
	}
	for _, u := range users {
		u = b.resolve(u)
		if u == param || u == same {
			continue
		}
		if ub, _ := b.f.ValueBlockParam(u); ub != nil {
			if b.isVarParam(u) && b.state(ub).sealed {
				b.tryRemoveTrivialParam(u)
			}
		}
	}
}

// extend lengthens s to n elements, the new ones fill, in one step
// rather than one append per element.
func extend[T any](s []T, n int, fill T) []T {
	old := len(s)
	if n <= old {
		return s
	}
	s = slices.Grow(s, n-old)[:n]
	for i := old; i < n; i++ {
		s[i] = fill
	}
	return s
}

func (b *Builder) setAlias(from, to Value) {
	if int(from) >= len(b.aliases) {
		b.aliases = extend(b.aliases, max(int(from)+1, b.f.NumValues()), NoValue)
	}
	b.aliases[from] = to
}

// zeroAtTop is the zero of type t: the pool's constant for a scalar, a
// vconst inserted at the start of blk for a vector.
func (b *Builder) zeroAtTop(blk *Block, t Type) Value {
	switch t {
	case I32, I64:
		return b.f.PoolConst(OpIconst, t, 0)
	case F32:
		return b.f.PoolConst(OpF32const, 0, 0)
	case F64:
		return b.f.PoolConst(OpF64const, 0, 0)
	case V128:
		in := &Inst{Op: OpVconst, Imm: uint64(b.f.AddConst(Const128{}))}
		res := b.f.MakeResults(in)
		blk.InsertBefore(0, in)
		return res[0]
	}
	b.fail("variable of type %s read before any assignment", t)
	return b.f.PoolConst(OpIconst, I64, 0)
}
