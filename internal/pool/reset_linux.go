//go:build linux

package pool

import (
	"bytes"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// reset restores slot i, kept warm, after a memory of n bytes: every byte
// the memory could have written (its length bounds them: pages past it
// were never accessible) reads again as the slot's state says (the mapped
// or copied image's bytes, zero elsewhere), before anyone else can take
// the slot.
//
// Up to p.keep bytes of the pages written are restored in place, page by
// page (a page PAGEMAP_SCAN found is rewritten whole; one the page map's
// words show only where it differs, as it may be the kernel's zero page,
// which writing would replace with a page of its own): they stay
// resident for the next memory, which then takes no page fault on them.
// Only pages that may have been written are looked at, as the kernel's
// page tables tell (pagemap_linux.go): a page absent, mapped from the
// image file or mapped to the kernel's zero page was not written. With
// PAGEMAP_SCAN the whole memory is looked at, in one call when it wrote
// few runs of pages (its cost follows the pages in memory, not the
// memory's length); with
// the page map's words only the first p.scan bytes (twice p.keep), since
// each page costs a word read. The pages written are kept in order while
// p.keep allows. From the first page that cannot be kept (the budget
// spent, a page of a mapped image whose bytes are not kept, Image.head,
// or the end of the window looked at) to the end of the memory,
// everything goes back to the kernel with one madvise(MADV_DONTNEED).
// Without the page map, every page is taken as written: the first p.keep
// bytes are restored in place, the rest given back. A pool that keeps
// nothing gives every page back without looking.
//
// A memory that wrote nothing (n is 0) costs nothing at all: no scan.
// So a memory that wrote a few pages costs one scan of its page tables
// and a comparison of its written pages, where madvise costs a system
// call that hands every touched page back, to be faulted in again by the
// next memory (some 4 µs a page on a loaded VM, against about 0.2 µs to
// compare or clear one).
func (p *Slots) reset(i int32, n uint64) {
	if n == 0 {
		// Nothing written (vm.Memory.FreeUnwritten, or a memory revoked,
		// whose pages went back already): the slot holds what its state
		// says, pages kept by earlier resets included.
		return
	}
	st := &p.state[i]
	// Pages an earlier reset kept past n are clean, but they count.
	end := max(n, st.kept)
	k := keeper{p: p, i: i, st: st, n: n, budget: p.keep / p.page}
	give := uint64(0) // the first byte to give back; pages below it are kept
	if k.budget > 0 {
		switch pageQueryMode() {
		case queryScan:
			give = k.scanned(end)
		case queryRead:
			give = k.read(min(end, p.scan))
		default:
			give = k.run(0, end, false)
		}
	}
	p.settle(i, give, end)
}

// settle ends the reset of slot i, whose pages below give are restored
// (or were clean): the pages from give to end go back to the kernel.
func (p *Slots) settle(i int32, give, end uint64) {
	st := &p.state[i]
	if give < end {
		_ = unix.Madvise(p.pages(i, give, end), unix.MADV_DONTNEED)
	}
	st.kept = give
	// A copied image is whole up to the first page given back (its pages
	// below were either not written or restored); the next instance of
	// its module copies the rest again.
	if st.intact = min(st.intact, give); st.intact == 0 {
		st.copied = nil
	}
}

// keeper restores, in place, the pages of slot i a reset keeps.
type keeper struct {
	p      *Slots
	i      int32
	st     *slotState
	n      uint64 // the memory's length: pages past it are clean
	budget uint64 // pages that may still be kept
}

// run keeps the pages [from, to), in order, and returns to when it kept
// them all, else the first page it could not keep. resident says
// PAGEMAP_SCAN showed the pages in memory as private pages of their own
// (not the kernel's zero page), or swapped out: writing them maps nothing
// new. (The page map's words cannot tell the zero page, which a write
// would replace with a page of its own.)
func (k *keeper) run(from, to uint64, resident bool) uint64 {
	for off := from; off < to; off += k.p.page {
		if k.budget == 0 {
			return off
		}
		k.budget--
		if off >= k.n {
			continue // kept by an earlier reset, clean
		}
		want, ok := k.st.want(off, k.p.page)
		if !ok {
			return off
		}
		if resident {
			overwrite(k.p.pages(k.i, off, off+k.p.page), want)
		} else {
			restore(k.p.pages(k.i, off, off+k.p.page), want)
		}
	}
	return to
}

// scanned keeps the pages of [0, end) that PAGEMAP_SCAN reports may have
// been written, and returns end when it kept them all, else the first
// page it could not keep (or could not learn about).
func (k *keeper) scanned(end uint64) uint64 {
	s, ok := scanners.Take(nil, 0)
	if !ok {
		s = new(pageScanner)
	}
	defer scanners.Put(s)
	b := k.p.pages(k.i, 0, end)
	if len(b) == 0 {
		return end
	}
	// The slot lies in the pool's mapping, outside the Go heap.
	base := uint64(uintptr(unsafe.Pointer(&b[0])))
	for from := base; from < base+end; {
		// One page past the budget is enough to know where to give back.
		runs, next, err := s.scan(from, base+end, k.budget+1)
		runtime.KeepAlive(s)
		if err != nil {
			return from - base
		}
		for _, r := range runs {
			if to := r.end - base; to > end || r.start < from {
				return from - base // not what was asked: keep nothing more
			} else if got := k.run(r.start-base, to, true); got < to {
				return got
			}
		}
		if next <= from {
			return from - base
		}
		from = next
	}
	return end
}

// read keeps the pages of [0, scan) the page map's words show may have
// been written, and returns scan when it kept them all, else the first
// page it could not keep.
func (k *keeper) read(scan uint64) uint64 {
	var words [pageWords]uint64
	page := k.p.page
	for from := uint64(0); from < scan; from += pageWords * page {
		to := min(scan, from+pageWords*page)
		known := pageEntries(k.p.pages(k.i, from, to), page, &words)
		for w, off := 0, from; off < to; w, off = w+1, off+page {
			if known && !mayBeWritten(words[w]) {
				continue
			}
			if got := k.run(off, off+page, false); got == off {
				return off
			}
		}
	}
	return scan
}

// want is what a free slot holds in the page of size bytes at off: its
// bytes, then zeros past the slice; ok is false for a page of a mapped
// image whose bytes are not kept (Image.head).
func (st *slotState) want(off, size uint64) ([]byte, bool) {
	switch {
	case st.img != nil && off < st.img.Size():
		return st.img.head(off, size)
	case st.copied != nil && off < st.intact:
		return st.copied.head(off, size)
	}
	return nil, true
}

// overwrite makes b hold src followed by zeros, without comparing first:
// for resident pages (keeper.run), most of which the guest wrote again
// (comparing such a page reads it before writing it anyway).
func overwrite(b, src []byte) {
	clear(b[copy(b, src):])
}

// zeros is what restore compares the zero part of a page with.
var zeros [64 << 10]byte

// restore makes b hold src followed by zeros, writing only the parts that
// differ (reading a page never written maps no memory; writing it would).
func restore(b, src []byte) {
	if !bytes.Equal(b[:len(src)], src) {
		copy(b, src)
	}
	for b = b[len(src):]; len(b) > 0; {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			clear(b[:n])
		}
		b = b[n:]
	}
}
