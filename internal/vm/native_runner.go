package vm

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat/internal/abi"
)

// Runner runs generated code and serves its exits. Run handles returns,
// traps and polls itself (cancellation, fuel, letting the Go scheduler and
// garbage collector in) and hands the exits that need an instance's state to
// the functions below. A Runner is read-only once in use and may be shared.
type Runner struct {
	// PollInterval is the number of polls between two visits to Go
	// (0 means DefaultPollInterval). It bounds how long a spinning guest
	// can hold up a stop-the-world of the garbage collector: keep it near
	// the default (a poll costs about a nanosecond or more).
	PollInterval int64
	// HostCall serves ExitHostCall: it calls function index with stack,
	// parameters in and results out (the HostFunc convention). A non-nil
	// error ends the run: a *Trap is returned as is, ErrTailCall too (see
	// there), anything else is wrapped in a TrapHostError trap. It may
	// call Run again on the same Context and Stack; the nested run uses
	// the stack below the caller's.
	HostCall func(ctx context.Context, index uint32, stack []uint64) error
	// Exit serves every other resumable exit (memory.grow, table.grow,
	// builtins). It may update c (MemoryBase and MemoryLen after a grow)
	// and stores results in e.Args. Errors are treated as for HostCall.
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

// Interrupt makes the code running with c exit at its next poll (from any
// goroutine). The poke can be undone by the code's concurrent, non-atomic
// decrement (it read the counter just before the store and writes back
// after it); a caller that must be sure repeats it, as Run does for a
// cancelled context.
func (c *Context) Interrupt() { atomic.StoreInt64(&c.PollCounter, pokeValue) }

// interrupter pokes a context on behalf of one Run whose Go context was
// cancelled, again and again with a growing pause until that run is over,
// since a single poke can be lost (see Interrupt). Losses are rare, so the
// first poke nearly always does it and the loop costs a few wake-ups.
type interrupter struct {
	c    *Context
	over atomic.Bool
}

func (in *interrupter) poke() {
	pause := 20 * time.Microsecond
	for !in.over.Load() {
		in.c.Interrupt()
		time.Sleep(pause)
		pause = min(2*pause, time.Millisecond)
	}
}

// account charges the polls made since the last accounting against the fuel.
// mark is the counter's value at that accounting. A poke hides how many
// polls were made since; they go uncharged (at most one grant, and only
// around a cancellation) rather than risk a spurious out-of-fuel trap.
func (c *Context) account() {
	cnt := atomic.LoadInt64(&c.PollCounter)
	used := c.mark - cnt
	if cnt < pokeValue/2 {
		cnt, used = -1, 0
	}
	c.mark = cnt
	if c.metered && used > 0 {
		c.fuel -= used
	}
}

// refill grants the next batch of polls: the interval, or the remaining
// fuel if less. With no fuel left the grant is empty and the next poll exits.
func (c *Context) refill(interval int64) {
	n := interval
	if c.metered && c.fuel < n {
		n = max(c.fuel, 0)
	}
	c.mark = n - 1
	atomic.StoreInt64(&c.PollCounter, n-1)
}

// outOfFuel reports whether the last accounting overdrew the fuel (the poll
// that exited had none left), resetting the balance to 0.
func (c *Context) outOfFuel() bool {
	if c.metered && c.fuel < 0 {
		c.fuel = 0
		return true
	}
	return false
}

// failed turns an exit handler's error into where to resume (an exception
// something on the run's frames catches: resume is set and e updated) or
// the error Run returns: an exception nothing catches as it is, anything
// else as hostError does.
func (r *Runner) failed(err error, e *Exit) (resume bool, _ error) {
	exn := AsException(err)
	if exn == nil {
		return false, hostError(err)
	}
	if r.Unwind == nil {
		return false, exn
	}
	ec := *e // escapes (Unwind is a func value); only exceptions pay for it
	res, ok, uerr := r.Unwind(exn, &ec)
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
