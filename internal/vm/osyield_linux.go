package vm

import "syscall"

// osYield gives the thread's CPU to another thread the kernel has queued
// on it (sched_yield), and returns at once when there is none. The Go
// scheduler's own yield (runtime.Gosched) hands the P to another goroutine
// on the same thread, which leaves a thread of the runtime queued behind
// it on the CPU (gcpark.go's handOver).
//
// A raw system call, which the Go scheduler does not see: sched_yield
// never blocks, so the goroutine keeps its P throughout. Through
// syscall.Syscall the P counted as in a system call, and a collection's
// mark termination (which makes every P run a function, handing off the
// Ps in system calls) woke another thread for it, which took the CPU from
// the very thread it was meant for.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
