package vm

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Address space accounting. Every mapping the runtime makes (linear memory
// reservations, native stacks, code) is counted here, in bytes of address
// space and in kernel mappings, against limits below what the kernel
// allows: past the kernel's limits mmap fails for everyone in the process,
// the Go runtime's heap included, and the Go runtime dies of it. So moat
// refuses first, with a typed error, and leaves headroom for the rest of
// the process.
//
// A guard-mode memory is about 4 GiB of address space (and three kernel
// mappings at most: the guard before, the accessible pages, the rest); the
// 128 TiB of a 47-bit user address space holds about 32,000 of them, and
// vm.max_map_count (65,530 by default) about 19,000 once stacks and code
// are counted too.

// Limits bounds what the runtime's mappings may take, process-wide.
type Limits struct {
	// Bytes is the address space (0: DefaultLimits's).
	Bytes uint64
	// Mappings is the number of kernel mappings (0: DefaultLimits's).
	Mappings int
}

// Headroom left to the rest of the process.
const (
	// addressHeadroom is address space moat never takes: room for the Go
	// heap, thread stacks and anything else the process maps.
	addressHeadroom = 1 << 40
	// userAddressSpace is the 47-bit user address space of 4-level paging.
	userAddressSpace = 1 << 47
	// defaultMaxMapCount is the kernel's default vm.max_map_count.
	defaultMaxMapCount = 65530
)

// Mapping counts charged per object: a memory's reservation can be split
// into a guard before, the accessible pages and the rest; a stack is its
// guard and its pages; code is one mapping.
const (
	memoryMappings = 3
	stackMappings  = 2
	codeMappings   = 1
)

var defaultLimits = sync.OnceValue(func() Limits {
	n := defaultMaxMapCount
	if b, err := os.ReadFile("/proc/sys/vm/max_map_count"); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 0 {
			n = v
		}
	}
	return Limits{
		Bytes:    userAddressSpace - addressHeadroom,
		Mappings: n - max(n/8, min(4096, n/2)),
	}
})

// DefaultLimits are the limits used where none are configured: the user
// address space less 1 TiB, and the kernel's vm.max_map_count less an
// eighth (at least 4,096 mappings) for the rest of the process.
func DefaultLimits() Limits { return defaultLimits() }

// orDefault fills zero fields from DefaultLimits.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.Bytes == 0 {
		l.Bytes = d.Bytes
	}
	if l.Mappings == 0 {
		l.Mappings = d.Mappings
	}
	return l
}

// ErrAddressSpace is wrapped by every SpaceError.
var ErrAddressSpace = errors.New("address space exhausted")

// SpaceError reports a mapping refused because it would pass a limit, or
// one the kernel refused (Err).
type SpaceError struct {
	What     string // "a linear memory", "a native stack", "code"
	Bytes    uint64 // requested
	Mappings int
	InUse    Limits // what moat's mappings held at the time
	Limit    Limits
	Err      error // the kernel's error, when it refused
}

func (e *SpaceError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("address space exhausted: mapping %d bytes for %s: %v (moat holds %d bytes in %d mappings)",
			e.Bytes, e.What, e.Err, e.InUse.Bytes, e.InUse.Mappings)
	}
	return fmt.Sprintf("address space exhausted: %s needs %d bytes and %d mappings; moat holds %d of its %d bytes and %d of its %d mappings",
		e.What, e.Bytes, e.Mappings, e.InUse.Bytes, e.Limit.Bytes, e.InUse.Mappings, e.Limit.Mappings)
}

func (e *SpaceError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrAddressSpace, e.Err}
	}
	return []error{ErrAddressSpace}
}

// space is what the runtime's mappings hold now.
var space struct {
	sync.Mutex
	inUse Limits
}

// SpaceInUse reports the address space and mappings moat holds.
func SpaceInUse() Limits {
	space.Lock()
	defer space.Unlock()
	return space.inUse
}

// tryReserveSpace charges a mapping against l, or says why not.
func tryReserveSpace(l Limits, what string, bytes uint64, maps int) error {
	space.Lock()
	defer space.Unlock()
	u := space.inUse
	if bytes > l.Bytes-min(u.Bytes, l.Bytes) || maps > l.Mappings-min(u.Mappings, l.Mappings) {
		return &SpaceError{What: what, Bytes: bytes, Mappings: maps, InUse: u, Limit: l}
	}
	space.inUse.Bytes += bytes
	space.inUse.Mappings += maps
	return nil
}

// reserveSpace charges a mapping against l (zero fields: the defaults).
// Memories and stacks are released by cleanups once unreachable, so when
// the limit is reached it collects garbage and waits briefly for those to
// run before it gives up.
func reserveSpace(l Limits, what string, bytes uint64, maps int) error {
	l = l.orDefault()
	err := tryReserveSpace(l, what, bytes, maps)
	if err == nil {
		return nil
	}
	runtime.GC()
	for range 20 {
		time.Sleep(time.Millisecond)
		if tryReserveSpace(l, what, bytes, maps) == nil {
			return nil
		}
	}
	return err
}

// releaseSpace returns what reserveSpace charged.
func releaseSpace(bytes uint64, maps int) {
	space.Lock()
	defer space.Unlock()
	space.inUse.Bytes -= bytes
	space.inUse.Mappings -= maps
}

// spaceFailed turns a kernel refusal into a SpaceError.
func spaceFailed(what string, bytes uint64, maps int, err error) error {
	return &SpaceError{What: what, Bytes: bytes, Mappings: maps, InUse: SpaceInUse(), Err: err}
}
