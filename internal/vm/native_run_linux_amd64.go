package vm

import (
	"context"
	"fmt"

	"github.com/moat-run/moat/internal/abi"
)

// Run calls the generated function at entry on stack st with execution
// context c. vals holds the parameters on entry and receives the results
// (one word per value, v128 as two; its length is at least the larger of
// the two counts). It returns nil, a *Trap, or an error for a malformed exit
// (a compiler bug, never the guest's doing).
//
// entry must lie in sealed Code that stays open until Run returns. c and
// st belong to the calling goroutine for the duration. Run may be called
// again from r.HostCall with the same c and st (or another context, for a
// call into another instance).
func (r *Runner) Run(ctx context.Context, c *Context, st *Stack, entry uintptr, vals []uint64) error {
	if st == nil || st.mem == nil {
		return fmt.Errorf("vm: run on a closed or missing stack")
	}
	if err := ctx.Err(); err != nil {
		return &Trap{Code: abi.TrapInterrupted, Cause: err}
	}
	if passed(r.Deadline) {
		return Interrupted(ctx)
	}
	sb, err := loadStubs()
	if err != nil {
		return err
	}

	// Frame the entry on the native stack: the value buffer (an even
	// number of words, so that it stays 16-byte aligned) and below it the
	// return address leading to the return stub.
	base := st.next
	nbuf := uintptr(len(vals)+1) &^ 1
	if nbuf > uintptr(st.Size())/8 || base-st.limit < nbuf*8+16 {
		return &Trap{Code: abi.TrapStackExhausted}
	}
	bufAddr := base - nbuf*8
	buf := st.words(bufAddr-8, uint64(nbuf)+1)
	buf[0] = uint64(sb.returnStub)
	copy(buf[1:], vals)

	// A nested run on the same context (through a host function) paces
	// itself; the caller's pacing resumes afterwards. A nested run's exits
	// move st.live down; the enclosing run's exit (the host call that made
	// this run) is the innermost again after.
	live := st.live
	outer := c.pacer
	want := c.pacer.Begin(ctx)
	c.pacer.Until(r.Deadline)
	if r.Lane != nil {
		c.pacer.UseLanes(r.Lane)
	}
	if r.PollInterval > 0 {
		want = r.PollInterval
	}
	if r.EpochPolls {
		c.pacer.NeedEpochTicks(r.SignalReach)
		epochEnter()
		c.EpochAddr = epochAddr()
	}
	defer func() {
		if r.EpochPolls {
			epochLeave()
		}
		c.settle() // whatever way the run ended, unused fuel goes back
		c.unpoke()
		c.pacer.End()
		c.pacer = outer
		st.next, st.live = base, live
	}()
	// With epoch polls, cancellation pokes the run from its first visit on
	// (watch.start), which the epoch brings within a time slice (1-2 ms
	// for a run's first while no run spins, 4-8 ms in a calm stretch:
	// epochCalmTicks): a run of microseconds, most
	// calls, never registers with the context (context.AfterFunc and its
	// removal cost as much as a short call), and until its first visit a
	// run notices cancellation there. A run with counting polls may be
	// granted any number of polls (PollInterval, fuel): it watches from
	// the start.
	var watch cancelWatch
	defer watch.end()
	if !r.EpochPolls {
		watch.start(ctx, c)
	}

	c.settle()
	c.grant(want)
	if r.EpochPolls {
		c.setDeadline(c.pacer.BeginEpoch())
	}
	c.Args = bufAddr
	c.ResumeAddr, c.ExitSP, c.ExitBP = entry, bufAddr-8, 0
	if err := r.serve(ctx, c, st, sb, &watch); err != nil {
		return err
	}
	copy(vals, buf[1:])
	return nil
}

