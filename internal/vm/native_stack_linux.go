//go:build linux

package vm

import (
	"fmt"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm/sigtrap"
	"golang.org/x/sys/unix"
)

// Stack is a native stack for generated code: a private anonymous mapping
// with a PROT_NONE guard region at its low end (stacks grow down). It lives
// outside the Go heap, so the garbage collector never scans or moves it and
// it holds no Go pointers. One goroutine uses a Stack at a time.
//
// From the top down: the bytes code may use (down to Limit), the red zone
// (abi.StackRedZone bytes, and up to a page more, where a small frame may
// reach past the limit before its prologue's check of the stack pointer
// alone), then the guard.
type Stack struct {
	mem   []byte // guard region followed by the usable stack
	guard int
	// bottom, top and limit are addresses in mem, cached (the mapping
	// never moves): the lowest usable byte, one past the highest, and the
	// value for Context.StackLimit.
	bottom, top, limit uintptr
	// next is where the next entry starts building its frame: the top of
	// the stack, or just below the native frames of an exit in progress
	// while a host function (which may re-enter) runs.
	next uintptr
	// live is the stack pointer of the innermost exit in progress (0 when
	// none): while Go serves an exit, every frame of compiled code on the
	// stack, with the registers the exit saved, lies in [live, top).
	live uintptr
}

// NewStack maps a stack on which code may use limit bytes (0 means
// DefaultStackLimit) below its top: Limit is exactly limit bytes below Top.
// The mapping adds the red zone below the limit and a StackGuardSize guard
// region; it reserves address space and commits only the pages code
// touches, so a large limit costs no memory until it is used. It is charged
// against the default limits.
func NewStack(limit int) (*Stack, error) { return NewStackWithin(limit, Limits{}) }

// NewStackWithin is NewStack charged against l.
func NewStackWithin(limit int, l Limits) (*Stack, error) {
	if limit == 0 {
		limit = DefaultStackLimit
	}
	if limit < 0 || limit > MaxStackSize {
		return nil, fmt.Errorf("vm: stack limit %d out of range (1..%d)", limit, MaxStackSize)
	}
	size := roundToPage(limit + abi.StackRedZone)
	guard := roundToPage(StackGuardSize)
	total := uint64(guard + size)
	// MAP_NORESERVE|MAP_STACK: address space now, memory only for the pages
	// code actually touches.
	mem, err := mapReserved(l, "a native stack", total, stackMappings, func() ([]byte, error) {
		return unix.Mmap(-1, 0, guard+size, unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE|unix.MAP_STACK)
	})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Stack, error) {
		unix.Munmap(mem)
		releaseSpace(total, stackMappings)
		return nil, err
	}
	if err := unix.Mprotect(mem[:guard], unix.PROT_NONE); err != nil {
		return fail(fmt.Errorf("vm: protecting the stack guard: %w", err))
	}
	// A fault in the guard from generated code is the stack-exhausted
	// trap (the backstop behind the prologues' checks).
	if err := sigtrap.RegisterStackGuard(uintptr(unsafe.Pointer(&mem[0])), uintptr(guard)); err != nil {
		return fail(fmt.Errorf("vm: %w", err))
	}
	s := &Stack{mem: mem, guard: guard}
	s.bottom = s.base() + uintptr(guard)
	s.top = s.base() + uintptr(len(mem))
	s.limit = s.top - uintptr(limit)
	s.next = s.top
	return s, nil
}

// base is the address of the mapping's first byte (the guard's).
func (s *Stack) base() uintptr {
	// The mapping is outside the Go heap and never moves; the address stays
	// valid until Close.
	return uintptr(unsafe.Pointer(&s.mem[0]))
}

// Top is the stack's highest address (exclusive), page aligned.
func (s *Stack) Top() uintptr { return s.top }

// Bottom is the lowest usable address, just above the guard region.
func (s *Stack) Bottom() uintptr { return s.bottom }

// Limit is the value for Context.StackLimit: the lowest address the stack
// pointer may reach, at least abi.StackRedZone bytes above the bottom.
func (s *Stack) Limit() uintptr { return s.limit }

// Size is the usable size in bytes, the red zone included.
func (s *Stack) Size() int { return int(s.top - s.bottom) }

// words returns the n words at addr as a slice, or nil when they do not lie
// entirely inside the usable stack or addr is not word aligned. Exit
// arguments come from generated code: they are checked, never trusted.
func (s *Stack) words(addr uintptr, n uint64) []uint64 {
	if s.mem == nil || addr%8 != 0 || addr < s.bottom || addr > s.top || n > uint64(s.top-addr)/8 {
		return nil
	}
	if n == 0 {
		return []uint64{}
	}
	off := addr - (s.top - uintptr(len(s.mem)))
	// off and n were checked against the mapping above, and the mapping is
	// word aligned, so the slice covers stack memory only.
	return unsafe.Slice((*uint64)(unsafe.Pointer(&s.mem[off])), n)
}

// Word reads the word at addr when it lies inside the usable stack and is
// aligned; backtraces use it to walk frame pointers they cannot trust.
func (s *Stack) Word(addr uintptr) (uint64, bool) {
	w := s.words(addr, 1)
	if w == nil {
		return 0, false
	}
	return w[0], true
}

// Words returns the n words at addr (a view of the stack, valid until the
// code runs again), or nil when they do not all lie inside the usable
// stack: a throw's payload, whose address comes from generated code.
func (s *Stack) Words(addr uintptr, n uint64) []uint64 { return s.words(addr, n) }

// LiveWords returns the words in which compiled frames may hold values
// while an exit is served (see live), or nil when no exit is in progress:
// the collector scans them conservatively for references (docs/gc.md).
// The view is valid until the code runs again.
func (s *Stack) LiveWords() []uint64 {
	if s.live == 0 {
		return nil
	}
	return s.words(s.live, uint64(s.top-s.live)/8)
}

// Decommit gives the pages code touched back to the kernel, keeping the
// mapping: the next run finds them zeroed, at the cost of faulting them in
// again. A run that exhausted the stack touched every page down to the
// limit; without this, they would stay resident for the stack's life. No
// code may be running on the stack.
func (s *Stack) Decommit() error {
	if s.mem == nil {
		return nil
	}
	return unix.Madvise(s.mem[s.guard:], unix.MADV_DONTNEED)
}

// InGuard reports whether addr lies in the stack's guard region.
func (s *Stack) InGuard(addr uintptr) bool {
	return s.mem != nil && addr-s.base() < uintptr(s.guard)
}

// Close unmaps the stack. No code may be running on it.
func (s *Stack) Close() error {
	if s.mem == nil {
		return nil
	}
	sigtrap.UnregisterStackGuard(s.base(), uintptr(s.guard))
	releaseSpace(uint64(len(s.mem)), stackMappings)
	err := unix.Munmap(s.mem)
	s.mem = nil
	s.next, s.bottom, s.top, s.limit = 0, 0, 0, 0
	return err
}

// Idle reports whether no frame is on the stack: no entry is in progress,
// so the stack can serve another call from scratch.
func (s *Stack) Idle() bool { return s.mem != nil && s.next == s.top }
