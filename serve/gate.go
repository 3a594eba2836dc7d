package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// gate caps the sandboxes running at once. A request that finds every
// slot taken waits for one up to the queue timeout.
type gate struct {
	slots   chan struct{} // nil: no cap
	live    atomic.Int64
	waiting atomic.Int64
}

// errOverloaded: no slot became free in time.
var errOverloaded = errors.New("no sandbox slot became free in time")

func newGate(capacity int) *gate {
	g := &gate{}
	if capacity > 0 {
		g.slots = make(chan struct{}, capacity)
	}
	return g
}

// acquire takes a slot, waiting at most wait (not at all when wait <= 0).
// It fails with errOverloaded, or with the context's error.
func (g *gate) acquire(ctx context.Context, wait time.Duration) error {
	if g.slots == nil {
		g.live.Add(1)
		return nil
	}
	select {
	case g.slots <- struct{}{}:
		g.live.Add(1)
		return nil
	default:
	}
	if wait <= 0 {
		return errOverloaded
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		g.live.Add(1)
		return nil
	case <-t.C:
		return errOverloaded
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) release() {
	g.live.Add(-1)
	if g.slots != nil {
		<-g.slots
	}
}

// Stats is a snapshot of a handler's sandboxes.
type Stats struct {
	Live     int // sandboxes running now
	Waiting  int // requests waiting for a slot
	Capacity int // Limits.MaxConcurrent (0: no cap)
}

func (g *gate) stats() Stats {
	return Stats{Live: int(g.live.Load()), Waiting: int(g.waiting.Load()), Capacity: cap(g.slots)}
}
