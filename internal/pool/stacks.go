package pool

import (
	"sync/atomic"

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

	// idle holds the idle stacks (FreeList: no lock common to every
	// call), counted by idleCount; inUse counts those lent.
	idle      *FreeList[*vm.Stack]
	idleCount atomic.Int64
	inUse     atomic.Int64
}

// NewStacks makes a pool of stacks of size usable bytes each (see
// vm.NewStackWithin), charged against limits, keeping at most maxIdle idle.
func NewStacks(size int, limits vm.Limits, maxIdle int) *Stacks {
	return &Stacks{size: size, limits: limits, maxIdle: maxIdle, idle: NewFreeList[*vm.Stack](maxIdle)}
}

// Get borrows a stack: an idle one, or a new mapping.
func (p *Stacks) Get() (*vm.Stack, error) {
	p.inUse.Add(1)
	if s, ok := p.idle.Take(nil, 0); ok {
		p.idleCount.Add(-1)
		return s, nil
	}
	s, err := vm.NewStackWithin(p.size, p.limits)
	if err != nil {
		p.inUse.Add(-1)
		return nil, err
	}
	return s, nil
}

// Put gives back a stack Get lent. A stack with frames still on it (a call
// that did not unwind) is never lent again: it is unmapped.
func (p *Stacks) Put(s *vm.Stack) {
	p.inUse.Add(-1)
	if s.Idle() {
		if p.idleCount.Add(1) <= int64(p.maxIdle) {
			p.idle.Put(s)
			return
		}
		p.idleCount.Add(-1)
	}
	_ = s.Close()
}

// Counts reports the stacks lent now and those waiting idle.
func (p *Stacks) Counts() (inUse, idle int) {
	return int(p.inUse.Load()), int(p.idleCount.Load())
}
