package vm

import (
	"testing"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
)

// TestContextLayout pins vm.Context to the offsets generated code uses.
// (The trampolines read the struct through go_asm.h, so they follow it.)
func TestContextLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the context layout is defined for 64-bit platforms")
	}
	var c Context
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"MemoryBase", unsafe.Offsetof(c.MemoryBase), abi.CtxMemoryBase},
		{"MemoryLen", unsafe.Offsetof(c.MemoryLen), abi.CtxMemoryLen},
		{"GlobalsBase", unsafe.Offsetof(c.GlobalsBase), abi.CtxGlobalsBase},
		{"TablesBase", unsafe.Offsetof(c.TablesBase), abi.CtxTablesBase},
		{"FuncTable", unsafe.Offsetof(c.FuncTable), abi.CtxFuncTable},
		{"PollCounter", unsafe.Offsetof(c.PollCounter), abi.CtxPollCounter},
		{"StackLimit", unsafe.Offsetof(c.StackLimit), abi.CtxStackLimit},
		{"ExitCode", unsafe.Offsetof(c.ExitCode), abi.CtxExitCode},
		{"ExitIndex", unsafe.Offsetof(c.ExitIndex), abi.CtxExitIndex},
		{"ExitArgs", unsafe.Offsetof(c.ExitArgs), abi.CtxExitArgs},
		{"ResumeAddr", unsafe.Offsetof(c.ResumeAddr), abi.CtxResumeAddr},
		{"ExitSP", unsafe.Offsetof(c.ExitSP), abi.CtxExitSP},
		{"ExitBP", unsafe.Offsetof(c.ExitBP), abi.CtxExitBP},
		{"GoSP", unsafe.Offsetof(c.GoSP), abi.CtxGoSP},
		{"GoBP", unsafe.Offsetof(c.GoBP), abi.CtxGoBP},
		{"ExitStub", unsafe.Offsetof(c.ExitStub), abi.CtxExitStub},
		{"Args", unsafe.Offsetof(c.Args), abi.CtxArgs},
		{"CallCount", unsafe.Offsetof(c.CallCount), abi.CtxCallCount},
		{"TypeIDs", unsafe.Offsetof(c.TypeIDs), abi.CtxTypeIDs},
		{"Memories", unsafe.Offsetof(c.Memories), abi.CtxMemories},
		{"Caught", unsafe.Offsetof(c.Caught), abi.CtxCaught},
		{"ExnPayload", unsafe.Offsetof(c.ExnPayload), abi.CtxExnPayload},
		{"ExnRef", unsafe.Offsetof(c.ExnRef), abi.CtxExnRef},
		{"G", unsafe.Offsetof(c.G), abi.CtxG},
		{"EpochAddr", unsafe.Offsetof(c.EpochAddr), abi.CtxEpochAddr},
		{"EpochDeadline", unsafe.Offsetof(c.EpochDeadline), abi.CtxEpochDeadline},
		{"GCBase", unsafe.Offsetof(c.GCBase), abi.CtxGCBase},
		{"GCTypes", unsafe.Offsetof(c.GCTypes), abi.CtxGCTypes},
		{"GCCursor", unsafe.Offsetof(c.GCCursor), abi.CtxGCCursor},
		{"GCEnd", unsafe.Offsetof(c.GCEnd), abi.CtxGCEnd},
		{"GCDisplays", unsafe.Offsetof(c.GCDisplays), abi.CtxGCDisplays},
		{"end of the shared part", unsafe.Offsetof(c.meter), abi.ContextSize},
	} {
		if f.got != f.want {
			t.Errorf("Context.%s at offset %d, abi says %d", f.name, f.got, f.want)
		}
	}
	if n := unsafe.Sizeof(c.ExitArgs) / 8; n != abi.ExitArgWords {
		t.Errorf("Context.ExitArgs has %d words, abi says %d", n, abi.ExitArgWords)
	}
	if unsafe.Sizeof(c.ExitCode) != 4 || unsafe.Sizeof(c.ExitIndex) != 4 || unsafe.Sizeof(c.PollCounter) != 8 {
		t.Error("ExitCode and ExitIndex must be 32-bit, PollCounter 64-bit")
	}
}

func TestExitCodeNames(t *testing.T) {
	for c := abi.ExitReturn; c <= abi.ExitBuiltin; c++ {
		if c.String() == "unknown exit" {
			t.Errorf("exit code %d has no name", c)
		}
	}
	if abi.ExitCode(1000).String() != "unknown exit" {
		t.Error("out-of-range exit code should be unknown")
	}
}
