package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Gate caps the sandboxes running at once. A request that finds every
// slot taken waits for one up to its handler's queue timeout.
//
// Each handler has a gate of its own, of Limits.MaxConcurrent slots,
// unless Config.Gate gives it one to share: handlers whose sandboxes take
// their memories from one pool (an engine made with moat.Config.Pooling)
// share a gate of the pool's size, so that a request waits its turn in
// the queue instead of failing to instantiate; and a route reloaded with
// a new handler keeps counting the requests still running on the old one.
type Gate struct {
	slots   chan struct{} // nil: no cap
	live    atomic.Int64
	waiting atomic.Int64
}

// errOverloaded: no slot became free in time.
var errOverloaded = errors.New("no sandbox slot became free in time")

// NewGate makes a gate of capacity slots (0: no cap).
func NewGate(capacity int) *Gate {
	g := &Gate{}
	if capacity > 0 {
		g.slots = make(chan struct{}, capacity)
	}
	return g
}

// Capacity is the gate's number of slots (0: no cap).
func (g *Gate) Capacity() int { return cap(g.slots) }

// acquire takes a slot, waiting at most wait (not at all when wait <= 0).
// It fails with errOverloaded, or with the context's error. waited says
// whether it had to wait (so that a request admitted at once reads the
// clock no more).
func (g *Gate) acquire(ctx context.Context, wait time.Duration) (waited bool, err error) {
	if g.slots == nil {
		g.live.Add(1)
		return false, nil
	}
	select {
	case g.slots <- struct{}{}:
		g.live.Add(1)
		return false, nil
	default:
	}
	if wait <= 0 {
		return false, errOverloaded
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		g.live.Add(1)
		return true, nil
	case <-t.C:
		return true, errOverloaded
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

func (g *Gate) release() {
	g.live.Add(-1)
	if g.slots != nil {
		<-g.slots
	}
}

// Stats is a snapshot of a gate's sandboxes.
type Stats struct {
	Live     int // sandboxes running now
	Waiting  int // requests waiting for a slot
	Capacity int // the gate's slots, Limits.MaxConcurrent by default (0: no cap)
}

// Stats reports the gate's sandboxes now.
func (g *Gate) Stats() Stats {
	return Stats{Live: int(g.live.Load()), Waiting: int(g.waiting.Load()), Capacity: cap(g.slots)}
}
