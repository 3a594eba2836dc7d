package ssa

import (
	"fmt"
	"math"

	"github.com/moat-run/moat/internal/abi"
)

// Builder appends instructions to a function, one current block at a time,
// and builds SSA form for mutable variables (DeclareVar, DefVar, UseVar)
// following Braun et al., "Simple and Efficient Construction of Static
// Single Assignment Form" (2013): block parameters are added on demand and
// trivial ones removed.
//
// Misuse (emitting into a sealed-and-terminated block, branching to a
// sealed block, wrong argument counts) is recorded rather than panicking:
// Err reports the first problem, and Finish returns it.
type Builder struct {
	f   *Func
	cur *Block
	// open: cur is a block without a terminator (SwitchToBlock sets it,
	// insertOpen clears it when it appends a terminator), so that
	// appending asks no more.
	open bool
	err  error

	blocks  []builderBlock // indexed by Block.ID
	vars    []Type         // declared variables
	aliases []Value        // removed trivial params -> replacement (NoValue: none)
	defs    varDefs        // each block's current value of each variable
	// lastDef caches, by variable, its latest write: most reads are in the
	// block that last wrote the variable, and skip the table.
	lastDef []blockDef
	reading varDefs // reads in progress through a single predecessor (value 1)
	// varOf is, by Value, the variable a block parameter was added for,
	// or -1; users, by Value, the variable parameters it is an argument of.
	varOf     []Variable
	users     [][]Value
	userArena chunkArena[Value] // storage of the users lists
	pos       uint32            // source position given to inserted instructions
	walkGen   uint32            // numbers readLinearPath walks, to spot cycles
	// switches counts the blocks switched to (builderBlock.switchedAt);
	// layoutScratch and layoutOut are LayoutBySwitch's memory.
	switches      int32
	layoutScratch []*Block
	layoutOut     []*Block
	// varMark and markGen mark the variables SealLoop was given.
	varMark []uint32
	markGen uint32
	// mergeArgs holds the reads in each predecessor of the joins being
	// merged (mergeVar), a window per join, innermost last.
	mergeArgs []Value
	// mergeDepth counts the merges in progress (each nested in the one
	// before it); deferred holds the parameters made instead of merging
	// deeper than maxMergeDepth, their arguments still to read.
	mergeDepth int
	deferred   []deferredMerge
	// local numbers the instructions of the current block and of the
	// blocks known to dominate it, chain (builder_local.go).
	local localTable
	chain []*Block
	// work counts the steps of variable reads (blocks walked) and the
	// parameters added for variables: the part of SSA construction that
	// is not linear in the instructions built (see Work).
	work int64
}

// blockDef is a variable's latest write: the block by ID plus one (0:
// none; an ID rather than a pointer, so that writing it is a plain store)
// and the value.
type blockDef struct {
	blk int32
	val Value
}

// blockDefID is blk's key in a blockDef.
func blockDefID(blk *Block) int32 { return int32(blk.ID) + 1 }

// builderBlock is the builder's bookkeeping for one block.
type builderBlock struct {
	preds        []edge
	sealed       bool
	incomplete   []varParam // params added while unsealed; operands added at seal
	numVarParams int
	defMask      uint64 // bit v%64 set: the block may define variable v
	walkGen      uint32 // Builder.walkGen of the last linear-path walk through it
	// dom, set by MergeVars, is a dominator of the block in which every
	// variable the block does not define has the value it has here.
	dom *Block
	// switchedAt is 1 + the number of blocks switched to before this one
	// was first, or 0.
	switchedAt int32
	// onChain: the block is on Builder.chain, its numbered instructions
	// available to the current block.
	onChain bool
	// loopHeader: SwitchToLoopHeader was given the block, so the source
	// of its first predecessor dominates it.
	loopHeader bool
}

// edge is one branch into a block: target Targets[slot] of pred's terminator.
type edge struct {
	pred *Block
	term *Inst
	slot int
}

type varParam struct {
	v     Variable
	param Value
}

