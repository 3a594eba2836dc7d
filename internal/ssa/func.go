package ssa

import (
	"github.com/moat-run/moat/internal/abi"
)

// Func is one function in SSA form.
type Func struct {
	Name string
	Sig  Signature
	// Sigs are the signatures that call and call_indirect refer to by SigRef.
	Sigs []Signature
	// Blocks in layout order; Blocks[0] is the entry block, whose
	// parameters are the function's parameters.
	Blocks []*Block
	// Consts are the 128-bit constants that vconst and shuffle refer to
	// by index (see AddConst).
	Consts []Const128

	values    []valueData
	pool      constPool // the scalar constants (constpool.go)
	constIdx  map[Const128]uint32
	nextBlock int
	// trapnzs counts the trapnz instructions made for f (Builder.Trapnz,
	// the parser; no pass makes one): BCE, which removes only trapnz
	// implied by another, has nothing to do with fewer than two.
	trapnzs int
	scratch *passScratch

	instArena  chunkArena[Inst]
	valueArena chunkArena[Value]
	blockArena chunkArena[Block]
	callArena  chunkArena[BlockCall]
	// instListArena holds the blocks' instruction lists as the builder
	// grows them.
	instListArena chunkArena[*Inst]
}

// Block is a basic block: typed parameters, then instructions, the last of
// which (once the block is complete) is its only terminator.
type Block struct {
	ID     int // unique in the function; printed as blockID
	Params []Value
	Insts  []*Inst
}

// Inst is one instruction. Which immediate fields are meaningful depends on
// Op (see the opcode table); the others are zero.
type Inst struct {
	// The small fields come first, packed into 32 bytes (every pass walks
	// the instructions: 112 bytes each, not 120 as in declaration order).
	Op      Opcode
	Type    Type         // controlling type, for opcodes printed as name.T
	IntCC   IntCC        // icmp
	FloatCC FloatCC      // fcmp
	Flags   MemFlags     // loads and stores
	Offset  int32        // loads and stores: added to the address
	Trap    abi.TrapCode // trap, trapz, trapnz
	Sig     SigRef       // call, call_indirect
	Callee  FuncRef      // call
	// Pos is the instruction's source position, a byte offset the front
	// end chose (for Wasm, in the module binary), or 0 when unknown. The
	// back end maps trap sites and call return addresses to it for
	// backtraces; passes keep it on the instructions they keep, and the
	// printer does not show it.
	Pos uint32
	// result holds a one-result instruction's result, so that Results
	// needs no list of its own (MakeResults): it fills what would be
	// padding before Imm. An Inst is never copied by value (a copy's
	// Results would still be the original's).
	result [1]Value

	Imm     uint64 // iconst (zero-extended to 64 bits), f32const/f64const bits
	Args    []Value
	Results []Value
	// Targets are the successors of a branch: jump has one, brif two (then,
	// else), br_table the default first and then the table.
	Targets []BlockCall
}

// BlockCall is a branch target with the arguments for its parameters.
type BlockCall struct {
	Block *Block
	Args  []Value
}

// valueData records a value's type and where it is defined. The small
// fields come last, in what would be padding: 24 bytes rather than 32 in
// declaration order (a function has about one value per byte of code).
type valueData struct {
	block  *Block // for a block parameter
	inst   *Inst  // for an instruction result
	index  int32  // position among the block's params or the inst's results
	typ    Type
	pooled bool // inst is a constant of the pool (constpool.go), in no block
}

// NewFunc returns an empty function with the given name and signature.
func NewFunc(name string, sig Signature) *Func {
	return &Func{Name: name, Sig: sig}
}

// NewBlock adds an empty block at the end of the layout.
func (f *Func) NewBlock() *Block {
	b := &f.blockArena.take(1)[0]
	b.ID = f.nextBlock
	f.nextBlock++
	f.Blocks = append(f.Blocks, b)
	return b
}

// NumBlockIDs is one more than the largest block ID ever handed out: the
// size for tables indexed by Block.ID.
func (f *Func) NumBlockIDs() int { return f.nextBlock }

// NumValues is the size of the value table: the size for tables indexed by
// Value. Some entries may be unused (values of removed instructions).
func (f *Func) NumValues() int { return len(f.values) }

// ValueType is the type of v, or TypeInvalid if v is not a value of f.
func (f *Func) ValueType(v Value) Type {
	if v < 0 || int(v) >= len(f.values) {
		return TypeInvalid
	}
	return f.values[v].typ
}

// ValueInst is the instruction that defines v and v's position among its
// results, or nil if v is a block parameter (or unknown).
func (f *Func) ValueInst(v Value) (*Inst, int) {
	if v < 0 || int(v) >= len(f.values) {
		return nil, 0
	}
	d := &f.values[v]
	return d.inst, int(d.index)
}

// ValueBlockParam is the block whose parameter v is and v's position, or
// nil if v is an instruction result (or unknown).
func (f *Func) ValueBlockParam(v Value) (*Block, int) {
	if v < 0 || int(v) >= len(f.values) {
		return nil, 0
	}
	d := &f.values[v]
	return d.block, int(d.index)
}

