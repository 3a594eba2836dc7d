package abi

// The amd64 contract between generated code and internal/vm's trampolines.
// These are facts about the machine code moat emits, valid whatever the host
// OS; the compiler's amd64 back end and the runtime read them from here.
//
// Entry. The runtime enters (and re-enters after every exit) with:
//   - R15 = the context address, for the whole life of the code: generated
//     code never allocates R15 to anything else;
//   - RSP = the context's CtxExitSP, RBP = CtxExitBP, and a jump to
//     CtxResumeAddr. For a fresh call RSP points at a return address that
//     leads to the runtime's return stub, so RSP+8 is 16-byte aligned as at
//     any function entry, and the entry function simply returns;
//   - every other register undefined.
//
// Exits. "call qword [r15+CtxExitStub]" behaves, for the code, like a call
// that clobbers every register except R15, RSP and RBP. Before it the code
// stores the exit code, index and argument words; after it, result words (if
// any) are in CtxExitArgs. Code may also leave inline by storing
// CtxResumeAddr, CtxExitSP and CtxExitBP itself and then loading RSP from
// CtxGoSP and RBP from CtxGoBP and executing RET.
//
// Invariants the Go runtime relies on while generated code runs:
//   - the direction flag stays clear and MXCSR and the x87 control word keep
//     their values at every exit (Go code assumes the defaults);
//   - code that used 256-bit registers executes VZEROUPPER before an exit;
//   - the FS and GS segment bases are never touched (Go keeps its TLS there);
//   - there is no red zone: memory below RSP may be overwritten by any exit
//     (a host function can re-enter on the same stack just below it);
//   - the stack pointer stays inside the native stack, above CtxStackLimit
//     minus the frame being checked;
//   - the code faults only where the runtime expects it: a load or store
//     the compiler left unchecked (guard-page mode), at an address in the
//     running instance's memory reservation. The runtime's signal handler
//     turns such a fault into an ExitFault; any other fault in generated
//     code is a bug, reported as such, and ends the process.
const (
	// ContextRegisterAMD64 is the register number (as in ModRM/REX
	// encodings) that holds the context address: R15.
	ContextRegisterAMD64 = 15
)
