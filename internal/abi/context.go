package abi

// The execution context is the block of memory through which generated code
// and the runtime talk. Generated code holds its address in a pinned register
// (see ContextRegisterAMD64) for its whole life and reads or writes these
// fields at fixed offsets. internal/vm declares the matching Go struct
// (vm.Context) and a test checks every offset below with unsafe.Offsetof, so
// the two cannot drift apart; the trampolines read the same offsets through
// the go_asm.h that the Go toolchain generates from vm.Context.
//
// Every field is one 64-bit word unless noted, and none holds a Go pointer:
// addresses are of memory outside the Go heap (mmap'd code, stacks, linear
// memory) or of Go memory that the runtime keeps alive by other means.
const (
	// CtxMemoryBase is the address of byte 0 of memory 0 (0 when there is none).
	CtxMemoryBase = 0
	// CtxMemoryLen is memory 0's current length in bytes. Explicit bounds
	// checks compare addr+offset+size against it, unsigned.
	CtxMemoryLen = 8
	// CtxGlobalsBase is the address of the instance's global slots.
	CtxGlobalsBase = 16
	// CtxTablesBase is the address of the instance's table descriptors.
	CtxTablesBase = 24
	// CtxFuncTable is the address of the function-pointer table used for
	// calls through an index (imports, call_indirect).
	CtxFuncTable = 32
	// CtxPollCounter is the signed poll counter: generated code subtracts 1
	// at every function entry and loop header and exits with ExitPoll when
	// the result is negative ("sub qword [ctx+CtxPollCounter], 1; js"), and
	// also when the running goroutine's g says the Go runtime wants it to
	// stop (see CtxG). The runtime refills it; another goroutine makes it
	// negative to interrupt (an atomic store, which a concurrent non-atomic
	// decrement can undo, so the runtime repeats it until the code exits).
	// The decrement needs no lock prefix.
	CtxPollCounter = 40
	// CtxStackLimit is the lowest address the stack pointer may reach. A
	// prologue computes sp minus its frame size and exits with
	// TrapStackExhausted when that is below the limit. The limit already
	// keeps StackRedZone bytes of headroom above the guard page.
	CtxStackLimit = 48
	// CtxExitCode is the exit record's code, an ExitCode (32 bits), and
	// CtxExitIndex its 32-bit operand: the trap code for ExitTrap, the
	// function index for ExitHostCall, the memory or table index for the
	// grow exits, the routine number for ExitBuiltin.
	CtxExitCode  = 56
	CtxExitIndex = 60
	// CtxExitStub is the address of the runtime's exit stub. Generated code
	// leaves through "call qword [ctx+CtxExitStub]" after writing the exit
	// code, index and arguments; the stub records the return address as the
	// resume address and the stack pointer as it was before the call, so
	// execution continues right after the call.
	CtxExitStub = 64
	// CtxExitArgs holds ExitArgWords argument words, which also carry
	// results back for exits that produce them.
	CtxExitArgs = 72
	// CtxResumeAddr, CtxExitSP and CtxExitBP are where execution continues
	// after the exit: the runtime re-enters by loading the stack and frame
	// pointers and jumping to the resume address. The exit stub fills all
	// three; code may also fill them itself and leave inline.
	CtxResumeAddr = 120
	CtxExitSP     = 128
	CtxExitBP     = 136
	// CtxGoSP and CtxGoBP are the Go stack and frame pointers saved by the
	// entry trampoline; an exit restores them and returns to Go.
	CtxGoSP = 144
	CtxGoBP = 152
	// CtxArgs is, at entry only, the address of the value buffer holding
	// the entry function's parameters (one word each, v128 as two, low
	// half first). The function writes its results to the same buffer
	// before returning; it must keep the address itself, since nested
	// entries reuse the field.
	CtxArgs = 160
	// CtxCallCount bounds the call depth. The runtime stores -(n+1) to
	// allow n nested frames; 0 (the zero context) leaves the depth bounded
	// by the stack alone. Generated code keeps the running count in its
	// frames rather than here (each frame's count is its caller's plus 1,
	// and reaching 0 exits with TrapStackExhausted; the amd64 back end
	// documents where): the entry takes its count from this word, and a
	// call that leaves for the host stores the caller's count back here
	// before the exit, so the runtime can continue the count across host
	// re-entry. Elsewhere the word is not kept current.
	CtxCallCount = 168
	// CtxTypeIDs is the address of the module's canonical type ids: one
	// 32-bit engine-wide id per type index of the module, which
	// call_indirect compares with the callee descriptor's FuncDescTypeID.
	// Reading the ids here rather than baking them into the code keeps
	// compiled code independent of the engine that assigned them, so an
	// artifact's code runs unchanged (and unpatched) in any engine.
	CtxTypeIDs = 176
	// CtxMemories is the address of the instance's memory descriptors
	// (abi.MemoryDescSize each): how code reaches memories other than a
	// 32-bit memory 0, whose base and length are the two words above.
	CtxMemories = 184
	// CtxCaught, CtxExnPayload and CtxExnRef tell a function resumed by
	// the unwinder that it caught an exception. CtxCaught is 0 except
	// then: the runtime resumes a function after one of its try_calls
	// (or its own throw) with CtxCaught = 1 + the index of the catch
	// clause that matched, counted from the innermost handler around the
	// call outwards; the function tests it after every such call, and
	// the clause's code stores 0 back before anything else. CtxExnPayload
	// is the address of the exception's payload words (valid until the
	// clause's code has read them), CtxExnRef its exnref for catch_ref
	// and catch_all_ref.
	CtxCaught     = 192
	CtxExnPayload = 200
	CtxExnRef     = 208
	// CtxG is the address of the Go runtime's g (the goroutine) that is
	// running the code, stored by the entry trampoline at every entry (a
	// goroutine cannot move to another g, and the code never runs at a Go
	// safepoint, so the word stays the running goroutine's for the whole
	// entry). Every poll also reads the g's preemption word through it (see
	// goruntime.go).
	CtxG = 216
	// CtxEpochAddr is the address of the process's epoch word, a counter
	// that a thread of the runtime's own advances every tick while
	// guests run (internal/vm's epoch.go), and CtxEpochDeadline the
	// epoch at which the running code must come back to Go. Code compiled
	// with epoch polls (BuiltinPollEpoch) exits with ExitPoll once the
	// epoch has reached the deadline; the runtime moves the deadline at
	// every visit, and another goroutine stores 0 into it to interrupt.
	// Neither word is written by generated code, so the poll stores
	// nothing.
	CtxEpochAddr     = 224
	CtxEpochDeadline = 232
	// CtxGCBase is the address of byte 0 of the store's GC heap (0 until
	// the heap is reserved): an object reference o is the offset of its
	// header, at CtxGCBase+o. The reservation spans the heap's limit and
	// never moves, so the word is fixed once set; the runtime sets it on
	// entry and after every exit.
	CtxGCBase = 240
	// CtxGCTypes is the address of the instance's GC type ids, a uint32
	// per module type index (0 for a function type): what an object's
	// header holds. Fixed once bound.
	CtxGCTypes = 248
	// CtxGCCursor and CtxGCEnd are the store heap's current hole, offsets
	// [cursor, end), in which compiled code allocates inline: it bumps the
	// cursor and writes the header (the hole is already zeroed). The
	// runtime takes the cursor back at every exit and run's end (setting
	// the new objects' start bits) and sets both again before the code
	// resumes; end == cursor when there is no hole, which sends every
	// allocation to its builtin.
	CtxGCCursor = 256
	CtxGCEnd    = 264
	// CtxGCDisplays is the address of the store heap's display table
	// (GCDisplay*): what casts read. It moves when a module registers new
	// types, which happens only in Go; the runtime sets it before the code
	// runs and after every exit.
	CtxGCDisplays = 272

	// ContextSize is the size of the part of the context shared with
	// generated code. The runtime may keep private fields after it.
	ContextSize = 280

	// ExitArgWords is the number of words at CtxExitArgs.
	ExitArgWords = 6

	// StackRedZone is the headroom kept between CtxStackLimit and the
	// guard page. A function whose frame is at most this large may compare
	// the stack pointer itself against the limit.
	StackRedZone = 4096
)

