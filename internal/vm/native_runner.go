package vm

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat/internal/abi"
)

// Runner runs generated code and serves its exits. Run handles returns,
// traps and polls itself (cancellation, deadlines, fuel, letting the Go
// scheduler and garbage collector in) and hands the exits that need an
// instance's state to the functions below. A Runner is read-only once in
// use and may be shared.
type Runner struct {
	// PollInterval, when positive, fixes the number of polls between two
	// visits to Go (for tests). 0 lets the pacer size them in time, which
	// is what bounds how long a spinning guest holds its P (pacer.go).
	PollInterval int64
	// StackBytes, when positive, lowers the stack limit of a run to that
	// many bytes below the top of its stack (a store's limit), never
	// below the stack's own limit.
	StackBytes int
	// Lane, when its Lanes are set, is the store's hold on its lanes: the
	// run's slice ends are turns in them (lanes.go).
	Lane *LaneUse
	// Deadline, when set, ends the run as a context's deadline would
	// (the store's: Store.Deadline).
	Deadline time.Time
	// EpochPolls says that the code polls the epoch (abi.BuiltinPollEpoch)
	// rather than counting: the run keeps the epoch ticking and paces the
	// code by its deadline. The grant of the counter is then unused
	// (and PollInterval meaningless).
	EpochPolls bool
	// SignalReach says that the Go runtime's preemption signal reaches the
	// code: the signal handler is installed, the code is registered with
	// it, and the runtime sends the signal (PreemptSignals). A spinning
	// run with epoch polls whose code it does not reach needs the epoch
	// to advance at every tick (Pacer.NeedEpochTicks).
	SignalReach bool
	// HostCall serves ExitHostCall: it calls function index with stack,
	// parameters in and results out (the HostFunc convention). A non-nil
	// error ends the run: a *Trap is returned as is, ErrTailCall too (see
	// there), anything else is wrapped in a TrapHostError trap. It may
	// call Run again on the same Context and Stack; the nested run uses
	// the stack below the caller's.
	HostCall func(ctx context.Context, index uint32, stack []uint64) error
	// Exit serves every other resumable exit (memory.grow, table.grow,
	// builtins). It may update c (MemoryBase and MemoryLen after a grow)
	// and stores results in e.Args. Errors are treated as for HostCall. A
	// builtin that runs long calls c.Checkpoint between chunks.
	Exit func(ctx context.Context, c *Context, e *Exit) error
	// Trap builds the trap for an ExitTrap exit, typically adding a
	// backtrace from e.PC and e.BP; nil gives a trap without frames.
	Trap func(code abi.TrapCode, e *Exit) *Trap
	// Unwind catches an exception that an exit raised (a throw, or a host
	// call whose callee threw): it looks for a handler on the run's native
	// frames, innermost first, from the exit e. When one catches exn it
	// prepares the context for the handler's code and returns where to
	// resume (PC, SP, BP: the frames above are dropped); with ok false the
	// run ends with exn. An error ends the run too (see HostCall). nil
	// lets every exception end the run.
	Unwind func(exn *Exception, e *Exit) (resume Exit, ok bool, err error)
	// Fault builds the trap for a hardware fault in generated code (an
	// ExitFault: see Fault), after checking that the code may fault there
	// (a load or store it left unchecked, at an address in its memory's
	// reservation; a stack guard). An error says it may not: a bug, which
	// ends the process with a report (no trap is returned: the state that
	// led there cannot be trusted). Without Fault every fault is such a bug.
	Fault func(f *Fault) (*Trap, error)
	// Handler serves, in one object, the exits whose field above is nil:
	// an engine sets it once per instance, where five method values would
	// be five allocations.
	Handler RunHandler
}

// RunHandler is the methods form of Runner's HostCall, Exit, Trap, Unwind
// and Fault (see there).
type RunHandler interface {
	HostCall(ctx context.Context, index uint32, stack []uint64) error
	Exit(ctx context.Context, c *Context, e *Exit) error
	Trap(code abi.TrapCode, e *Exit) *Trap
	Unwind(exn *Exception, e *Exit) (resume Exit, ok bool, err error)
	Fault(f *Fault) (*Trap, error)
}

