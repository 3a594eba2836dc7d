package serve

import (
	"context"
	"sync"
)

// cutter cuts the connection's reads or writes short when the guest's
// context ends while it waits on them (the guest reads the body and
// writes the response on its own goroutine: see input and output).
// Watching starts at the first wait that may reach the connection, and
// stop ends it for good: a cut never lands after stop returns, so it
// cannot touch a connection that has moved on to its next request.
type cutter struct {
	mu      sync.Mutex
	stopped bool
	cutFn   func()
	stopAF  func() bool // nil: not watching
	// firing: stop found the cut begun (or done), so it may still touch
	// the cutter, and what holds it must not be reused.
	firing bool
}

// watch runs cut (under the cutter's lock) when ctx ends, unless stop
// comes first. Only the first call counts.
func (c *cutter) watch(ctx context.Context, cut func()) {
	if c.stopAF == nil && ctx != nil {
		c.cutFn = cut
		c.stopAF = context.AfterFunc(ctx, c.fire)
	}
}

func (c *cutter) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.cutFn()
	}
}

// locked runs f under the cutter's lock, so that f and a cut do not
// interleave.
func (c *cutter) locked(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// stop ends the watch; a cut in progress finishes first.
func (c *cutter) stop() {
	if c.stopAF == nil {
		return
	}
	c.firing = !c.stopAF()
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}
