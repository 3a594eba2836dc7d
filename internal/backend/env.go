package backend

// MachineEnv describes a target's registers to the allocator.
type MachineEnv struct {
	// Allocatable lists, per class, the registers the allocator may assign,
	// in order of preference (cheap-to-encode and caller-saved first).
	Allocatable [NumClasses][]PReg
	// CalleeSaved are the registers a function must preserve; the allocator
	// reports the ones it wrote so the prologue can save them.
	CalleeSaved RegSet
	// Scratch is, per class, a register outside Allocatable that the
	// allocator may use freely between instructions to break move cycles and
	// to copy a spill slot to another.
	Scratch [NumClasses]PReg
	// SlotSize is the size in bytes of a spill slot of each class (8 for
	// integers, 16 for floats when vectors share the class).
	SlotSize [NumClasses]int
	// NewJump makes an unconditional jump to its block's only successor; the
	// allocator uses it for blocks that hold the moves of a split edge.
	NewJump func() Inst
}

// allocatableSet is the union of Allocatable.
func (e *MachineEnv) allocatableSet() RegSet {
	var s RegSet
	for c := range e.Allocatable {
		for _, r := range e.Allocatable[c] {
			s = s.With(r)
		}
	}
	return s
}
