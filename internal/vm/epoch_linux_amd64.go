package vm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// EpochSupported reports whether this platform has the epoch's ticker.
const EpochSupported = true

// The ticker is a thread of moat's own, made with the clone system call
// rather than by the Go runtime (epoch_linux_amd64.s): it runs a dozen
// instructions of assembly in a loop (sleep a tick, or a coarse step of
// ticks while no run spins, advance the epoch, or sleep on epochActive
// when no run needs it) with every signal blocked,
// so the Go runtime never schedules, signals or stops it, and it never
// needs a P. It lives as long as the process.

// epochNext is when the ticker advances the epoch next (a struct timespec
// on CLOCK_MONOTONIC), written only by the ticker thread. The ticker sleeps
// until that time, not for a tick: a wake that comes late (the thread
// waited for a CPU) does not delay every later tick, and the ticks that
// fell due meanwhile follow at once, so the epoch keeps to the clock on
// average instead of falling behind by each wake's latency (a sleep of a
// tick took 130-160 µs on a loaded machine).
var epochNext [2]int64

// epochNow is the ticker's reading of the clock when it checks how far its
// schedule lags behind (a struct timespec), written only by the ticker.
var epochNow [2]int64

// epochWake is when a coarse step ends (a struct timespec), written only
// by the ticker thread.
var epochWake [2]int64

// epochCoarse is 1 while the ticker waits out a coarse step, as a futex
// that a run starting to spin wakes it from (epochSpinning).
var epochCoarse uint32

// epochSpinning is called when a run starts to spin and the ticker may
// have to tick at every EpochTick from now on (addSpinning): the ticker,
// in a coarse step, goes back to a tick at a time at once.
func epochSpinning() {
	if atomic.LoadUint32(&epochCoarse) == 1 && atomic.CompareAndSwapUint32(&epochCoarse, 1, 0) {
		const futexWakePrivate = 1 | 128
		syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&epochCoarse)), futexWakePrivate, 1, 0, 0, 0)
	}
}

// epochSteps counts the ticker's wakes that advanced the epoch (one or
// epochCoarseTicks ticks each), written only by the ticker, for tests.
var epochSteps uint64

// epochTickNanos is EpochTick for the assembly.
const epochTickNanos = int64(EpochTick)

// tickerStackSize is the ticker's stack: it pushes nothing, the kernel
// needs a valid stack pointer only.
const tickerStackSize = 4096

var (
	tickerOnce  sync.Once
	tickerErr   error
	tickerStack []byte // mmap'd, never unmapped
	// tickerMu guards the ticker's scheduling: tickerTID, tickerPolicy and
	// tickerNoRealtime.
	tickerMu  sync.Mutex
	tickerTID int64 // the ticker thread's id, once it runs
	// tickerPolicy is how the ticker is scheduled (tickerPriority).
	tickerPolicy tickerSched
	// tickerNoRealtime: an engine asked that the ticker never be in the
	// real-time class (DisableRealtimeTicker).
	tickerNoRealtime bool
)

// Implemented in epoch_linux_amd64.s.
func spawnTicker(stackTop uintptr) int64

// StartEpoch starts the ticker thread if it is not running yet. Code with
// epoch polls must not run before it has succeeded.
func StartEpoch() error {
	tickerOnce.Do(func() {
		mem, err := syscall.Mmap(-1, 0, tickerStackSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			tickerErr = fmt.Errorf("vm: the epoch ticker's stack: %w", err)
			return
		}
		tickerStack = mem
		atomic.StoreInt32(&epochProcs, int32(runtime.GOMAXPROCS(0)))
		top := uintptr(unsafe.Pointer(&mem[len(mem)-16]))
		r := spawnTicker(top)
		if r < 0 {
			tickerErr = fmt.Errorf("vm: starting the epoch ticker: %w", syscall.Errno(-r))
			return
		}
		tickerMu.Lock()
		defer tickerMu.Unlock()
		tickerTID = r
		tickerPolicy = tickerPriority(r, !tickerNoRealtime)
	})
	return tickerErr
}

