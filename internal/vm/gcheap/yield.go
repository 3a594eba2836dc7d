package gcheap

import (
	"time"

	"github.com/moat-run/moat/internal/cpuclock"
)

// yield calls Yield, when set, between two chunks of long work, and
// reports whether it stopped the work. While a collection runs, the time
// in Yield is left out of the collection's CPU time (pauseClock).
func (h *Heap) yield() (stop bool) {
	if h.Yield == nil {
		return false
	}
	if !h.pauseClock.running {
		return h.Yield()
	}
	h.pauseClock.lap()
	stop = h.Yield()
	h.pauseClock.resume()
	return stop
}

// pauseClock measures a collection's CPU time (Stats.PausesCPU). The
// collection runs on the allocating goroutine, which yields between the
// chunks of its work: other goroutines may run on its thread meanwhile,
// and it may come back on another thread. So the time is summed over the
// stretches between two yields, each read from the clock of the thread
// that ran it. The goroutine is not locked to its thread instead: a locked
// goroutine's every yield hands its P to another thread, which finds the
// goroutine runnable and hands the P back through a futex wake, and the
// kernel queues the woken thread on its last CPU, behind whatever runs
// there: with two guests spinning on two CPUs, a cancelled guest waited
// there 1.3-1.5 ms (a scheduler slice) while the other CPU was idle.
type pauseClock struct {
	running  bool
	cpu      time.Duration // the finished stretches'
	cpuMark  time.Duration // the thread's CPU time when this stretch began
	wallMark time.Time     // and the time
}

// begin starts the clock of a collection that starts at now.
func (c *pauseClock) begin(now time.Time) {
	*c = pauseClock{running: true, cpuMark: threadCPU(), wallMark: now}
}

// lap ends a stretch. One in which the goroutine moved to another thread
// (an asynchronous preemption) read two threads' clocks; it counts for
// no more than its wall time and no less than nothing.
func (c *pauseClock) lap() {
	cpu, wall := threadCPU()-c.cpuMark, time.Since(c.wallMark)
	c.cpu += min(max(cpu, 0), wall)
}

// resume starts the next stretch.
func (c *pauseClock) resume() { c.cpuMark, c.wallMark = threadCPU(), time.Now() }

// stop ends the last stretch and returns the collection's CPU time.
func (c *pauseClock) stop() time.Duration {
	c.lap()
	c.running = false
	return c.cpu
}

// end stops the clock, whether or not the collection finished.
func (c *pauseClock) end() { c.running = false }

// threadCPU is the CPU time the calling thread has used (0 where it is not
// read), so that a pause can be told from the time other processes took the
// CPU during it.
func threadCPU() time.Duration {
	d, _ := cpuclock.Thread()
	return d
}
