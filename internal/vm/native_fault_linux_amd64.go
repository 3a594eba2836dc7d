package vm

import "github.com/moat-run/moat/internal/vm/sigtrap"

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

// EnsureFaultTraps checks cheaply that the handler is still in front of
// the Go runtime's and repairs it if not (sigtrap.Ensure). Engines call it
// before each instance that relies on it runs.
func EnsureFaultTraps() error { return sigtrap.Ensure() }

// FaultTrapsSupported reports whether EnableFaultTraps can work here.
const FaultTrapsSupported = sigtrap.Supported
