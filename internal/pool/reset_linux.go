//go:build linux

package pool

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// reset restores slot i, kept warm, after a memory of n bytes: every byte
// the memory could have written (its length bounds them: pages past it
// were never accessible) reads again as the slot's state says (the mapped
// or copied image's bytes, zero elsewhere), before anyone else can take
// the slot.
//
// Up to p.keep bytes of the pages written are restored in place, page by
// page, and a page is written only when it differs: they stay resident
// for the next memory, which then takes no page fault on them. Only pages
// that may have been written are looked at: the page map
// (/proc/self/pagemap, one read for up to pageWords pages) tells which
// are in memory as the process's own pages or swapped out; a page absent
// or mapped from the image file was not written. The first p.scan bytes
// are looked at this way (twice p.keep, so that a guest whose stack
// or heap lies past the first p.keep bytes keeps its pages too), and the
// pages written there are kept in order while p.keep allows. From the
// first page that cannot be kept (the budget spent, or a page of a mapped
// image whose bytes are not kept, Image.head) to the end of the memory,
// everything goes back to the kernel with one madvise(MADV_DONTNEED).
// Without the page map, every page is taken as written: the first p.keep
// bytes are restored in place, the rest given back.
//
// So a memory that wrote a few pages within p.scan costs one read of the
// page map and a comparison of its resident pages, where madvise costs a
// system call that hands every touched page back, to be faulted in again
// by the next memory (some 4 µs a page on a loaded VM, against about
// 0.2 µs to compare or clear one).
func (p *Slots) reset(i int32, n uint64) {
	st := &p.state[i]
	if st.copied != nil && uint64(len(st.copied.data)) > min(p.keep, n) {
		// Part of the copied image would go back to the kernel and come
		// back zero: the slot no longer holds it, so all of it is reset to
		// zero (the next instance of its module copies it again). A copied
		// image that fits is kept whole: its pages come first.
		st.copied = nil
	}
	// Pages an earlier reset kept past n are clean, but they count.
	end := max(n, st.kept)
	scan := min(end, p.scan)
	budget := p.keep / p.page
	give := scan // the first byte to give back; pages below it are kept
	var words [pageWords]uint64
look:
	for from := uint64(0); from < scan; from += pageWords * p.page {
		to := min(scan, from+pageWords*p.page)
		known := pageEntries(p.pages(i, from, to), p.page, &words)
		for k, off := 0, from; off < to; k, off = k+1, off+p.page {
			if known && !mayBeWritten(words[k]) {
				continue
			}
			if budget == 0 {
				give = off
				break look
			}
			budget--
			if off >= n {
				continue // kept by an earlier reset, clean
			}
			want, ok := st.want(off, p.page)
			if !ok {
				give = off
				break look
			}
			restore(p.pages(i, off, off+p.page), want)
		}
	}
	if give < end {
		_ = unix.Madvise(p.pages(i, give, end), unix.MADV_DONTNEED)
	}
	st.kept = give
}

// want is what a free slot holds in the page of size bytes at off: its
// bytes, then zeros past the slice; ok is false for a page of a mapped
// image whose bytes are not kept (Image.head).
func (st *slotState) want(off, size uint64) ([]byte, bool) {
	switch {
	case st.img != nil && off < st.img.Size():
		return st.img.head(off, size)
	case st.copied != nil:
		return st.copied.head(off, size)
	}
	return nil, true
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
