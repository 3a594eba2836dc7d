package vm

import (
	"sync/atomic"
	"time"

	"github.com/moat-run/moat/internal/vm/sigtrap"
)

// EnableFaultTraps installs the signal handler that turns faults in
// generated code into ExitFault exits (once per process; later calls
// repair it if its disposition was put back to the Go runtime's, see
// sigtrap.Install). Engines that compile loads and stores without bounds
// checks call it before making any memory; code then registers with
// Code.AllowFaults, memories with Layout.Trap.
func EnableFaultTraps() error {
	sb, err := loadStubs()
	if err != nil {
		return err
	}
	sigtrap.SetFaultExit(sb.faultStub)
	return sigtrap.Install()
}

// EnsureFaultTraps checks that the handler is still in front of the Go
// runtime's and repairs it if not (sigtrap.Ensure). Engines call it before
// each instance that relies on it runs; the check is a system call, so it
// is made at most once per faultCheckEvery, whatever the rate of
// instantiation (nothing in the Go runtime puts its handler back: the check
// is for foreign code that restores what it found, see docs/signals.md).
func EnsureFaultTraps() error {
	now := time.Since(faultCheckBase).Nanoseconds() + 1 // never 0
	if last := lastFaultCheck.Load(); last != 0 && now-last < faultCheckEvery.Nanoseconds() {
		return nil
	}
	if err := sigtrap.Ensure(); err != nil {
		return err
	}
	lastFaultCheck.Store(now)
	return nil
}

// faultCheckEvery is how often EnsureFaultTraps asks the kernel.
const faultCheckEvery = time.Millisecond

var (
	faultCheckBase = time.Now()
	// lastFaultCheck is when EnsureFaultTraps last found the handler in
	// place (nanoseconds after faultCheckBase, plus one; 0: never).
	lastFaultCheck atomic.Int64
)

// FaultTrapsSupported reports whether EnableFaultTraps can work here.
const FaultTrapsSupported = sigtrap.Supported
