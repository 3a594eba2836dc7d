package sigtrap

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// An entry encodes a page-aligned range [start, start+size) in one word:
// the start page number in the high bits and the length in pages in the
// low lenBits, so that one atomic store publishes the whole range. Zero is
// an empty slot (no range starts at page 0 with length 0).
const (
	pageShift = 12
	lenBits   = 28
	lenMask   = 1<<lenBits - 1

	// MaxAddress bounds the addresses the tables can hold: the 47-bit user
	// address space of 4-level paging, which is all mmap hands out unless
	// asked for more.
	MaxAddress = 1 << 47
	// MaxRange bounds one range's size (2^28 pages, 1 TiB).
	MaxRange = lenMask << pageShift

	// granuleShift: reservations are indexed by 4 GiB granule.
	granuleShift = 32
	numGranules  = MaxAddress >> granuleShift
	// MinReservation is the smallest reservation the index takes: larger
	// than a granule, a reservation never holds a whole granule, so at most
	// two overlap any one (the one ending in it and the one starting in it).
	MinReservation = 1 << granuleShift

	// Capacities of the linear tables.
	maxCodeRanges  = 1 << 16
	maxStackGuards = 1 << 16
)

// The tables the handler reads. Package variables: fixed addresses for the
// assembly, never freed, zero (empty) until registered.
var (
	codeTable [maxCodeRanges]uint64
	// codeUsed is the high-water mark: every entry at or above it is 0.
	codeUsed uint64
	// codeLow and codeHigh bound every code range ever registered (they
	// only widen), a quick rejection for PCs in Go's own text.
	codeLow, codeHigh uint64

	stackTable [maxStackGuards]uint64
	stackUsed  uint64

	// reservationIndex holds two entries per 4 GiB granule: the
	// reservations that overlap it.
	reservationIndex [2 * numGranules]uint64
)

// ErrTableFull is returned when a table has no free entry.
var ErrTableFull = errors.New("sigtrap: table full")

// ErrBadRange is returned for a range the tables cannot hold.
var ErrBadRange = errors.New("sigtrap: range not representable")

// mu serialises the writers of every table (and the installation).
var mu sync.Mutex

// pack encodes a range, or reports why it cannot.
func pack(start, size uintptr) (uint64, error) {
	const page = 1 << pageShift
	if start%page != 0 || size%page != 0 || size == 0 || size > MaxRange ||
		start >= MaxAddress || size > MaxAddress-start || start == 0 {
		return 0, fmt.Errorf("%w: [%#x, +%#x)", ErrBadRange, start, size)
	}
	return uint64(start>>pageShift)<<lenBits | uint64(size>>pageShift), nil
}

// unpack decodes an entry.
func unpack(w uint64) (start, size uintptr) {
	return uintptr(w>>lenBits) << pageShift, uintptr(w&lenMask) << pageShift
}

// contains reports whether entry w's range holds addr (the handler's test,
// written the same way in assembly).
func contains(w uint64, addr uintptr) bool {
	start, size := unpack(w)
	return w != 0 && addr-start < size
}

// linear is a table scanned up to its high-water mark.
type linear struct {
	words []uint64
	used  *uint64
}

var (
	codes  = linear{codeTable[:], &codeUsed}
	stacks = linear{stackTable[:], &stackUsed}
)

// add stores w in a free entry: the lowest, so the scanned prefix stays
// short. The entry is written before the mark is raised over it, so a
// reader that sees the new mark sees the entry.
func (t linear) add(w uint64) error {
	used := atomic.LoadUint64(t.used)
	for i := uint64(0); i < used; i++ {
		if atomic.LoadUint64(&t.words[i]) == 0 {
			atomic.StoreUint64(&t.words[i], w)
			return nil
		}
	}
	if used == uint64(len(t.words)) {
		return ErrTableFull
	}
	atomic.StoreUint64(&t.words[used], w)
	atomic.StoreUint64(t.used, used+1)
	return nil
}

// remove clears the entry equal to w, then lowers the mark past empty
// entries at the top. It reports whether w was there.
func (t linear) remove(w uint64) bool {
	used := atomic.LoadUint64(t.used)
	found := false
	for i := uint64(0); i < used; i++ {
		if atomic.LoadUint64(&t.words[i]) == w {
			atomic.StoreUint64(&t.words[i], 0)
			found = true
			break
		}
	}
	for used > 0 && atomic.LoadUint64(&t.words[used-1]) == 0 {
		used--
	}
	atomic.StoreUint64(t.used, used)
	return found
}

// find reports whether any entry's range holds addr.
func (t linear) find(addr uintptr) bool {
	used := atomic.LoadUint64(t.used)
	for i := uint64(0); i < used; i++ {
		if contains(atomic.LoadUint64(&t.words[i]), addr) {
			return true
		}
	}
	return false
}

