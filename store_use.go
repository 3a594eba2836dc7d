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

// The mark (storeState.owner) is one word that holds either the goroutine
// with a call running in the store (goroutineMark: odd) or, while none
// has, the state's generation (freeMark: even, 0 in a new state). Taking the mark is a
// compare-and-swap from the free mark of the handle's own generation, so
// that the generation check and the taking are one step: a handle of a
// closed store, whose state may serve another store now, can never take
// the next store's mark, not even for a moment, nor reach anything behind
// it.

// goroutineMark is the mark of the calling goroutine.
func goroutineMark() uintptr { return vm.CurrentGoroutine()<<1 | 1 }

// freeMark is the mark of a state of generation gen that no call holds.
func freeMark(gen uint64) uintptr { return uintptr(gen) << 1 }

// enter marks s in use by the calling goroutine for the state's current
// store (see storeRef.enter).
func (s *storeState) enter() error { return s.ref().enter() }

// enter marks r's store in use by the calling goroutine, or, when that
// goroutine already has a call running in it (a host function calling
// back), nests in it. It fails with ErrClosed once the store is closed
// (its state may serve another store now: nothing of that one is
// touched), and with ErrStoreBusy when another goroutine has a call
// running in it. Every successful enter is paired with a leave, deferred
// so that a panic cannot leave the store marked.
//
// The mark costs an atomic compare-and-swap and an atomic store per
// outermost call. depth needs no atomics: only the goroutine that owns the
// mark touches it, and the CAS that takes the mark orders it after the
// previous owner's store that gave it up.
func (r storeRef) enter() error {
	s := r.storeState
	g := goroutineMark()
	switch owner := s.owner.Load(); {
	case owner == g:
		// A call of ours runs in the state: the store is the one it
		// runs in unless the handle's is an earlier one, closed.
		if s.gen.Load() != r.gen {
			return ErrClosed
		}
		s.depth++
	case owner == freeMark(r.gen) && s.owner.CompareAndSwap(owner, g):
		s.depth = 1
	case s.gen.Load() != r.gen:
		return ErrClosed
	default:
		return ErrStoreBusy
	}
	return nil
}

// pin is for a handle that looks at r's store while another goroutine has
// a call running in it (a lookup of exports): it reports whether the
// store is still open, and the state stays r's store's until unpin, as
// Close recycles nothing of a state pinned when its generation moved on
// (the pin comes before the generation check, the check after Close's
// move: one of the two sees the other). A true is paired with unpin.
func (r storeRef) pin() bool {
	r.pins.Add(1)
	if r.storeState.gen.Load() != r.gen {
		r.pins.Add(-1)
		return false
	}
	return true
}

// unpin undoes pin.
func (r storeRef) unpin() { r.pins.Add(-1) }

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
		// Close moved the generation on under the mark: the free
		// mark it leaves is the next store's.
		s.owner.Store(freeMark(s.gen.Load()))
	}
}
