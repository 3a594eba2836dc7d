package vm

import (
	"bytes"
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
// reservations, native stacks, code, artifact files) is counted here, in bytes of address
// space and in kernel mappings, against limits below what the kernel
// allows: past the kernel's limits mmap fails for everyone in the process,
// the Go runtime's heap included, and the Go runtime dies of it. So moat
// refuses first, with a typed error, and leaves headroom for the rest of
// the process.
//
// A guard-mode memory is about 4 GiB of address space and three kernel
// mappings at most (the guard before, the accessible pages, the rest;
// fewer when the kernel merges a memory's inaccessible regions with its
// neighbour's, as it does for adjacent reservations). The 128 TiB of a
// 47-bit user address space holds about 32,000 of them.
//
// Mappings are charged at that worst case, which is safe but would stop
// at about 19,000 memories under the default vm.max_map_count of 65,530.
// So when the charge reaches the default limit, the runtime counts the
// process's actual mappings (/proc/self/maps) and grants what is really
// left below the kernel's limit less the headroom; every later mapping is
// still charged at its worst case, so the actual count stays below, and
// any release forgets the grant (its charge may exceed what it freed). A
// configured Limits.Mappings is enforced on the charge alone.

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
// guard and its pages; code, whether copied or mapped from an artifact
// file, is one mapping, and so is an artifact file mapped whole.
const (
	memoryMappings = 3
	stackMappings  = 2
	codeMappings   = 1
	fileMappings   = 1 // an artifact file mapped read-only (MapFile)
)

// maxMapCount is the kernel's vm.max_map_count.
var maxMapCount = sync.OnceValue(func() int {
	if b, err := os.ReadFile("/proc/sys/vm/max_map_count"); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 0 {
			return v
		}
	}
	return defaultMaxMapCount
})

var defaultLimits = sync.OnceValue(func() Limits {
	n := maxMapCount()
	return Limits{
		Bytes:    userAddressSpace - addressHeadroom,
		Mappings: n - max(n/8, min(4096, n/2)),
	}
})

// DefaultLimits are the limits used where none are configured: the user
// address space less 1 TiB, and the kernel's vm.max_map_count less an
// eighth (at least 4,096 mappings) for the rest of the process.
func DefaultLimits() Limits { return defaultLimits() }

// orDefault fills zero fields from DefaultLimits, and reports whether the
// mapping limit is the default one (which may be checked against the
// process's actual mappings).
func (l Limits) orDefault() (Limits, bool) {
	d := DefaultLimits()
	if l.Bytes == 0 {
		l.Bytes = d.Bytes
	}
	recount := l.Mappings == 0
	if recount {
		l.Mappings = d.Mappings
	}
	return l, recount
}

// ErrAddressSpace is wrapped by every SpaceError.
var ErrAddressSpace = errors.New("address space exhausted")

// SpaceError reports a mapping refused because it would pass a limit, or
// one the kernel refused (Err).
type SpaceError struct {
	What     string // "a linear memory", "a native stack", "code", "an artifact file"
	Bytes    uint64 // requested
	Mappings int
	InUse    Limits // what moat's mappings held at the time (mappings at their worst case)
	Limit    Limits
	// Process is the process's actual mapping count, when it was counted
	// (the default mapping limit applies to it, see above), else 0.
	Process int
	Err     error // the kernel's error, when it refused
}

func (e *SpaceError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("address space exhausted: mapping %d bytes for %s: %v (moat holds %d bytes in %d mappings)",
			e.Bytes, e.What, e.Err, e.InUse.Bytes, e.InUse.Mappings)
	}
	if e.Process > 0 {
		return fmt.Sprintf("address space exhausted: %s needs %d bytes and %d mappings; moat holds %d of its %d bytes, and the process %d of the %d mappings it may use",
			e.What, e.Bytes, e.Mappings, e.InUse.Bytes, e.Limit.Bytes, e.Process, e.Limit.Mappings)
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
	// grant is how many mappings past the default limit the last count of
	// the process's actual mappings allowed (0 after any release).
	grant int
}