// The exits' handlers: a field, else Handler's method; has* reports
// whether there is one.
func (r *Runner) hasHostCall() bool { return r.HostCall != nil || r.Handler != nil }
func (r *Runner) hasExit() bool     { return r.Exit != nil || r.Handler != nil }
func (r *Runner) hasTrap() bool     { return r.Trap != nil || r.Handler != nil }
func (r *Runner) hasUnwind() bool   { return r.Unwind != nil || r.Handler != nil }
func (r *Runner) hasFault() bool    { return r.Fault != nil || r.Handler != nil }

func (r *Runner) hostCall(ctx context.Context, index uint32, stack []uint64) error {
	if r.HostCall != nil {
		return r.HostCall(ctx, index, stack)
	}
	return r.Handler.HostCall(ctx, index, stack)
}

func (r *Runner) exit(ctx context.Context, c *Context, e *Exit) error {
	if r.Exit != nil {
		return r.Exit(ctx, c, e)
	}
	return r.Handler.Exit(ctx, c, e)
}

func (r *Runner) trap(code abi.TrapCode, e *Exit) *Trap {
	if r.Trap != nil {
		return r.Trap(code, e)
	}
	return r.Handler.Trap(code, e)
}

func (r *Runner) unwind(exn *Exception, e *Exit) (Exit, bool, error) {
	if r.Unwind != nil {
		return r.Unwind(exn, e)
	}
	return r.Handler.Unwind(exn, e)
}

func (r *Runner) faultTrap(f *Fault) (*Trap, error) {
	if r.Fault != nil {
		return r.Fault(f)
	}
	return r.Handler.Fault(f)
}

// ErrTailCall is what HostCall returns, instead of making the call, for a
// call that is the run's last act: a tail call whose caller's frame was
// the run's first, replaced by the frame of the exit. Run then ends with
// ErrTailCall (nothing of the run is left to resume) and whoever called
// Run makes the call, without nesting a run per tail call: a chain of tail
// calls between instances stays in constant space.
var ErrTailCall = errors.New("vm: tail call out of the run")

// pokeValue is stored into the poll counter to interrupt: far enough below
// zero that the code's decrements can never wrap it, and recognisable.
const pokeValue = -1 << 62

// poked reports whether a counter value is a poke's.
func poked(counter int64) bool { return counter < pokeValue/2 }

// Interrupt makes the code running with c exit at its next poll (from any
// goroutine). The poke can be undone by the code's concurrent, non-atomic
// decrement (it read the counter just before the store and writes back
// after it); a caller that must be sure repeats it, as Run does for a
// cancelled context.
func (c *Context) Interrupt() {
	old := atomic.SwapInt64(&c.PollCounter, pokeValue)
	if !poked(old) {
		c.pokedFrom.CompareAndSwap(0, old-pokeValue) // > 0
	}
	// After the counter: setDeadline reads the counter after its store,
	// so one of the two stores of the deadline that race sees the other.
	atomic.StoreUint64(&c.EpochDeadline, 0)
}

// setDeadline gives code with epoch polls its next deadline; a poke stays
// (deadline 0), so an interruption is never overwritten.
func (c *Context) setDeadline(d uint64) {
	atomic.StoreUint64(&c.EpochDeadline, d)
	if poked(atomic.LoadInt64(&c.PollCounter)) {
		atomic.StoreUint64(&c.EpochDeadline, 0)
	}
}

// cancelWatch is a run's watch on its context's cancellation, started at
// the run's first visit to Go (a run that ends sooner never registers).
type cancelWatch struct {
	in   *interrupter
	stop func() bool
}

// start registers the watch, once, when the context can be cancelled.
func (w *cancelWatch) start(ctx context.Context, c *Context) {
	if w.stop != nil || ctx.Done() == nil {
		return
	}
	w.in = &interrupter{c: c}
	w.stop = context.AfterFunc(ctx, w.in.poke)
}

// end stops the watch, waiting out a poke that has started.
func (w *cancelWatch) end() {
	if w.stop != nil && !w.stop() {
		w.in.end()
	}
}

// interrupter pokes a context on behalf of one Run whose Go context was
// cancelled, again and again with a growing pause until that run is over,
// since a single poke can be lost (see Interrupt). Losses are rare, so the
// first poke nearly always does it and the loop costs a few wake-ups. The
// lock keeps the last poke from landing after the run has ended, in the
// next run on the same context.
type interrupter struct {
	c    *Context
	mu   sync.Mutex
	over bool
}

