package vm

import (
	"errors"
	"runtime"
	"sync/atomic"

	"github.com/moat-run/moat/internal/abi"
)

// Context is the execution context shared with generated code; its layout
// up to abi.ContextSize is fixed by the abi.Ctx* offsets (checked by a test)
// and read by the trampolines through go_asm.h. The shared part holds no Go
// pointers: generated code writes it without write barriers.
//
// A Context is used by one goroutine at a time (like a Store), except for
// PollCounter and EpochDeadline, which another goroutine may store to
// atomically to interrupt.
// It must live in the Go heap (never on a goroutine stack, which moves): use
// NewContext.
type Context struct {
	MemoryBase  uintptr
	MemoryLen   uint64
	GlobalsBase uintptr
	TablesBase  uintptr
	FuncTable   uintptr
	PollCounter int64
	StackLimit  uintptr
	ExitCode    abi.ExitCode
	ExitIndex   uint32
	ExitStub    uintptr
	ExitArgs    [abi.ExitArgWords]uint64
	ResumeAddr  uintptr
	ExitSP      uintptr
	ExitBP      uintptr
	GoSP        uintptr
	GoBP        uintptr
	Args        uintptr
	CallCount   int64
	TypeIDs     uintptr
	Memories    uintptr
	Caught      uint64
	ExnPayload  uintptr
	ExnRef      uint64
	G           uintptr
	// EpochAddr and EpochDeadline: see abi.CtxEpochAddr. Another goroutine
	// may store 0 into EpochDeadline atomically to interrupt.
	EpochAddr     uintptr
	EpochDeadline uint64
	GCBase        uintptr
	GCTypes       uintptr
	GCCursor      uint64
	GCEnd         uint64
	GCDisplays    uintptr

	// Private to the runtime from here on.

	// meter is the grant of polls the counter is counting down, drawn
	// from the fuel given to UseFuel.
	meter Meter
	// pacer times the run (native_runner.go).
	pacer Pacer
	// exit is the record handed to Runner.Exit, and to the unwinder for an
	// exception (Runner.failed).
	exit Exit
	// pokedFrom is the counter's value that the first Interrupt since the
	// last grant overwrote, minus pokeValue (so always positive), or 0: the
	// polls made until then are still charged to the fuel.
	pokedFrom atomic.Int64
}

// SetCallDepth allows n more nested wasm frames on c (see
// abi.CtxCallCount); n < 0 removes the bound.
func (c *Context) SetCallDepth(n int) {
	if n < 0 {
		c.CallCount = 0
		return
	}
	c.CallCount = -int64(n) - 1
}

// CallDepthLeft is how many more frames c allows, or -1 when unbounded.
func (c *Context) CallDepthLeft() int {
	if c.CallCount >= 0 {
		return -1
	}
	return int(-c.CallCount - 1)
}

// NewContext returns a zeroed context in the Go heap.
func NewContext() *Context { return new(Context) }

// UseFuel makes the code running with c draw its polls from f (a store's
// fuel; nil for none). See Fuel for what is charged and when.
func (c *Context) UseFuel(f *Fuel) { c.meter.Attach(f) }

// DefaultPollInterval is the number of polls granted to a run before its
// pace is known (see Pacer); later grants are sized in time.
const DefaultPollInterval = 10_000

// StackGuardSize is the PROT_NONE region below every native stack. Prologue
// checks stop code before it; the guard is the backstop.
const StackGuardSize = 64 << 10

// NativeSupported reports whether this build can run native code.
const NativeSupported = runtime.GOOS == "linux" && runtime.GOARCH == "amd64"

// ErrNativeUnsupported is returned by everything native on other platforms.
var ErrNativeUnsupported = errors.New("native code is not supported on " + runtime.GOOS + "/" + runtime.GOARCH)

// Exit is a snapshot of the context's exit record, as a handler sees it.
type Exit struct {
	Code  abi.ExitCode
	Index uint32
	// Args are the exit's argument words; a handler stores results here and
	// Run copies them back into the context before resuming.
	Args [abi.ExitArgWords]uint64
	// PC is the resume address (just after the exit in the code), SP and
	// BP the native stack and frame pointers there: enough to map the exit
	// to a wasm instruction and walk the native frames for a backtrace.
	PC, SP, BP uintptr
}
