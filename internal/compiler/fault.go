package compiler

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// fault builds the trap of a hardware fault in this instance's code
// (vm.Runner.Fault), after checking that the code may fault there. Only
// these faults are expected: at a fault site of the class's trap (the
// module's tables list them, whether linked here or loaded from an
// artifact), a load or store compiled without a bounds check touching this
// instance's memory reservation or the ud2 of an unreachable; and a native
// stack overflow into the guard of the stack the store's call borrowed,
// anywhere. Anything else is
// a bug, which the runtime reports with where it happened.
func (st *instance) fault(f *vm.Fault) (*vm.Trap, error) {
	where := func() string { return st.mc.describe(f.PC) }
	code, pos, ok := st.mc.faultSiteAt(f.PC)
	switch f.Class {
	case abi.TrapMemoryOutOfBounds, abi.TrapUnreachable:
		if !ok || code != f.Class {
			return nil, fmt.Errorf("%s is not a fault site of %q", where(), f.Class)
		}
		if f.Class == abi.TrapMemoryOutOfBounds && !st.inMemory(f.Addr) {
			return nil, fmt.Errorf("%s accessed %#x, outside this instance's memory", where(), f.Addr)
		}
	case abi.TrapStackExhausted:
		if ns := st.refs().stack; ns == nil || !ns.InGuard(f.Addr) {
			return nil, fmt.Errorf("%s hit the guard of a stack that is not this run's", where())
		}
	default:
		return nil, fmt.Errorf("no fault of this kind is expected in %s", where())
	}
	return &vm.Trap{Code: f.Class, Frames: st.faultFrames(f.PC, f.BP, pos)}, nil
}

// faultSiteAt returns the fault site at pc (tables.faultAt): the trap a
// fault there means and the wasm position of its instruction.
func (mc *moduleCode) faultSiteAt(pc uintptr) (code abi.TrapCode, pos uint32, ok bool) {
	base := mc.code.Addr()
	if pc < base || pc >= base+uintptr(mc.code.Size()) {
		return 0, 0, false
	}
	return mc.tables.faultAt(int(pc - base))
}

// describe names the code at pc for a report: the function and the offset
// in it, or what else it is.
func (mc *moduleCode) describe(pc uintptr) string {
	base := mc.code.Addr()
	i := mc.funcAt(pc)
	if i < 0 {
		if pc >= base && pc < base+uintptr(mc.code.Size()) {
			return fmt.Sprintf("pc %#x (module code +%#x, outside every function: an entry or poll stub)", pc, pc-base)
		}
		return fmt.Sprintf("pc %#x (outside this module's code)", pc)
	}
	fn := mc.m.NumImportedFuncs + uint32(i)
	name := ""
	if n, ok := mc.m.Names.Funcs[fn]; ok {
		name = " $" + n
	}
	return fmt.Sprintf("pc %#x (wasm function %d%s, +%#x)", pc, fn, name, int(pc-base)-mc.tables.funcStart(i))
}

// inMemory reports whether addr is in the reservation of the instance's
// memory 0, or, once the instance is closed, in the dead memory its code
// addresses instead (close.go).
func (st *instance) inMemory(addr uintptr) bool {
	if mem := st.memory0(); mem != nil && mem.InReservation(addr) {
		return true
	}
	return st.inst.Closed && st.mc.eng.inDeadMemory(addr)
}