func (in *interrupter) poke() {
	pause := 20 * time.Microsecond
	for {
		in.mu.Lock()
		if in.over {
			in.mu.Unlock()
			return
		}
		in.c.Interrupt()
		in.mu.Unlock()
		time.Sleep(pause)
		pause = min(2*pause, time.Millisecond)
	}
}

// end stops the pokes for good.
func (in *interrupter) end() {
	in.mu.Lock()
	in.over = true
	in.mu.Unlock()
}

// settle charges the polls made since the last grant to the fuel and gives
// the rest of the grant back; false means they overdrew it. After a poke
// the counter no longer tells how many polls ran: they are counted up to
// the first poke.
func (c *Context) settle() (used int64, ok bool) {
	cnt := atomic.LoadInt64(&c.PollCounter)
	if poked(cnt) {
		cnt = c.meter.mark // nothing known: charge nothing ...
		if from := c.pokedFrom.Load(); from != 0 {
			cnt = from + pokeValue // ... but what ran before the first poke
		}
	}
	return c.meter.Settle(cnt)
}

// grant hands the code its next grant of up to want polls. A poke that
// came after the last settle stays in the counter (and the grant goes back
// unused), so an interruption is never overwritten.
func (c *Context) grant(want int64) {
	before := c.meter.mark
	n := c.meter.Grant(want)
	if c.pokedFrom.Load() != 0 {
		c.pokedFrom.Store(0)
	}
	if !atomic.CompareAndSwapInt64(&c.PollCounter, before, n) {
		c.meter.Settle(n) // poked: give the grant back
		c.meter.mark = before
	}
}

// unpoke clears a poke that has done its work, once the run it stopped is
// over and its interrupter has stopped, so that the next run on c starts
// clean.
func (c *Context) unpoke() {
	if poked(atomic.LoadInt64(&c.PollCounter)) {
		atomic.StoreInt64(&c.PollCounter, c.meter.mark)
		c.pokedFrom.Store(0)
	}
}

// Checkpoint is called by exit handlers between the chunks of a long bulk
// operation (see BulkChunk) of the run under ctx: it yields the goroutine
// when the runtime or the time slice asks, and reports TrapInterrupted once
// the run has been interrupted (ctx cancelled or past its deadline).
func (c *Context) Checkpoint(ctx context.Context) abi.TrapCode {
	if poked(atomic.LoadInt64(&c.PollCounter)) || c.pacer.Checkpoint() || ctx.Err() != nil {
		return abi.TrapInterrupted
	}
	return abi.TrapNone
}

// Interrupted is the trap of a run stopped by its context: ctx's error,
// or DeadlineExceeded when the deadline passed before ctx noticed.
func Interrupted(ctx context.Context) *Trap {
	// (A deadline that is not the context's, a store's, is a deadline
	// exceeded too.)
	err := ctx.Err()
	if err == nil {
		err = context.DeadlineExceeded
	}
	return &Trap{Code: abi.TrapInterrupted, Cause: err}
}

// failed turns an exit handler's error into where to resume (an exception
// something on the run's frames catches: resume is set and e updated) or
// the error Run returns: an exception nothing catches as it is, anything
// else as hostError does.
func (r *Runner) failed(c *Context, err error, e *Exit) (resume bool, _ error) {
	exn := AsException(err)
	if exn == nil {
		return false, hostError(err)
	}
	if !r.hasUnwind() {
		return false, exn
	}
	// The unwinder gets the context's own record (a local would escape,
	// Unwind being a func value: an allocation per exception); the exit
	// handler that may have used it has returned.
	ec := &c.exit
	*ec = *e
	res, ok, uerr := r.unwind(exn, ec)
	if uerr != nil {
		return false, hostError(uerr)
	}
	if !ok {
		return false, exn
	}
	e.PC, e.SP, e.BP = res.PC, res.SP, res.BP
	return true, nil
}

// hostError turns an exit handler's error into the error Run returns.
func hostError(err error) error {
	if t, ok := err.(*Trap); ok {
		return t
	}
	return &Trap{Code: abi.TrapHostError, Cause: err}
}
