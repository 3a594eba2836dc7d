package amd64

import (
	"time"

	"github.com/moat-run/moat/internal/cpuclock"
)

// Timing accumulates, over the Compile calls given it in Options.Timing,
// the CPU time of each phase and the instructions compiled, so benchmarks
// can report the cost of a phase per machine instruction. Each phase is
// read from the compiling thread's CPU clock where the platform has one
// (threadClock), so time the machine gives other processes is not counted;
// a call whose goroutine changed threads in the middle is left out
// (Skipped), as its clock readings come from different threads.
type Timing struct {
	Lower, Allocate, Emit time.Duration
	// Insts are the vcode instructions of the counted calls (lowering's
	// output, before the allocator's edge blocks).
	Insts int
	// Funcs are the calls counted; Skipped those left out.
	Funcs, Skipped int
}

// phaseClock reads the phase boundaries of one Compile call.
type phaseClock struct {
	t      *Timing
	thread int
	marks  [4]time.Duration
	n      int
}

func (c *phaseClock) start(t *Timing) {
	if t == nil {
		return
	}
	c.t, c.n = t, 0
	c.thread = cpuclock.ThreadID()
	c.mark()
}

// mark records the end of a phase (the first call, the start of the first).
func (c *phaseClock) mark() {
	if c.t != nil && c.n < len(c.marks) {
		c.marks[c.n] = threadClock()
		c.n++
	}
}

// done adds the phases to the Timing, if the thread stayed the same.
func (c *phaseClock) done(insts int) {
	t := c.t
	if t == nil || c.n != len(c.marks) {
		return
	}
	if cpuclock.ThreadID() != c.thread {
		t.Skipped++
		return
	}
	t.Lower += c.marks[1] - c.marks[0]
	t.Allocate += c.marks[2] - c.marks[1]
	t.Emit += c.marks[3] - c.marks[2]
	t.Insts += insts
	t.Funcs++
}

var clockStart = time.Now()

// threadClock is the compiling thread's CPU time, or the wall time since the
// process started where the thread's clock is not read.
func threadClock() time.Duration {
	if d, ok := cpuclock.Thread(); ok {
		return d
	}
	return time.Since(clockStart)
}