// Variable is a mutable local that the builder turns into SSA values.
type Variable int32

// NewBuilder returns a builder that appends to f.
func NewBuilder(f *Func) *Builder {
	b := &Builder{}
	b.Reset(f)
	return b
}

// Reset makes b a new builder for f, keeping its storage: a compiler
// worker reuses one builder for all the functions it translates.
func (b *Builder) Reset(f *Func) {
	b.f, b.cur, b.open, b.err, b.pos, b.work, b.switches = f, nil, false, nil, 0, 0, 0
	b.local.forget()
	clear(b.layoutOut)
	for i := range b.blocks {
		st := &b.blocks[i]
		clear(st.preds)
		*st = builderBlock{preds: st.preds[:0], incomplete: st.incomplete[:0]}
	}
	b.blocks = b.blocks[:0]
	b.vars = b.vars[:0]
	clear(b.lastDef)
	b.lastDef = b.lastDef[:0]
	b.aliases = b.aliases[:0]
	b.mergeDepth, b.deferred = 0, b.deferred[:0]
	b.chain = b.chain[:0]
	b.defs.reset()
	b.reading.hashOnly = true // rare, and never told of the declarations
	b.reading.reset()
	b.varOf = b.varOf[:0]
	clear(b.users)
	b.users = b.users[:0]
	b.userArena.reset()
	for _, blk := range f.Blocks {
		b.state(blk)
	}
}

// ExpectVarDefs tells the builder, just after Reset, that the function
// will define variables in about n (block, variable) pairs, so that its
// table of definitions starts at that size rather than growing to it.
func (b *Builder) ExpectVarDefs(n int) { b.defs.expect(n) }

// SetPos sets the source position (Inst.Pos) of the instructions inserted
// from now on that do not carry one; 0 means unknown.
func (b *Builder) SetPos(pos uint32) { b.pos = pos }

// Func is the function being built.
func (b *Builder) Func() *Func { return b.f }

// Err is the first misuse recorded, or nil.
func (b *Builder) Err() error { return b.err }

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("ssa builder: "+format, args...)
	}
}

func (b *Builder) state(blk *Block) *builderBlock {
	for len(b.blocks) <= blk.ID {
		// Reslicing within capacity keeps a reset builder's edge lists.
		if n := len(b.blocks); n < cap(b.blocks) {
			b.blocks = b.blocks[:n+1]
		} else {
			b.blocks = append(b.blocks, builderBlock{})
		}
	}
	return &b.blocks[blk.ID]
}

// CreateBlock adds a new empty block.
func (b *Builder) CreateBlock() *Block {
	blk := b.f.NewBlock()
	b.state(blk)
	return blk
}

// CreateEntryBlock adds the entry block with one parameter per function
// parameter, switches to it and seals it (nothing branches to the entry).
func (b *Builder) CreateEntryBlock() *Block {
	if len(b.f.Blocks) != 0 {
		b.fail("CreateEntryBlock: the function already has blocks")
	}
	blk := b.CreateBlock()
	for _, t := range b.f.Sig.Params {
		b.f.AddBlockParam(blk, t)
	}
	b.SwitchToBlock(blk)
	b.SealBlock(blk)
	return blk
}

// AppendBlockParam adds a parameter of type t to blk. Explicit parameters
// must be added before any branch to blk is emitted.
func (b *Builder) AppendBlockParam(blk *Block, t Type) Value {
	if st := b.state(blk); len(st.preds) > 0 || st.numVarParams > 0 {
		b.fail("AppendBlockParam: block%d already has predecessors or variable parameters", blk.ID)
	}
	return b.f.AddBlockParam(blk, t)
}

// SwitchToBlock makes blk the block that instructions are appended to.
func (b *Builder) SwitchToBlock(blk *Block) {
	b.cur = blk
	b.open = blk != nil && blk.Terminator() == nil
	if blk != nil {
		if st := b.state(blk); st.switchedAt == 0 {
			b.switches++
			st.switchedAt = b.switches
		}
	}
	b.enterChain(blk)
}

