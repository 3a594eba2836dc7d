//go:build linux

package vm

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm/sigtrap"
)

// Code is a block of machine code in its own mapping, outside the Go heap.
// It is writable until Seal and executable after, never both (W^X). The
// owner must keep it open (not Closed) while any code in it may run: the
// runtime holds only addresses into it.
type Code struct {
	mem    []byte // the whole mapping, a multiple of the page size
	size   int    // bytes requested
	sealed bool
	faults bool // registered with the signal handler (AllowFaults)
}

// MaxCodeSize bounds a single code mapping, so that a size computed from
// hostile input cannot ask for unbounded address space.
const MaxCodeSize = 1 << 30

// NewCode maps a writable, non-executable block of at least size bytes.
func NewCode(size int) (*Code, error) {
	if size <= 0 || size > MaxCodeSize {
		return nil, fmt.Errorf("vm: code size %d out of range (1..%d)", size, MaxCodeSize)
	}
	n := uint64(roundToPage(size))
	mem, err := mapReserved(Limits{}, "code", n, codeMappings, func() ([]byte, error) {
		return unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	})
	if err != nil {
		return nil, err
	}
	return &Code{mem: mem, size: size}, nil
}

// MapCode maps code and seals it: the usual path for a linked code blob.
func MapCode(code []byte) (*Code, error) {
	c, err := NewCode(len(code))
	if err != nil {
		return nil, err
	}
	copy(c.mem, code)
	if err := c.Seal(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Bytes is the writable code area before Seal, nil after.
func (c *Code) Bytes() []byte {
	if c.sealed || c.mem == nil {
		return nil
	}
	return c.mem[:c.size]
}

// Seal makes the code read+execute and no longer writable.
func (c *Code) Seal() error {
	if c.mem == nil {
		return errCodeClosed
	}
	if c.sealed {
		return nil
	}
	if err := unix.Mprotect(c.mem, unix.PROT_READ|unix.PROT_EXEC); err != nil {
		return fmt.Errorf("vm: sealing code: %w", err)
	}
	c.sealed = true
	return nil
}

// Addr is the address of the first byte of code. Code is executable only
// once sealed.
func (c *Code) Addr() uintptr {
	if c.mem == nil {
		return 0
	}
	// The mapping is outside the Go heap and never moves; the address stays
	// valid until Close.
	return uintptr(unsafe.Pointer(&c.mem[0]))
}

// Size is the number of bytes requested for the code.
func (c *Code) Size() int { return c.size }

// Sealed reports whether the code is read+execute.
func (c *Code) Sealed() bool { return c.sealed }

// AllowFaults registers sealed code with the signal handler: a fault at a
// PC in it (a guard page, a stack guard) goes to the runtime's fault exit
// (abi.ExitFault) instead of to the Go runtime. Only generated code that
// keeps the context in R15 at every instruction may be registered. Close
// unregisters it.
func (c *Code) AllowFaults() error {
	if !c.sealed {
		return errors.New("vm: AllowFaults on unsealed code")
	}
	if c.faults {
		return nil
	}
	if err := sigtrap.RegisterCode(c.Addr(), uintptr(len(c.mem))); err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	c.faults = true
	return nil
}

// Close unmaps the code. Nothing in it may be running or run again.
func (c *Code) Close() error {
	if c.mem == nil {
		return nil
	}
	if c.faults {
		sigtrap.UnregisterCode(c.Addr(), uintptr(len(c.mem)))
		c.faults = false
	}
	releaseSpace(uint64(len(c.mem)), codeMappings)
	err := unix.Munmap(c.mem)
	c.mem, c.sealed = nil, false
	return err
}

var errCodeClosed = errors.New("vm: code is closed")

func roundToPage(n int) int {
	page := unix.Getpagesize()
	return (n + page - 1) &^ (page - 1)
}