// ExitCode says why generated code returned to the runtime.
type ExitCode uint32

const (
	// ExitReturn: the entry function returned normally; results are in the
	// value buffer given by CtxArgs at entry. Never resumed.
	ExitReturn ExitCode = iota
	// ExitTrap: execution stops with the TrapCode in CtxExitIndex. Never resumed.
	ExitTrap
	// ExitPoll: the poll counter went negative, or the Go runtime asked
	// the goroutine to stop (see CtxG). The runtime accounts fuel, checks
	// for cancellation and the deadline, yields to the Go scheduler when
	// asked or when the guest's time slice is over, grants the counter
	// more polls and resumes.
	ExitPoll
	// ExitHostCall: call function CtxExitIndex of the instance (an import
	// implemented in Go, or by another instance). Args[0] is the address of
	// a value buffer on the native stack and Args[1] its length in words,
	// at least the larger of the parameter and result counts; parameters
	// in, results out. For a call through a function descriptor whose
	// context is not the caller's, CtxExitIndex is HostCallByDescriptor and
	// Args[2] the descriptor's address.
	//
	// Code only ever runs with the context the runtime entered it with:
	// the run's state (saved Go SP, exit record, poll counter, stack
	// limit) lives there, not in other instances' contexts. So a call into
	// another instance never jumps there directly; it leaves through this
	// exit and the runtime enters the callee with its own context (on the
	// same native stack, below the caller's frames).
	ExitHostCall
	// ExitMemoryGrow: memory.grow on memory CtxExitIndex by Args[0] pages.
	// Args[0] comes back as the old size in pages, or 0xFFFFFFFF on
	// failure; CtxMemoryBase and CtxMemoryLen are updated when it is memory 0.
	ExitMemoryGrow
	// ExitTableGrow: table.grow on table CtxExitIndex by Args[0] elements
	// set to Args[1]. Args[0] comes back as the old size, or 0xFFFFFFFF.
	ExitTableGrow
	// ExitBuiltin: a runtime routine too large to emit inline (bulk memory
	// and table operations, ...). CtxExitIndex numbers the routine; its
	// arguments and results use Args as the engine defines.
	ExitBuiltin
	// ExitFault: never written by generated code. The runtime's signal
	// handler sends a thread whose generated code faulted (a guard page,
	// a stack guard) to the runtime's fault exit, which records this code,
	// the handler's classification in CtxExitIndex (a TrapCode, or a value
	// outside the trap codes for a fault it could not explain),
	// CtxResumeAddr = the faulting instruction's address, Args[0] = the
	// faulting data address, Args[1] = the signal number, and CtxExitSP and
	// CtxExitBP as they were at the fault. Never resumed.
	ExitFault
)

var exitNames = [...]string{
	ExitReturn:     "return",
	ExitTrap:       "trap",
	ExitPoll:       "poll",
	ExitHostCall:   "host call",
	ExitMemoryGrow: "memory.grow",
	ExitTableGrow:  "table.grow",
	ExitBuiltin:    "builtin",
	ExitFault:      "fault",
}

func (c ExitCode) String() string {
	if int(c) < len(exitNames) {
		return exitNames[c]
	}
	return "unknown exit"
}

// HostCallByDescriptor is the ExitHostCall index of a call through a
// function descriptor of another instance (descriptor address in Args[2]).
const HostCallByDescriptor = 0xFFFFFFFF

// GrowFailed is the value an exit's result word holds when memory.grow or
// table.grow fails (-1 as an i32).
const GrowFailed = 0xFFFFFFFF
