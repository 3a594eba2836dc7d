package vm

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"
)

// EpochSupported reports whether this platform has the epoch's ticker.
const EpochSupported = true

// The ticker is a thread of moat's own, made with the clone system call
// rather than by the Go runtime (epoch_linux_amd64.s): it runs a dozen
// instructions of assembly in a loop (sleep a tick, advance the epoch, or
// sleep on epochActive when no run needs it) with every signal blocked,
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

// epochTickNanos is EpochTick for the assembly.
const epochTickNanos = int64(EpochTick)

// tickerStackSize is the ticker's stack: it pushes nothing, the kernel
// needs a valid stack pointer only.
const tickerStackSize = 4096

var (
	tickerOnce  sync.Once
	tickerErr   error
	tickerStack []byte // mmap'd, never unmapped
	tickerTID   int64  // the ticker thread's id, for tests
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
		top := uintptr(unsafe.Pointer(&mem[len(mem)-16]))
		r := spawnTicker(top)
		if r < 0 {
			tickerErr = fmt.Errorf("vm: starting the epoch ticker: %w", syscall.Errno(-r))
			return
		}
		tickerTID = r
	})
	return tickerErr
}

// wakeTicker wakes the ticker from its sleep on epochActive.
func wakeTicker() {
	const futexWakePrivate = 1 | 128
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&epochActive)), futexWakePrivate, 1, 0, 0, 0)
}

// epochAddr is the address code reads the epoch from: a package variable,
// which never moves.
func epochAddr() uintptr { return uintptr(unsafe.Pointer(&epoch)) }