// SwitchToLoopHeader is SwitchToBlock for a loop header whose one
// predecessor so far enters the loop and whose later ones will all be
// back edges from blocks it dominates (a structured loop's): what the
// block before the loop computed serves the loop's code too.
func (b *Builder) SwitchToLoopHeader(blk *Block) {
	if blk != nil {
		if st := b.state(blk); len(st.preds) == 1 {
			st.loopHeader = true
		}
	}
	b.SwitchToBlock(blk)
}

// LayoutBySwitch puts the function's blocks in the order they were first
// switched to, the blocks never switched to last (in their order). A
// frontend that emits code in source order gets a structured layout from
// it: the arms of an if before the block after it, though that block was
// created first. The register allocator walks blocks in layout order and
// starts each from the state a predecessor it walked ended in, so a join
// laid out before its predecessors would start with every value in memory.
func (b *Builder) LayoutBySwitch() {
	blocks := b.f.Blocks
	byOrder := b.layoutScratch[:0]
	for range blocks {
		byOrder = append(byOrder, nil)
	}
	rest := len(blocks)
	for _, blk := range blocks {
		if at := b.state(blk).switchedAt; at > 0 && int(at) <= len(blocks) && byOrder[at-1] == nil {
			byOrder[at-1] = blk
			rest--
		}
	}
	out := blocks[:0:0]
	if cap(b.layoutOut) >= len(blocks) {
		out = b.layoutOut[:0]
	}
	for _, blk := range byOrder {
		if blk != nil {
			out = append(out, blk)
		}
	}
	if rest > 0 {
		for _, blk := range blocks {
			if at := b.state(blk).switchedAt; at == 0 || int(at) > len(blocks) || byOrder[at-1] != blk {
				out = append(out, blk)
			}
		}
	}
	// The old slice becomes the next call's output buffer.
	b.layoutOut = blocks
	clear(byOrder)
	b.layoutScratch = byOrder
	b.f.Blocks = out
}

// CurrentBlock is the block being appended to.
func (b *Builder) CurrentBlock() *Block { return b.cur }

// IsTerminated reports whether the current block already ends in a terminator.
func (b *Builder) IsTerminated() bool { return b.cur == nil || b.cur.Terminator() != nil }

// resolve follows removed-parameter aliases.
func (b *Builder) resolve(v Value) Value {
	for v >= 0 && int(v) < len(b.aliases) && b.aliases[v] != NoValue {
		v = b.aliases[v]
	}
	return v
}

// Insert appends in to the current block after resolving its arguments,
// allocates its results and returns them. The typed helpers all use it.
func (b *Builder) Insert(in *Inst) []Value {
	if b.open {
		return b.insertOpen(in)
	}
	if b.cur == nil {
		b.fail("%s: no current block", in.Op)
		return b.placeholders(in)
	}
	if b.cur.Terminator() != nil {
		b.fail("%s: block%d is already terminated", in.Op, b.cur.ID)
		return b.placeholders(in)
	}
	return b.insertOpen(in)
}

// insertOpen is Insert into a current block known to be open: there is
// one, and it has no terminator yet.
func (b *Builder) insertOpen(in *Inst) []Value {
	for i, a := range in.Args {
		in.Args[i] = b.resolve(a)
	}
	for t := range in.Targets {
		args := in.Targets[t].Args
		for i, a := range args {
			args[i] = b.resolve(a)
		}
	}
	if in.Pos == 0 {
		in.Pos = b.pos
	}
	res := b.f.MakeResults(in)
	b.f.appendInst(b.cur, in)
	if in.Op.IsTerminator() {
		b.open = false
		for slot, t := range in.Targets {
			b.addEdge(t.Block, edge{pred: b.cur, term: in, slot: slot})
		}
	}
	return res
}

// placeholders gives results for an instruction that could not be placed,
// so a caller that ignores Err still gets well-typed values.
func (b *Builder) placeholders(in *Inst) []Value {
	return b.f.MakeResults(in)
}

