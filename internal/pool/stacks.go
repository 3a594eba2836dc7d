package pool

import (
	"sync"

	"github.com/moat-run/moat/internal/vm"
)

// Stacks is an engine's pool of native stacks. Stacks belong to running
// calls, not to instances or stores: the outermost call into a store
// borrows one (Get) and gives it back when it returns (Put), so idle
// sandboxes hold none and a process needs as many stacks as it runs calls
// at once. Up to maxIdle stacks wait for the next call, with whatever
// pages earlier calls touched; the rest are unmapped at once.
//
// A returned stack keeps the bytes of the call that used it. Generated
// code never reads a stack slot it did not write in the same call (locals
// start at zero, spills are written before they are read), so they are
// not observable by the next guest.
type Stacks struct {
	size    int
	limits  vm.Limits
	maxIdle int

	mu    sync.Mutex
	idle  []*vm.Stack
	inUse int
}

// NewStacks makes a pool of stacks of size usable bytes each (see
// vm.NewStackWithin), charged against limits, keeping at most maxIdle idle.
func NewStacks(size int, limits vm.Limits, maxIdle int) *Stacks {
	return &Stacks{size: size, limits: limits, maxIdle: maxIdle}
}

// Get borrows a stack: an idle one, or a new mapping.
func (p *Stacks) Get() (*vm.Stack, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		s := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.inUse++
		p.mu.Unlock()
		return s, nil
	}
	p.inUse++
	p.mu.Unlock()
	s, err := vm.NewStackWithin(p.size, p.limits)
	if err != nil {
		p.mu.Lock()
		p.inUse--
		p.mu.Unlock()
		return nil, err
	}
	return s, nil
}

// Put gives back a stack Get lent. A stack with frames still on it (a call
// that did not unwind) is never lent again: it is unmapped.
func (p *Stacks) Put(s *vm.Stack) {
	p.mu.Lock()
	p.inUse--
	if s.Idle() && len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, s)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	_ = s.Close()
}

// Counts reports the stacks lent now and those waiting idle.
func (p *Stacks) Counts() (inUse, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse, len(p.idle)
}
