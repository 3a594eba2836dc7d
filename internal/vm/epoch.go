package vm

import (
	"sync/atomic"
	"time"
)

// The epoch is the clock of compiled code's polls (abi.CtxEpochAddr): a
// process-wide counter that advances every EpochTick while any run of
// epoch-polling code is in progress (coarsely while none spins:
// epochCoarseTicks). A poll compares it with its
// context's deadline, a load and a compare that store nothing, where a
// counting poll's read-modify-write of memory would chain every iteration
// of a tight loop to the last. What it costs is a time source that needs
// no P: with every P running a guest, a Go timer or ticker goroutine would
// wait for one as long as anything else (epoch_linux_amd64.s).
//
// Counting polls stay where the count is the point: fuel (one unit per
// poll) and fixed test grants (Runner.PollInterval).

// EpochTick is the period of the epoch.
const EpochTick = 100 * time.Microsecond

// sliceTicks is TimeSlice in ticks, rounded up (a variable for tests
// that need a slice that never ends).
var sliceTicks = uint64((TimeSlice + EpochTick - 1) / EpochTick)

// epoch is the counter itself; it starts at 1 so that a deadline of 0
// means "now" (an interrupted run). Written only by the ticker thread.
var epoch uint64 = 1

// epochActive counts the runs that need the ticker; the ticker thread
// sleeps on it (a futex) when it has been 0 for a while.
var epochActive uint32

// epochParked is 1 while the ticker thread sleeps on epochActive.
var epochParked uint32

// epochIdleTicks is how many ticks without a run the ticker makes before
// it sleeps, so that a stream of short calls wakes it seldom.
const epochIdleTicks = 100

// epochCoarseTicks is how many ticks the ticker makes at once while no run
// spins (none has come back to Go at a poll yet, SpinningGuests): such runs
// are young, and a stream of calls that each last microseconds (a server's
// requests) keeps a run in progress at almost every moment, so ticking at
// EpochTick would wake the ticker 10,000 times a second for calls that
// never need it. A young run's first slice then ends at a step, 1-2 steps
// after it began (firstSliceTicks); its first visit makes it spin, which cuts the ticker's
// step short (epochSpinning) when the ticker must tick every EpochTick
// from then on (epochProcs, epochFineRuns). The pacer checks the clock before it takes the epoch's word
// for a deadline, and a context's deadline also pokes the run
// (Runner.Run).
const epochCoarseTicks = 10

// epochCalmTicks is how many ticks the ticker makes at once once runs have
// been in progress with none spinning for epochCalmAfter steps (a calm
// stretch: a server's stream of short requests). In coarse steps such a
// stream wakes the ticker 1,000 times a second for calls that never need
// it, and each wake of a real-time thread on a busy machine costs its own
// system time and a context switch of the thread it preempts (7% of `moat
// serve`'s CPU under load). A young run's first slice then ends 1-2 calm
// steps (4-8 ms) after it began, under the Go scheduler's own 10 ms; the
// first run that spins ends the calm stretch (it cuts the step short:
// epochSpinning), and the steps are coarse or fine again until the next
// one.
const epochCalmTicks = 40

// epochCalmAfter is the calm stretch's count of steps (a variable for
// tests; the ticker reads it at each step).
var epochCalmAfter uint64 = 10

// epochStepTicks is the length of the ticker's current step while no run
// spins, in ticks: epochCoarseTicks, or epochCalmTicks in a calm stretch.
// Written only by the ticker (on a platform without one, it stays
// epochCoarseTicks).
var epochStepTicks uint64 = epochCoarseTicks

// epochCalm counts the ticker's steps since a run last spun (a step cut
// short by a run that starts to spin, or a wake that finds one spinning,
// starts it again), written only by the ticker.
var epochCalm uint64

// epochProcs is GOMAXPROCS for the ticker (crowded keeps it current; 0,
// which makes every spinning guest count as crowded, until the ticker
// starts), and epochFineRuns counts the spinning runs that need every
// tick (Pacer.NeedEpochTicks). While the spinning guests are fewer than
// the Ps and none of them needs every tick, the ticker steps coarsely
// (epochCoarseTicks at a time) as it does while no run spins: a P is free
// for any goroutine that becomes runnable, the Go runtime reaches the
// guests' code through its preemption signal (the signal handler zeroes
// their epoch deadline), and a guest's time slice ends at the next step.
// Ticking every EpochTick for one guest that runs alone cost 4.6-12.9% of
// the process's CPU time (the ticker's wakes; bench/cmd/peers -clock cpu).
var epochProcs, epochFineRuns int32

// Epoch is the current epoch.
func Epoch() uint64 { return atomic.LoadUint64(&epoch) }

// epochEnter and epochLeave bracket a run of epoch-polling code.
func epochEnter() {
	if atomic.AddUint32(&epochActive, 1) == 1 && atomic.LoadUint32(&epochParked) != 0 {
		wakeTicker()
	}
}

func epochLeave() { atomic.AddUint32(&epochActive, ^uint32(0)) }

// epochAfter is the epoch that comes d from now when the epoch is e (at
// least the next one). It may come up to a tick early, as e may be about
// to advance: the pacer then finds the time not yet up and waits a tick
// more.
func epochAfter(e uint64, d time.Duration) uint64 {
	if d <= 0 {
		return e + 1
	}
	return e + uint64((d+EpochTick-1)/EpochTick)
}
