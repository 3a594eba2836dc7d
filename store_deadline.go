package moat

import "time"

// SetDeadline makes every call into the store that runs past t end with a
// Trap of code TrapInterrupted whose cause is context.DeadlineExceeded, as
// a call's context's deadline does, but with no context, timer or goroutine
// of its own: the runtime's polls compare the clock with it (Wasmtime's
// epoch deadline, in time). A server that gives each request a store and
// a deadline bounds the request's guest code by it at no cost per request.
// A call's context still applies too, whichever ends first. The zero time
// removes the deadline. Calls that start after SetDeadline see it (a host
// function may set it for the calls it makes).
//
// The deadline binds guest code and a wait for a CPU lane (Store.
// SetCPULanes), not host functions: one that blocks (on I/O, a sleep)
// bounds its own wait, by the call's context or by the deadline itself.
// It fails with ErrClosed once the store is closed.
func (s *Store) SetDeadline(t time.Time) error {
	if err := s.enterOpen(); err != nil {
		return err
	}
	defer s.leave()
	s.vs.SetDeadline(t)
	return nil
}

// Deadline is the store's deadline (SetDeadline), or the zero time.
func (s *Store) Deadline() time.Time {
	if err := s.enter(); err != nil {
		return time.Time{}
	}
	defer s.leave()
	return s.vs.Deadline()
}
