package vm

import (
	"runtime"
	"sync"
)

// The start of a cycle's sweep, as a hint to the parked guests: a channel
// closed by the finalizer of a sentinel object, unreachable from its
// allocation, which makes the next sentinel and channel. A parked guest
// looks whether marking is over on its timer (gcMarkPoll), which the
// runtime runs on the P the guest parked on; when that P is the one whose
// mark worker finishes mark termination, held until its round over every
// P is done, the guest sleeps through the very moment its hand-over is for
// (gcpark.go's handOver). A finalizer is different: the sweep queues it
// as soon as it reaches the object's span, and the next P to look for a
// goroutine to run, the caller of runtime.GC() going round
// runtime.Gosched on another P for one, wakes the finalizer goroutine
// there, whose close readies the guests on that P. The sentinel is a
// large object with pointers, whose spans the sweep reaches first and no
// P caches. The hint only wakes the guests: they look at the collector
// themselves.
var gcHint struct {
	mu sync.Mutex
	ch chan struct{}
}

// gcHintSentinel is the hint's sentinel: 32 KiB of pointers, a large
// object (above the largest small size class) in the first span class the
// sweep goes through.
type gcHintSentinel [4 << 10]*byte

// gcSweepHint is the current hint's channel; the first call arms it.
func gcSweepHint() <-chan struct{} {
	gcHint.mu.Lock()
	defer gcHint.mu.Unlock()
	if gcHint.ch == nil {
		newGCHint()
	}
	return gcHint.ch
}

// newGCHint makes the next channel and its sentinel (gcHint.mu held).
func newGCHint() {
	gcHint.ch = make(chan struct{})
	runtime.SetFinalizer(new(gcHintSentinel), gcHintSwept)
}

// gcHintSwept is the sentinel's finalizer.
func gcHintSwept(*gcHintSentinel) {
	gcHint.mu.Lock()
	defer gcHint.mu.Unlock()
	close(gcHint.ch)
	newGCHint()
}
