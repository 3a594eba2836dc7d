package vm

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// countingChecker is a RunChecker that counts its calls and reports an
// interruption once stop is set.
type countingChecker struct {
	calls int
	stop  bool
}

func (c *countingChecker) Checkpoint(context.Context) abi.TrapCode {
	c.calls++
	if c.stop {
		return abi.TrapInterrupted
	}
	return abi.TrapNone
}

// TestHeapWorkChecksRun: the long work of a store's GC heap (here,
// clearing the blocks a collection freed for the allocation that started
// it, 256 KiB at a time) calls
// the checkpoint of the call running in the store between its chunks,
// which paces it like a bulk operation's, and stops when the checkpoint
// reports an interruption: the allocation fails with ErrInterrupted (the
// engines' interrupted trap). A nested call's checkpoint is used while it
// runs, and its caller's again after; outside calls the work runs to the
// end.
func TestHeapWorkChecksRun(t *testing.T) {
	m, err := text.ParseModule([]byte(`(module (type $bytes (array (mut i8))))`))
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore()
	defer s.releaseGC()
	h := s.GC()
	ids, err := h.RegisterModule(m)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing roots the arrays: each allocation of 16 MiB (512 blocks,
	// header included) collects the one before and takes its blocks,
	// which it clears in 64 chunks.
	alloc := func() error {
		_, err := h.NewArray(ids[0], 16<<20-gcheap.HeaderSize)
		return err
	}
	if err := alloc(); err != nil {
		t.Fatal(err)
	}
	outer, nested := &countingChecker{}, &countingChecker{}
	saved := s.EnterRun(Run{Ctx: context.Background(), Check: outer})
	if err := alloc(); err != nil {
		t.Fatal(err)
	}
	if outer.calls != 63 {
		t.Errorf("the call's checkpoint ran %d times while 64 chunks were cleared, want 63", outer.calls)
	}
	inner := s.EnterRun(Run{Ctx: context.Background(), Check: nested})
	nested.stop = true
	if err := alloc(); !errors.Is(err, gcheap.ErrInterrupted) || nested.calls != 1 || outer.calls != 63 {
		t.Errorf("interrupted nested call: %v after %d checks (its caller's: %d), want ErrInterrupted after 1 (63)", err, nested.calls, outer.calls)
	}
	s.LeaveRun(inner)
	if err := alloc(); err != nil || outer.calls <= 63 {
		t.Errorf("the outer call again: %v after %d checks, want success after more than 63", err, outer.calls)
	}
	s.LeaveRun(saved)
	calls := outer.calls
	if err := alloc(); err != nil || outer.calls != calls {
		t.Errorf("outside calls: %v, and the last call's checkpoint ran %d more times, want success and none", err, outer.calls-calls)
	}
}
