package interp

import (
	"context"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// Polls. The interpreter polls where compiled code polls for fuel: every
// function entry (the called function's, counted at the call) and every
// loop header reached (opLoopEntry when a loop is entered, the branch back
// for each later iteration; a tail call counts as its callee's entry, and
// catching an exception into a loop's header as a branch back to it).
// Without fuel it also polls at every return to a caller, as compiled code
// polls soon after a call returns: a chain of returns (a recursion 50,000
// frames deep whose frames each run a few hundred instructions after their
// call) otherwise ran tens of milliseconds without a visit, neither
// yielding nor parking for a collection. A poll decrements run's local
// counter and looks at the interrupt flag; the slow path, when the grant
// is used up or the flag is set, is poll below: the same accounting as the
// compiler's (vm.Meter against the store's fuel, vm.Pacer for time slices
// and the deadline), so that the same program uses the same fuel on both
// engines and neither holds its goroutine's P for long. Forward branches
// never poll: without a loop or a call, code runs a bounded number of
// instructions.

// poll is the slow path of a poll. left is run's counter, which has gone
// negative (the grant is used up) or the call was interrupted.
func (m *machine) poll(left *int64) abi.TrapCode {
	used, ok := m.meter.Settle(*left)
	if !ok {
		return abi.TrapOutOfFuel
	}
	// The flag is set by a goroutine that must first get a thread; the
	// context itself tells at once.
	if m.intr.Load()&interruptBit != 0 || m.ctx.Err() != nil {
		return abi.TrapInterrupted
	}
	next, late := m.pacer.Visit(used)
	if late {
		return abi.TrapInterrupted
	}
	*left = m.meter.Grant(next)
	return abi.TrapNone
}

// callOtherPolled is callOther with the fuel exact while the host runs: the
// polls made so far are charged and the rest of the grant goes back, and a
// new grant follows. Without fuel the grant runs on.
func (m *machine) callOtherPolled(caller *instState, f *vm.Function, base int, left *int64) abi.TrapCode {
	if !m.meter.Metered() {
		return m.callOther(caller, f, base)
	}
	m.meter.Settle(*left)
	tc := m.callOther(caller, f, base)
	*left = m.meter.Grant(m.pacer.Current())
	return tc
}

// Checkpoint is checkpoint for the store's GC heap (vm.RunChecker); the
// machine's own context is the call's.
func (m *machine) Checkpoint(context.Context) abi.TrapCode { return m.checkpoint() }

// checkpoint is called between the chunks of a long bulk operation
// (vm/bulk.go): it lets the Go runtime in and stops an interrupted call.
func (m *machine) checkpoint() abi.TrapCode {
	if m.intr.Load()&interruptBit != 0 || m.pacer.Checkpoint() || m.ctx.Err() != nil {
		return abi.TrapInterrupted
	}
	return abi.TrapNone
}