// DisableRealtimeTicker keeps the ticker out of the real-time class for
// the rest of the process (Config.DisableRealtimeTicker): one that runs
// in it goes back to the normal class, with the shortest slice where the
// kernel takes it, and one that has not started yet never asks for it.
// The ticker is the process's, so the opt-out of one engine holds for
// all of them.
func DisableRealtimeTicker() {
	tickerMu.Lock()
	defer tickerMu.Unlock()
	tickerNoRealtime = true
	if tickerTID != 0 && tickerPolicy == tickerFIFO {
		tickerPolicy = tickerPriority(tickerTID, false)
	}
}

// wakeTicker wakes the ticker from its sleep on epochActive.
func wakeTicker() {
	const futexWakePrivate = 1 | 128
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&epochActive)), futexWakePrivate, 1, 0, 0, 0)
}

// epochAddr is the address code reads the epoch from: a package variable,
// which never moves.
func epochAddr() uintptr { return uintptr(unsafe.Pointer(&epoch)) }

// How the ticker thread is scheduled. A guest's time slice ends at a tick,
// so a tick that waits for a CPU stretches the slice of every compiled guest
// running meanwhile. With the CPUs busy (every P running a guest, or other
// processes), a thread of the normal class that wakes is not run at once:
// the kernel lets the running thread finish its own slice (1.4 ms on a
// 2-CPU machine) and may notice only at its next scheduler tick (4 ms at
// HZ=250), so ticks came 3-11 ms late (perf sched on the loaded 2-CPU
// machine), which made guests run that long without a yield while a
// collection waited for a P. So the ticker asks for the real-time class
// (SCHED_FIFO at the lowest priority), which runs it as soon as it wakes;
// it runs a few instructions per tick and never spins, so it takes nothing
// from anyone. That needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least 1;
// without either, it asks for the shortest slice of the normal class
// (sched_setattr's sched_runtime, Linux 6.12 and later), which lets its
// wakes preempt threads with longer slices; an older kernel ignores that.
type tickerSched uint8

const (
	tickerNormal     tickerSched = iota // neither request was granted
	tickerFIFO                          // SCHED_FIFO, priority 1
	tickerShortSlice                    // SCHED_OTHER with a slice of EpochTick
)

// schedAttr is the kernel's struct sched_attr (its first version).
type schedAttr struct {
	size     uint32
	policy   uint32
	flags    uint64
	nice     int32
	priority uint32
	runtime  uint64 // for SCHED_OTHER: the slice, 100 µs to 100 ms
	deadline uint64
	period   uint64
}

const (
	sysSchedSetattr = 314
	schedOther      = 0
	schedFIFO       = 1
)

// RealtimeTicker reports whether the ticker runs in the real-time class.
func RealtimeTicker() bool {
	tickerMu.Lock()
	defer tickerMu.Unlock()
	return tickerPolicy == tickerFIFO
}

// tickerPriority asks for the ticker thread (tid) to be run promptly when
// it wakes, in the real-time class only if realtime, and reports what the
// kernel granted. Without realtime it also takes a thread out of the
// real-time class: the normal class's plain policy is always allowed.
func tickerPriority(tid int64, realtime bool) tickerSched {
	set := func(attr schedAttr) bool {
		attr.size = uint32(unsafe.Sizeof(attr))
		return schedSetattr(tid, &attr) == nil
	}
	if realtime && set(schedAttr{policy: schedFIFO, priority: 1}) {
		return tickerFIFO
	}
	if set(schedAttr{policy: schedOther, runtime: uint64(EpochTick)}) {
		return tickerShortSlice
	}
	set(schedAttr{policy: schedOther})
	return tickerNormal
}

// schedSetattr is the sched_setattr system call for thread tid (a
// variable, so that tests can see what the ticker asks for).
var schedSetattr = func(tid int64, attr *schedAttr) error {
	_, _, errno := syscall.RawSyscall(sysSchedSetattr, uintptr(tid), uintptr(unsafe.Pointer(attr)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