// serve enters the code and serves its exits until it returns or stops.
func (r *Runner) serve(ctx context.Context, c *Context, st *Stack, sb *stubs, watch *cancelWatch) error {
	base := st.next
	limit := st.limit
	if r.StackBytes > 0 && uintptr(r.StackBytes) < st.top-st.limit {
		limit = st.top - uintptr(r.StackBytes)
	}
	for {
		c.StackLimit = limit
		c.ExitStub = sb.exitStub
		enterNative(c, sb.enterTail)
		e := Exit{Code: c.ExitCode, Index: c.ExitIndex, Args: c.ExitArgs, PC: c.ResumeAddr, SP: c.ExitSP, BP: c.ExitBP}
		st.live = e.SP // for the collector (Stack.LiveWords)
		switch e.Code {
		case abi.ExitReturn:
			return nil
		case abi.ExitTrap:
			if r.hasTrap() {
				ec := e // escapes; copied here so that other exits do not allocate
				return r.trap(abi.TrapCode(e.Index), &ec)
			}
			return &Trap{Code: abi.TrapCode(e.Index)}
		case abi.ExitFault:
			return r.fault(&Fault{Class: abi.TrapCode(e.Index), PC: e.PC, SP: e.SP, BP: e.BP,
				Addr: uintptr(e.Args[0]), Signal: int(e.Args[1])})
		case abi.ExitPoll:
			watch.start(ctx, c)
			if err := r.poll(ctx, c); err != nil {
				// Interrupted or out of fuel: give it the backtrace.
				if t, ok := err.(*Trap); ok && r.hasTrap() {
					ec := e
					if bt := r.trap(t.Code, &ec); bt != nil {
						t.Frames = bt.Frames
					}
				}
				return err
			}
		case abi.ExitHostCall:
			stack := st.words(uintptr(e.Args[0]), e.Args[1])
			if stack == nil || !r.hasHostCall() {
				return fmt.Errorf("vm: bad host call exit (function %d, buffer %#x, %d words)", e.Index, e.Args[0], e.Args[1])
			}
			// The host sees exact fuel, and code it runs draws from it.
			metered := c.meter.Metered()
			if metered {
				c.settle()
			}
			// A nested Run builds its frames below the caller's, which
			// keeps no data below its stack pointer (no red zone).
			st.next = e.SP &^ 15
			c.pacer.EnterHost()
			err := r.hostCall(ctx, e.Index, stack)
			c.pacer.LeaveHost()
			st.next = base
			if err == ErrTailCall {
				return err
			}
			if err != nil {
				if resume, err := r.failed(c, err, &e); !resume {
					return err
				}
			}
			if metered {
				c.grant(c.pacer.Current())
			}
			if r.EpochPolls {
				// A nested run set its own.
				c.setDeadline(c.pacer.EpochDeadline())
			}
		case abi.ExitMemoryGrow, abi.ExitTableGrow, abi.ExitBuiltin:
			if !r.hasExit() {
				return fmt.Errorf("vm: no handler for %v exit", e.Code)
			}
			// The handler gets the context's own record, which runs no
			// guest code meanwhile: a pointer to a local would escape.
			ec := &c.exit
			*ec = e
			if err := r.exit(ctx, c, ec); err != nil {
				if resume, err := r.failed(c, err, &e); !resume {
					return err
				}
				break // resume in the handler
			}
			e.Args = ec.Args
		default:
			return fmt.Errorf("vm: generated code exited with unknown code %d", e.Code)
		}
		// Resume after the exit. A nested run may have reused the exit
		// record and the stack fields, so restore them from the snapshot.
		c.ExitArgs = e.Args
		c.ResumeAddr, c.ExitSP, c.ExitBP = e.PC, e.SP, e.BP
	}
}

// poll serves ExitPoll, reached when the grant is used up, when the
// context was poked, or when the Go runtime asked the goroutine to stop:
// fuel, the pacer (which yields to the scheduler and to any stop-the-world
// waiting on this goroutine, and watches the deadline), cancellation, then
// a new grant.
func (r *Runner) poll(ctx context.Context, c *Context) error {
	used, ok := c.settle()
	if !ok {
		return &Trap{Code: abi.TrapOutOfFuel}
	}
	if r.EpochPolls {
		next, late := c.pacer.VisitEpoch()
		if late {
			return Interrupted(ctx)
		}
		// As the grant below.
		c.setDeadline(next)
	} else {
		next, late := c.pacer.Visit(used)
		if late {
			return Interrupted(ctx)
		}
		if r.PollInterval > 0 {
			next = r.PollInterval
		}
		// Grant before looking at ctx: a cancellation after the look pokes
		// the counter after the grant, so it cannot be overwritten.
		c.grant(next)
	}
	if err := ctx.Err(); err != nil {
		return &Trap{Code: abi.TrapInterrupted, Cause: err}
	}
	return nil
}
