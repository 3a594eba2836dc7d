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
// The first p.keep bytes are restored in place, page by page, and a page
// is written only when it differs: the pages the last memory touched stay
// resident for the next one, which then takes no page fault on them. Only
// pages that may have been written are looked at: the page map
// (/proc/self/pagemap, one read for up to pageWords pages) tells which
// are in memory as the process's own pages or swapped out; a page absent
// or mapped from the image file was not written. Without the page map,
// every page is compared. The rest, from p.keep to n, goes back to the
// kernel with one madvise(MADV_DONTNEED), as does everything from a page
// of a mapped image whose bytes are not kept (Image.head).
//
// So a memory that wrote only pages within p.keep costs one read of the
// page map and a comparison of its resident pages, where madvise costs a
// system call that hands every touched page back, to be faulted in again
// by the next memory (some 4 µs a page on a loaded VM, against about
// 0.2 µs to compare or clear one).
func (p *Slots) reset(i int32, n uint64) {
	st := &p.state[i]
	keep := min(p.keep, n)
	if st.copied != nil && uint64(len(st.copied.data)) > keep {
		// Part of the copied image would go back to the kernel and come
		// back zero: the slot no longer holds it, so all of it is reset to
		// zero (the next instance of its module copies it again).
		st.copied = nil
	}
	give := keep // the first byte to give back; pages below it are restored
	var words [pageWords]uint64
scan:
	for from := uint64(0); from < keep; from += pageWords * p.page {
		to := min(keep, from+pageWords*p.page)
		known := pageEntries(p.pages(i, from, to), p.page, &words)
		for k, off := 0, from; off < to; k, off = k+1, off+p.page {
			if known && !mayBeWritten(words[k]) {
				continue
			}
			want, ok := st.want(off, p.page)
			if !ok {
				// An image page whose bytes are not kept: back to the
				// file with the rest.
				give = off
				break scan
			}
			restore(p.pages(i, off, off+p.page), want)
		}
	}
	if give < n {
		_ = unix.Madvise(p.pages(i, give, n), unix.MADV_DONTNEED)
	}
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