func (b *Builder) addEdge(target *Block, e edge) {
	st := b.state(target)
	if st.sealed {
		b.fail("branch from block%d to sealed block%d", e.pred.ID, target.ID)
	}
	st.preds = append(st.preds, e)
}

func (b *Builder) one(in *Inst) Value {
	res := b.Insert(in)
	if len(res) == 0 {
		return NoValue
	}
	return res[0]
}

// newInst takes an instruction with opcode op and a copy of args from the
// function's storage.
func (b *Builder) newInst(op Opcode, args ...Value) *Inst {
	in := b.f.newInst()
	in.Op = op
	in.Args = b.copyArgs(args)
	return in
}

// newInst1 and newInst2 are newInst for one argument and for two, which
// they write in place (newInst's copy calls memmove for each).
func (b *Builder) newInst1(op Opcode, x Value) *Inst {
	in := b.f.newInst()
	in.Op = op
	in.Args = b.f.valueList(1)
	in.Args[0] = x
	return in
}

func (b *Builder) newInst2(op Opcode, x, y Value) *Inst {
	in := b.f.newInst()
	in.Op = op
	args := b.f.valueList(2)
	args[0], args[1] = x, y
	in.Args = args
	return in
}

// Iconst returns the function's integer constant of type t (I32 or I64);
// c is truncated to the width of t. Constants live in the function's pool
// (constpool.go), not in the current block.
func (b *Builder) Iconst(t Type, c int64) Value {
	u := uint64(c)
	if t == I32 {
		u = uint64(uint32(u))
	}
	return b.f.PoolConst(OpIconst, t, u)
}

// F32const returns the function's float32 constant x.
func (b *Builder) F32const(x float32) Value {
	return b.f.PoolConst(OpF32const, 0, uint64(math.Float32bits(x)))
}

// F64const returns the function's float64 constant x.
func (b *Builder) F64const(x float64) Value {
	return b.f.PoolConst(OpF64const, 0, math.Float64bits(x))
}

// Binary emits a two-argument instruction (iadd, fmul, ishl, ...).
func (b *Builder) Binary(op Opcode, x, y Value) Value {
	if !op.numberedLocally() {
		return b.one(b.newInst2(op, x, y))
	}
	k := b.binaryKey(op, x, y)
	v, s := b.lookupLocal(&k)
	if v != NoValue {
		return v
	}
	return b.numbered(b.newInst2(op, x, y), s)
}

// Unary emits a one-argument instruction whose type is its argument's
// (bnot, clz, fneg, sqrt, ...).
func (b *Builder) Unary(op Opcode, x Value) Value {
	return b.one(b.newInst1(op, x))
}

// Convert emits a conversion with result type t (uextend, fcvt_to_sint,
// bitcast, fpromote, ...).
func (b *Builder) Convert(op Opcode, t Type, x Value) Value {
	var s *localSlot
	if op.numberedLocally() {
		k := b.unaryKey(op, t, x)
		var v Value
		if v, s = b.lookupLocal(&k); v != NoValue {
			return v
		}
	}
	in := b.newInst1(op, x)
	in.Type = t
	return b.numbered(in, s)
}

// Icmp emits an integer comparison giving an I32 0 or 1.
func (b *Builder) Icmp(cc IntCC, x, y Value) Value {
	k := b.binaryKey(OpIcmp, x, y)
	k.cc = cc
	v, s := b.lookupLocal(&k)
	if v != NoValue {
		return v
	}
	in := b.newInst2(OpIcmp, x, y)
	in.IntCC = cc
	return b.numbered(in, s)
}

// Fcmp emits a float comparison giving an I32 0 or 1.
func (b *Builder) Fcmp(cc FloatCC, x, y Value) Value {
	in := b.newInst2(OpFcmp, x, y)
	in.FloatCC = cc
	return b.one(in)
}

// Select emits c != 0 ? x : y.
func (b *Builder) Select(c, x, y Value) Value {
	return b.one(b.newInst(OpSelect, c, x, y))
}

