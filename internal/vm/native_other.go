//go:build !linux

package vm

// Code and Stack need mmap and mprotect; on this platform they only report
// that native code is unsupported.

// Code is a block of machine code (unsupported here).
type Code struct{}

// MaxCodeSize bounds a single code mapping.
const MaxCodeSize = 1 << 30

// NewCode reports ErrNativeUnsupported.
func NewCode(size int) (*Code, error) { return nil, ErrNativeUnsupported }

// MapCode reports ErrNativeUnsupported.
func MapCode(code []byte) (*Code, error) { return nil, ErrNativeUnsupported }

func (c *Code) Bytes() []byte { return nil }
func (c *Code) Seal() error   { return ErrNativeUnsupported }
func (c *Code) Addr() uintptr { return 0 }
func (c *Code) Size() int     { return 0 }
func (c *Code) Sealed() bool  { return false }
func (c *Code) Close() error  { return nil }

// Stack is a native stack (unsupported here).
type Stack struct{}

// NewStack reports ErrNativeUnsupported.
func NewStack(limit int) (*Stack, error) { return nil, ErrNativeUnsupported }

// NewStackWithin reports ErrNativeUnsupported.
func NewStackWithin(size int, l Limits) (*Stack, error) { return nil, ErrNativeUnsupported }

func (s *Stack) Top() uintptr    { return 0 }
func (s *Stack) Bottom() uintptr { return 0 }
func (s *Stack) Limit() uintptr  { return 0 }
func (s *Stack) Size() int       { return 0 }
func (s *Stack) Close() error    { return nil }
func (s *Stack) Decommit() error { return nil }

// LiveWords is nil: no compiled code runs here.
func (s *Stack) LiveWords() []uint64 { return nil }

// Word reports false: there is no stack to read here.
func (s *Stack) Word(addr uintptr) (uint64, bool) { return 0, false }

// Words is nil: there is no native stack on this platform.
func (s *Stack) Words(addr uintptr, n uint64) []uint64 { return nil }

// AllowFaults reports ErrNativeUnsupported.
func (c *Code) AllowFaults() error { return ErrNativeUnsupported }

// InGuard reports false: there is no stack here.
func (s *Stack) InGuard(addr uintptr) bool { return false }

// Idle reports false: there is no stack here.
func (s *Stack) Idle() bool { return false }
