package backend

// OperandKind says whether an operand reads, writes or both.
type OperandKind uint8

const (
	// Use reads the register before the instruction executes.
	Use OperandKind = iota
	// Def writes the register.
	Def
	// Mod reads and writes the same register (x86 "add dst, src" on dst):
	// the virtual register's old value is read, its new value written back.
	Mod
)

// Constraint says where an operand may live.
type Constraint uint8

const (
	// AnyReg is any allocatable register of the operand's class.
	AnyReg Constraint = iota
	// FixedReg is one particular physical register (Operand.Fixed).
	FixedReg
	// ReuseInput (defs only) is the register of use operand Operand.Reuse:
	// the instruction overwrites that input (two-address forms).
	ReuseInput
	// RegOrStack (uses only) is a register or the value's spill slot: for
	// instructions that accept a memory operand.
	RegOrStack
)

// Operand is one register operand of an instruction (12 bytes: the
// allocator's passes stream through every operand of a function).
type Operand struct {
	VReg VReg
	// Reuse is the index of the use operand a ReuseInput def overwrites.
	Reuse      int32
	Kind       OperandKind
	Constraint Constraint
	// Fixed is the register of a FixedReg operand.
	Fixed PReg
	// Early marks a def written before the instruction's uses are read
	// (early clobber, scratch temporaries): it never shares a use's register.
	Early bool
}

// OperandVisitor collects an instruction's operands in order.
type OperandVisitor struct {
	ops []Operand
}

// Reset empties the visitor for reuse.
func (v *OperandVisitor) Reset() { v.ops = v.ops[:0] }

// List returns the operands reported so far.
func (v *OperandVisitor) List() []Operand { return v.ops }

// Add reports an operand in its general form.
func (v *OperandVisitor) Add(op Operand) { v.ops = append(v.ops, op) }

// Use reports a read of r in any register.
func (v *OperandVisitor) Use(r VReg) { v.Add(Operand{VReg: r, Kind: Use}) }

// UseFixed reports a read of r that must be in physical register p.
func (v *OperandVisitor) UseFixed(r VReg, p PReg) {
	v.Add(Operand{VReg: r, Kind: Use, Constraint: FixedReg, Fixed: p})
}

// UseRegOrStack reports a read of r that may come from its spill slot.
func (v *OperandVisitor) UseRegOrStack(r VReg) {
	v.Add(Operand{VReg: r, Kind: Use, Constraint: RegOrStack})
}

// Def reports a write of r to any register.
func (v *OperandVisitor) Def(r VReg) { v.Add(Operand{VReg: r, Kind: Def}) }

// DefFixed reports a write of r into physical register p.
func (v *OperandVisitor) DefFixed(r VReg, p PReg) {
	v.Add(Operand{VReg: r, Kind: Def, Constraint: FixedReg, Fixed: p})
}

// DefReuse reports a write of r into the register of use operand input.
func (v *OperandVisitor) DefReuse(r VReg, input int) {
	v.Add(Operand{VReg: r, Kind: Def, Constraint: ReuseInput, Reuse: int32(min(max(input, -1), 1<<31-1))})
}

// DefEarly reports a write of r that happens before the uses are read (a
// scratch register or an early-clobbered output).
func (v *OperandVisitor) DefEarly(r VReg) { v.Add(Operand{VReg: r, Kind: Def, Early: true}) }

// ModReg reports a read-modify-write of r in any register.
func (v *OperandVisitor) ModReg(r VReg) { v.Add(Operand{VReg: r, Kind: Mod}) }
