package vm

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm/sigtrap"
)

// Fault is a hardware fault in generated code that the signal handler
// (internal/vm/sigtrap) sent to the fault exit (abi.ExitFault).
type Fault struct {
	// Class is the handler's verdict: TrapMemoryOutOfBounds (an address in
	// a registered memory reservation), TrapStackExhausted (a native
	// stack's guard), TrapIntegerDivideByZero (SIGFPE), TrapUnreachable
	// (SIGILL), or FaultUnexplained.
	Class abi.TrapCode
	// PC is the faulting instruction; SP and BP the stack and frame
	// pointers there.
	PC, SP, BP uintptr
	// Addr is the faulting data address (si_addr: for SIGFPE and SIGILL,
	// the instruction's).
	Addr uintptr
	// Signal is the signal number.
	Signal int
}

// FaultUnexplained is the class of a fault at a PC in generated code that
// matches none of the handler's rules: a bug in moat.
const FaultUnexplained = abi.TrapCode(sigtrap.Unexplained)

var signalNames = map[int]string{4: "SIGILL", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV"}

func (f *Fault) String() string {
	name := signalNames[f.Signal]
	if name == "" {
		name = fmt.Sprintf("signal %d", f.Signal)
	}
	class := "unexplained"
	if f.Class != FaultUnexplained {
		class = f.Class.String()
	}
	return fmt.Sprintf("%s at pc=%#x (sp=%#x, bp=%#x), address %#x, classified %s", name, f.PC, f.SP, f.BP, f.Addr, class)
}

// errNoFaultHandler is the verdict on a fault without a Runner.Fault.
var errNoFaultHandler = errors.New("the runner has no fault handler")

// fault serves an ExitFault: the runner's Fault builds the trap, or
// refuses the fault, and then the process ends.
func (r *Runner) fault(f *Fault) error {
	if !r.hasFault() {
		crashOnFault(f, errNoFaultHandler)
	}
	t, err := r.faultTrap(f)
	if err != nil || t == nil {
		crashOnFault(f, err)
	}
	return t
}

// crashOnFault reports a fault generated code must never cause and ends
// the process. It does not return, and does not panic in the caller's
// goroutine, where an embedder's recover could swallow it: whatever made
// generated code touch memory it should not have may have done more, so
// continuing is not safe.
func crashOnFault(f *Fault, why error) {
	msg := fmt.Sprintf("moat: fatal: unexpected fault in generated code: %v: %v", f, why)
	fmt.Fprintf(os.Stderr, "%s\nThis is a bug in moat. The goroutine that ran the code:\n%s\n", msg, debug.Stack())
	go func() { panic(msg) }()
	select {}
}

// PreemptSignals reports whether the Go runtime follows its requests to
// stop a goroutine with its preemption signal (SIGURG), which moat's
// signal handler passes on to generated code's polls: not with
// GODEBUG=asyncpreemptoff=1, which the runtime reads once, at startup.
func PreemptSignals() bool { return preemptSignals }

var preemptSignals = !asyncPreemptOff(os.Getenv("GODEBUG"))

// asyncPreemptOff reports whether a GODEBUG value turns asynchronous
// preemption off (the last setting of the name wins, as in the runtime).
func asyncPreemptOff(godebug string) bool {
	off := false
	for _, kv := range strings.Split(godebug, ",") {
		if v, ok := strings.CutPrefix(kv, "asyncpreemptoff="); ok {
			off = v == "1"
		}
	}
	return off
}