// Load emits a load of type t by op (load, uload8, sload16, ...) from
// addr+offset.
func (b *Builder) Load(op Opcode, t Type, addr Value, offset int32, flags MemFlags) Value {
	var s *localSlot
	if flags&MemReadOnly != 0 {
		k := b.unaryKey(op, t, addr)
		k.off, k.flags = offset, flags
		var v Value
		if v, s = b.lookupLocal(&k); v != NoValue {
			return v
		}
	}
	in := b.newInst1(op, addr)
	in.Type, in.Offset, in.Flags = t, offset, flags
	return b.numbered(in, s)
}

// Store emits a store by op (store, istore8, ...) of x to addr+offset.
func (b *Builder) Store(op Opcode, x, addr Value, offset int32, flags MemFlags) {
	in := b.newInst2(op, x, addr)
	in.Offset, in.Flags = offset, flags
	b.Insert(in)
}

// Call emits a direct call of callee with signature sig.
func (b *Builder) Call(callee FuncRef, sig SigRef, args ...Value) []Value {
	in := b.newInst(OpCall, args...)
	in.Callee, in.Sig = callee, sig
	return b.Insert(in)
}

// CallIndirect emits a call through the code address addr.
func (b *Builder) CallIndirect(sig SigRef, addr Value, args ...Value) []Value {
	in := b.newInst(OpCallIndirect)
	in.Args = b.f.valueList(1 + len(args))
	in.Args[0] = addr
	copy(in.Args[1:], args)
	in.Sig = sig
	return b.Insert(in)
}

// TryCall is Call inside exception handler h (see OpTryCall).
func (b *Builder) TryCall(callee FuncRef, sig SigRef, h uint32, args ...Value) []Value {
	in := b.newInst(OpTryCall, args...)
	in.Callee, in.Sig, in.Imm = callee, sig, uint64(h)
	return b.Insert(in)
}

// TryCallIndirect is CallIndirect inside exception handler h.
func (b *Builder) TryCallIndirect(sig SigRef, h uint32, addr Value, args ...Value) []Value {
	in := b.newInst(OpTryCallIndirect)
	in.Args = b.f.valueList(1 + len(args))
	in.Args[0] = addr
	copy(in.Args[1:], args)
	in.Sig, in.Imm = sig, uint64(h)
	return b.Insert(in)
}

// ReturnCall ends the block with a tail call of callee.
func (b *Builder) ReturnCall(callee FuncRef, sig SigRef, args ...Value) {
	in := b.newInst(OpReturnCall, args...)
	in.Callee, in.Sig = callee, sig
	b.Insert(in)
}

// ReturnCallIndirect ends the block with a tail call through addr.
func (b *Builder) ReturnCallIndirect(sig SigRef, addr Value, args ...Value) {
	in := b.newInst(OpReturnCallIndirect)
	in.Args = b.f.valueList(1 + len(args))
	in.Args[0] = addr
	copy(in.Args[1:], args)
	in.Sig = sig
	b.Insert(in)
}

// Trapz emits a trap with code when x is zero.
func (b *Builder) Trapz(x Value, code abi.TrapCode) {
	in := b.newInst1(OpTrapz, x)
	in.Trap = code
	b.Insert(in)
}

// Trapnz emits a trap with code when x is not zero.
func (b *Builder) Trapnz(x Value, code abi.TrapCode) {
	in := b.newInst1(OpTrapnz, x)
	in.Trap = code
	b.f.trapnzs++
	b.Insert(in)
}

// Trap ends the current block with an unconditional trap.
func (b *Builder) Trap(code abi.TrapCode) {
	in := b.newInst(OpTrap)
	in.Trap = code
	b.Insert(in)
}

// Jump ends the current block with a jump to target.
func (b *Builder) Jump(target *Block, args ...Value) {
	in := b.newInst(OpJump)
	in.Targets = b.f.blockCalls(1)
	in.Targets[0] = BlockCall{target, b.copyArgs(args)}
	b.Insert(in)
}