// IntConst reports the value of v if an iconst defines it.
func (f *Func) IntConst(v Value) (uint64, bool) {
	in, _ := f.ValueInst(v)
	if in != nil && in.Op == OpIconst {
		return in.Imm, true
	}
	return 0, false
}

func (f *Func) newValue(t Type) Value {
	f.values = append(f.values, valueData{typ: t})
	return Value(len(f.values) - 1)
}

// AddBlockParam appends a parameter of type t to b.
func (f *Func) AddBlockParam(b *Block, t Type) Value {
	v := f.newValue(t)
	f.values[v].block = b
	f.values[v].index = int32(len(b.Params))
	b.Params = appendValue(&f.valueArena, b.Params, v)
	return v
}

// RemoveBlockParam removes b's parameter at index i. Callers remove the
// matching argument from every branch to b.
func (f *Func) RemoveBlockParam(b *Block, i int) {
	b.Params = append(b.Params[:i], b.Params[i+1:]...)
	for j := i; j < len(b.Params); j++ {
		f.values[b.Params[j]].index = int32(j)
	}
}

// MakeResults allocates the result values of in according to its opcode's
// result rule (the arguments and immediates must already be set) and
// returns them. It is how the builder and parser create results; a pass
// that builds an Inst by hand calls it too.
func (f *Func) MakeResults(in *Inst) []Value {
	if t, ok := f.resultType(in); ok {
		// Most instructions have one result: no list of types, and the
		// value's record written whole.
		if cap(in.Results) >= 1 {
			in.Results = in.Results[:1]
		} else {
			in.Results = in.result[:]
		}
		f.values = append(f.values, valueData{typ: t, inst: in})
		in.Results[0] = Value(len(f.values) - 1)
		return in.Results
	}
	// Not one result: none (stores, branches, traps) or a call's
	// signature's (resultTypes without asking resultType again).
	var types []Type
	if in.Op.info().result == resSig && in.Sig >= 0 && int(in.Sig) < len(f.Sigs) {
		types = f.Sigs[in.Sig].Results
	}
	if cap(in.Results) >= len(types) {
		in.Results = in.Results[:len(types)]
	} else {
		in.Results = f.valueList(len(types))
	}
	for i, t := range types {
		v := f.newValue(t)
		f.values[v].inst = in
		f.values[v].index = int32(i)
		in.Results[i] = v
	}
	return in.Results
}

// resultType is the type of in's one result when the table prescribes
// exactly one.
func (f *Func) resultType(in *Inst) (Type, bool) {
	info := in.Op.info()
	switch info.result {
	case resCtrl:
		switch info.imm {
		case immF32:
			return F32, true
		case immF64:
			return F64, true
		}
		return in.Type, true
	case resSame:
		if len(in.Args) > 0 {
			return f.ValueType(in.Args[0]), true
		}
	case resArg1:
		if len(in.Args) > 1 {
			return f.ValueType(in.Args[1]), true
		}
	case resI32:
		return I32, true
	case resV128:
		return V128, true
	case resLane:
		return in.Shape().ScalarType(), true
	}
	return TypeInvalid, false
}

// resultTypes computes the result types the table prescribes for in.
func (f *Func) resultTypes(in *Inst) []Type {
	if t, ok := f.resultType(in); ok {
		return oneType(t)
	}
	if info := in.Op.info(); info.result == resSig && in.Sig >= 0 && int(in.Sig) < len(f.Sigs) {
		return f.Sigs[in.Sig].Results
	}
	return nil
}

// allTypes holds every Type once, so oneType can return a one-element
// list without allocating.
var allTypes = [256]Type{}

func init() {
	for i := range allTypes {
		allTypes[i] = Type(i)
	}
}

func oneType(t Type) []Type { return allTypes[t : t+1 : t+1] }

// setResult records that in now defines v at position i (used when a pass
// moves a value's definition to another instruction).
func (f *Func) setResult(in *Inst, i int, v Value) {
	f.values[v].inst = in
	f.values[v].block = nil
	f.values[v].index = int32(i)
}

// AddSig appends a signature to Sigs and returns its reference. Identical
// signatures share one entry.
func (f *Func) AddSig(s Signature) SigRef {
	for i, t := range f.Sigs {
		if equalTypes(t.Params, s.Params) && equalTypes(t.Results, s.Results) {
			return SigRef(i)
		}
	}
	f.Sigs = append(f.Sigs, s)
	return SigRef(len(f.Sigs) - 1)
}

// Entry is the entry block, or nil for an empty function.
func (f *Func) Entry() *Block {
	if len(f.Blocks) == 0 {
		return nil
	}
	return f.Blocks[0]
}

// Terminator is b's last instruction if it is a terminator, else nil.
func (b *Block) Terminator() *Inst {
	if n := len(b.Insts); n > 0 && b.Insts[n-1].Op.IsTerminator() {
		return b.Insts[n-1]
	}
	return nil
}