// SpaceInUse reports the address space and mappings moat holds.
func SpaceInUse() Limits {
	space.Lock()
	defer space.Unlock()
	return space.inUse
}

// tryReserveSpace charges a mapping against l, or says why not.
func tryReserveSpace(l Limits, recount bool, what string, bytes uint64, maps int) error {
	space.Lock()
	defer space.Unlock()
	u := space.inUse
	fits := func() bool {
		limit := l.Mappings
		if recount {
			limit += space.grant
		}
		return bytes <= l.Bytes-min(u.Bytes, l.Bytes) && maps <= limit-min(u.Mappings, limit)
	}
	process := 0
	if !fits() && recount && bytes <= l.Bytes-min(u.Bytes, l.Bytes) {
		// Charged at the worst case, moat's mappings may be far fewer:
		// count the process's own and grant what is really left.
		if actual, err := processMappings(); err == nil {
			process = actual
			space.grant = max(0, u.Mappings+DefaultLimits().Mappings-actual-l.Mappings)
		}
	}
	if !fits() {
		return &SpaceError{What: what, Bytes: bytes, Mappings: maps, InUse: u, Limit: l, Process: process}
	}
	space.inUse.Bytes += bytes
	space.inUse.Mappings += maps
	return nil
}

// processMappings counts the process's mappings: the lines of
// /proc/self/maps.
func processMappings() (int, error) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	return bytes.Count(b, []byte{'\n'}), nil
}

// reserveSpace charges a mapping against l (zero fields: the defaults).
func reserveSpace(l Limits, what string, bytes uint64, maps int) error {
	l, recount := l.orDefault()
	return tryReserveSpace(l, recount, what, bytes, maps)
}

// mapReserved charges bytes and maps against l, then maps them with mmap,
// returning the charge if the kernel refuses. Memories, stacks and code go
// back to the kernel in cleanups once unreachable, so when either refuses
// it collects garbage and waits briefly for those cleanups before it
// gives up with the *SpaceError.
func mapReserved(l Limits, what string, bytes uint64, maps int, mmap func() ([]byte, error)) ([]byte, error) {
	try := func() ([]byte, error) {
		if err := reserveSpace(l, what, bytes, maps); err != nil {
			return nil, err
		}
		mem, err := mmap()
		if err != nil {
			releaseSpace(bytes, maps)
			return nil, spaceFailed(what, bytes, maps, err)
		}
		return mem, nil
	}
	mem, err := try()
	if err == nil {
		return mem, nil
	}
	runtime.GC()
	for range 20 {
		time.Sleep(time.Millisecond)
		if m, err := try(); err == nil {
			return m, nil
		}
	}
	return nil, err
}

// releaseSpace returns what reserveSpace charged.
func releaseSpace(bytes uint64, maps int) {
	space.Lock()
	defer space.Unlock()
	space.inUse.Bytes -= bytes
	space.inUse.Mappings -= maps
	space.grant = 0
}

// spaceFailed turns a kernel refusal into a SpaceError.
func spaceFailed(what string, bytes uint64, maps int, err error) error {
	return &SpaceError{What: what, Bytes: bytes, Mappings: maps, InUse: SpaceInUse(), Err: err}
}

// ReserveSpace charges bytes of address space and maps kernel mappings
// against l for a mapping made outside this package (a pool of slots),
// or returns the *SpaceError that refuses them. ReleaseSpace returns the
// charge.
func ReserveSpace(l Limits, what string, bytes uint64, maps int) error {
	return reserveSpace(l, what, bytes, maps)
}

// ReleaseSpace returns a charge ReserveSpace made.
func ReleaseSpace(bytes uint64, maps int) { releaseSpace(bytes, maps) }