// Brif ends the current block: to thenBlk if c != 0, else to elseBlk.
func (b *Builder) Brif(c Value, thenBlk *Block, thenArgs []Value, elseBlk *Block, elseArgs []Value) {
	in := b.newInst1(OpBrif, c)
	in.Targets = b.f.blockCalls(2)
	in.Targets[0] = BlockCall{thenBlk, b.copyArgs(thenArgs)}
	in.Targets[1] = BlockCall{elseBlk, b.copyArgs(elseArgs)}
	b.Insert(in)
}

// BrTable ends the current block: to table[i] if i < len(table) (unsigned),
// else to def.
func (b *Builder) BrTable(i Value, def BlockCall, table []BlockCall) {
	in := b.newInst(OpBrTable, i)
	in.Targets = b.f.blockCalls(1 + len(table))
	in.Targets[0] = BlockCall{def.Block, b.copyArgs(def.Args)}
	for k, t := range table {
		in.Targets[1+k] = BlockCall{t.Block, b.copyArgs(t.Args)}
	}
	b.Insert(in)
}

// Return ends the current block by returning vals.
func (b *Builder) Return(vals ...Value) {
	b.Insert(b.newInst(OpReturn, vals...))
}

// copyArgs copies a into the function's storage (nil if empty).
func (b *Builder) copyArgs(a []Value) []Value {
	if len(a) == 0 {
		return nil
	}
	c := b.f.valueList(len(a))
	copy(c, a)
	return c
}

// Shorthands for the common opcodes, so frontend code reads like the IR.

func (b *Builder) Iadd(x, y Value) Value { return b.Binary(OpIadd, x, y) }
func (b *Builder) Isub(x, y Value) Value { return b.Binary(OpIsub, x, y) }
func (b *Builder) Imul(x, y Value) Value { return b.Binary(OpImul, x, y) }
func (b *Builder) Udiv(x, y Value) Value { return b.Binary(OpUdiv, x, y) }
func (b *Builder) Sdiv(x, y Value) Value { return b.Binary(OpSdiv, x, y) }
func (b *Builder) Urem(x, y Value) Value { return b.Binary(OpUrem, x, y) }
func (b *Builder) Srem(x, y Value) Value { return b.Binary(OpSrem, x, y) }
func (b *Builder) Band(x, y Value) Value { return b.Binary(OpBand, x, y) }
func (b *Builder) Bor(x, y Value) Value  { return b.Binary(OpBor, x, y) }
func (b *Builder) Bxor(x, y Value) Value { return b.Binary(OpBxor, x, y) }
func (b *Builder) Ishl(x, y Value) Value { return b.Binary(OpIshl, x, y) }
func (b *Builder) Ushr(x, y Value) Value { return b.Binary(OpUshr, x, y) }
func (b *Builder) Sshr(x, y Value) Value { return b.Binary(OpSshr, x, y) }
func (b *Builder) Fadd(x, y Value) Value { return b.Binary(OpFadd, x, y) }
func (b *Builder) Fsub(x, y Value) Value { return b.Binary(OpFsub, x, y) }
func (b *Builder) Fmul(x, y Value) Value { return b.Binary(OpFmul, x, y) }
func (b *Builder) Fdiv(x, y Value) Value { return b.Binary(OpFdiv, x, y) }
func (b *Builder) Bnot(x Value) Value    { return b.Unary(OpBnot, x) }
func (b *Builder) Fneg(x Value) Value    { return b.Unary(OpFneg, x) }

// Uextend zero-extends an I32 to I64.
func (b *Builder) Uextend(x Value) Value { return b.Convert(OpUextend, I64, x) }

// Sextend sign-extends an I32 to I64.
func (b *Builder) Sextend(x Value) Value { return b.Convert(OpSextend, I64, x) }

// Ireduce keeps the low 32 bits of an I64.
func (b *Builder) Ireduce(x Value) Value { return b.Convert(OpIreduce, I32, x) }