// Succs appends b's successor blocks (with repeats, in target order) to dst.
func (b *Block) Succs(dst []*Block) []*Block {
	if t := b.Terminator(); t != nil {
		for _, c := range t.Targets {
			dst = append(dst, c.Block)
		}
	}
	return dst
}

// IsPure reports whether in may be removed when unused, merged with an
// identical dominating instruction, and (unless it can fault) moved.
func (in *Inst) IsPure() bool {
	fl := in.Op.flags()
	if fl&(flagSideEffect|flagTraps|flagReadsMem) == 0 {
		return true
	}
	// A load that cannot trap and reads memory nobody writes is pure.
	return in.Op.IsLoad() && in.Flags&(MemNoTrap|MemReadOnly) == MemNoTrap|MemReadOnly
}

// IsRemovableIfUnused reports whether in may be deleted when none of its
// results is used.
func (in *Inst) IsRemovableIfUnused() bool {
	fl := in.Op.flags()
	if fl&(flagSideEffect|flagTraps) == 0 {
		return true
	}
	return in.Op.IsLoad() && in.Flags&MemNoTrap != 0
}

// IsMergeable reports whether in may be replaced by an identical
// instruction that dominates it (GVN): pure values, trapping conversions
// (the dominating twin would have trapped first) and read-only loads.
func (in *Inst) IsMergeable() bool {
	fl := in.Op.flags()
	if fl&flagSideEffect != 0 {
		return false
	}
	if fl&flagReadsMem != 0 {
		return in.Flags&MemReadOnly != 0
	}
	return true
}

// IsMovable reports whether in may be executed speculatively elsewhere
// (hoisted out of a loop): pure and unable to fault on any input.
func (in *Inst) IsMovable() bool {
	return in.IsPure() && in.Op.flags()&flagCanFault == 0
}

// forEachUse calls fn with a pointer to every value operand of in,
// including block-call arguments, so fn can read or rewrite it.
func (in *Inst) forEachUse(fn func(*Value)) {
	for i := range in.Args {
		fn(&in.Args[i])
	}
	for t := range in.Targets {
		args := in.Targets[t].Args
		for i := range args {
			fn(&args[i])
		}
	}
}

// ReplaceUses rewrites every operand of every instruction in f through
// subst: an operand v with subst[v] != NoValue becomes subst[v], followed
// transitively. subst is indexed by Value; shorter tables leave the rest.
func (f *Func) ReplaceUses(subst []Value) {
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			in.substituteUses(subst)
		}
	}
}

// substituteUses rewrites in's operands through subst as ReplaceUses
// does, and reports whether it changed any. (Loops rather than
// forEachUse: this runs for every instruction in several passes.)
func (in *Inst) substituteUses(subst []Value) (changed bool) {
	// Most operands have no entry: one test each (a negative value
	// converts to a huge index) before the walk through the table.
	for i, a := range in.Args {
		if uint(a) < uint(len(subst)) && subst[a] != NoValue {
			if s := substitute(subst, a); s != a {
				in.Args[i], changed = s, true
			}
		}
	}
	for t := range in.Targets {
		args := in.Targets[t].Args
		for i, a := range args {
			if uint(a) < uint(len(subst)) && subst[a] != NoValue {
				if s := substitute(subst, a); s != a {
					args[i], changed = s, true
				}
			}
		}
	}
	return changed
}

// hasEqualOperands reports whether two of in's arguments are the same
// value, or in is a brif (whose two targets may be the same call): what
// Fold simplifies once substitution has made operands equal.
func (in *Inst) hasEqualOperands() bool {
	switch len(in.Args) {
	case 2:
		return in.Args[0] == in.Args[1]
	case 3:
		return in.Args[0] == in.Args[1] || in.Args[1] == in.Args[2] || in.Args[0] == in.Args[2]
	}
	return in.Op == OpBrif
}

// substitute follows v through subst (at most len(subst) steps, so a
// cyclic table cannot hang).
func substitute(subst []Value, v Value) Value {
	for n := 0; v >= 0 && int(v) < len(subst) && subst[v] != NoValue && n < len(subst); n++ {
		v = subst[v]
	}
	return v
}

// InsertBefore inserts in into b before position i and records b's new
// results; in.Results must already be made.
func (b *Block) InsertBefore(i int, in *Inst) {
	b.Insts = append(b.Insts, nil)
	copy(b.Insts[i+1:], b.Insts[i:])
	b.Insts[i] = in
}

// UseCounts returns, indexed by Value, how many operands (arguments and
// block-call arguments) in f refer to each value. The back end uses it to
// decide whether folding a value into its single user is worthwhile.
func (f *Func) UseCounts() []int32 {
	counts := make([]int32, len(f.values))
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			in.forEachUse(func(p *Value) {
				if *p >= 0 && int(*p) < len(counts) {
					counts[*p]++
				}
			})
		}
	}
	return counts
}