// RegisterCode records [start, start+size) as generated code: a fault at
// a PC in it is classified instead of forwarded. Register before the code
// can run; unregister only once it can no longer run.
func RegisterCode(start, size uintptr) error {
	w, err := pack(start, size)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if err := codes.add(w); err != nil {
		return fmt.Errorf("registering code: %w (%d code mappings)", err, maxCodeRanges)
	}
	// Widen the bounds after the entry is in: a reader inside the new
	// bounds finds it.
	if lo := atomic.LoadUint64(&codeLow); lo == 0 || uint64(start) < lo {
		atomic.StoreUint64(&codeLow, uint64(start))
	}
	if end := uint64(start + size); end > atomic.LoadUint64(&codeHigh) {
		atomic.StoreUint64(&codeHigh, end)
	}
	return nil
}

// UnregisterCode removes a range RegisterCode recorded.
func UnregisterCode(start, size uintptr) {
	if w, err := pack(start, size); err == nil {
		mu.Lock()
		codes.remove(w)
		mu.Unlock()
	}
}

// RegisterStackGuard records [start, start+size) as a native stack's guard
// region: a fault there from generated code is stack exhaustion.
func RegisterStackGuard(start, size uintptr) error {
	w, err := pack(start, size)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if err := stacks.add(w); err != nil {
		return fmt.Errorf("registering a stack guard: %w (%d stacks)", err, maxStackGuards)
	}
	return nil
}

// UnregisterStackGuard removes a range RegisterStackGuard recorded.
func UnregisterStackGuard(start, size uintptr) {
	if w, err := pack(start, size); err == nil {
		mu.Lock()
		stacks.remove(w)
		mu.Unlock()
	}
}

// granules is the range of granule indices [lo, hi] a range overlaps.
func granules(start, size uintptr) (lo, hi uintptr) {
	return start >> granuleShift, (start + size - 1) >> granuleShift
}

// RegisterReservation records a linear memory's whole reservation (guard
// regions included, at least MinReservation bytes): a fault there from
// generated code is an out-of-bounds access. Reservations never overlap.
func RegisterReservation(start, size uintptr) error {
	w, err := pack(start, size)
	if err != nil {
		return err
	}
	if size < MinReservation {
		return fmt.Errorf("%w: reservation of %#x bytes is below the minimum %#x", ErrBadRange, size, uintptr(MinReservation))
	}
	mu.Lock()
	defer mu.Unlock()
	lo, hi := granules(start, size)
	slots := make([]*uint64, 0, 4)
	for g := lo; g <= hi; g++ {
		var free *uint64
		for k := range 2 {
			e := &reservationIndex[2*g+uintptr(k)]
			if v := atomic.LoadUint64(e); v == 0 {
				if free == nil {
					free = e
				}
			} else if s, n := unpack(v); start < s+n && s < start+size {
				return fmt.Errorf("%w: reservation [%#x, +%#x) overlaps [%#x, +%#x)", ErrBadRange, start, size, s, n)
			}
		}
		if free == nil {
			// Cannot happen for non-overlapping reservations larger than a
			// granule; refuse rather than lose one.
			return fmt.Errorf("registering a reservation: %w (granule %#x)", ErrTableFull, g)
		}
		slots = append(slots, free)
	}
	for _, e := range slots {
		atomic.StoreUint64(e, w)
	}
	return nil
}

// UnregisterReservation removes a range RegisterReservation recorded.
func UnregisterReservation(start, size uintptr) {
	w, err := pack(start, size)
	if err != nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	lo, hi := granules(start, size)
	for g := lo; g <= hi; g++ {
		for k := range 2 {
			e := &reservationIndex[2*g+uintptr(k)]
			if atomic.LoadUint64(e) == w {
				atomic.StoreUint64(e, 0)
			}
		}
	}
}

// inReservation reports whether addr lies in a registered reservation
// (the handler's lookup, in Go, for tests).
func inReservation(addr uintptr) bool {
	g := addr >> granuleShift
	if g >= numGranules {
		return false
	}
	return contains(atomic.LoadUint64(&reservationIndex[2*g]), addr) ||
		contains(atomic.LoadUint64(&reservationIndex[2*g+1]), addr)
}

// CodeRegistered reports whether pc lies in a registered code range, as
// the handler finds it: for the tests of the packages that register code.
func CodeRegistered(pc uintptr) bool { return inCode(pc) }

// inCode reports whether pc lies in registered code (Go, for tests).
func inCode(pc uintptr) bool {
	if uint64(pc) < atomic.LoadUint64(&codeLow) || uint64(pc) >= atomic.LoadUint64(&codeHigh) {
		return false
	}
	return codes.find(pc)
}
