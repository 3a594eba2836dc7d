package moat

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/vm"
)

// ErrStoreBusy is returned by a call into a store while another goroutine
// has a call running in it (see Store). It is matched with errors.Is: closing
// a store or instance from inside one of the store's own calls fails with an
// error that matches it too.
var ErrStoreBusy = errors.New("moat: the store is busy: a call into it is running on another goroutine")

// busyError is an ErrStoreBusy with its own message.
type busyError struct{ msg string }

func (e *busyError) Error() string        { return e.msg }
func (e *busyError) Is(target error) bool { return target == ErrStoreBusy }

var errCloseInCall = &busyError{"moat: cannot close a store or instance from inside a call into that store"}

// enter marks s in use by the calling goroutine, or, when that goroutine
// already has a call running in s (a host function calling back), nests in
// it. It fails with ErrStoreBusy when another goroutine has s. Every
// successful enter is paired with a leave, deferred so that a panic cannot
// leave the store marked.
//
// The mark costs an atomic compare-and-swap and an atomic store per
// outermost call. depth needs no atomics: only the goroutine that owns the
// mark touches it, and the CAS that takes the mark orders it after the
// previous owner's store that gave it up.
func (s *storeState) enter() error {
	g := vm.CurrentGoroutine()
	switch owner := s.owner.Load(); {
	case owner == g:
		s.depth++
	case owner != 0 || !s.owner.CompareAndSwap(0, g):
		return ErrStoreBusy
	default:
		s.depth = 1
	}
	return nil
}

// enter is storeState.enter for a handle: a closed store's handle is
// refused with ErrClosed, before and after taking the mark (the state may
// have been recycled for another store meanwhile).
func (r storeRef) enter() error {
	s := r.storeState
	if s.gen.Load() != r.gen {
		return ErrClosed
	}
	if err := s.enter(); err != nil {
		return err
	}
	if s.gen.Load() != r.gen {
		s.leave()
		return ErrClosed
	}
	return nil
}

// enterOpen is enter for what a closed store refuses: a store closed by
// a call of its own (Close from a host function's caller) fails with
// ErrClosed. A nil error is paired with a leave.
func (r storeRef) enterOpen() error {
	if err := r.enter(); err != nil {
		return err
	}
	if r.closed {
		r.leave()
		return ErrClosed
	}
	return nil
}

// enterIdle is enterOpen for a setting that a running call must not see
// change under it: from a host function (a call is running in the store)
// it fails with an error naming op.
func (r storeRef) enterIdle(op string) error {
	if err := r.enterOpen(); err != nil {
		return err
	}
	if r.depth > 1 {
		r.leave()
		return fmt.Errorf("moat: %s from a host function: a call is running in the store", op)
	}
	return nil
}

// leave undoes one enter.
func (s *storeState) leave() {
	s.depth--
	if s.depth == 0 {
		s.owner.Store(0)
	}
}
