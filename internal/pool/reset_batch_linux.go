//go:build linux

package pool

import (
	"runtime"
	"sync"
	"unsafe"
)

// A warm slot whose memory wrote no more than the pool keeps resident is
// not reset as it is given back but queued: once ResetBatch of them wait
// (batchFor), or a taker finds no free slot, the one who finds them so
// resets them all with one PAGEMAP_SCAN over the span of their pages,
// rather than one each. The ioctl is most of a small memory's reset (a
// hello's six pages: the call's entry and exit, the kernel's buffer and
// the file's lookup cost more than its walk of a few page tables), and the
// walk between the slots' windows costs only the pages present there. A
// queued slot is in no free list, so nobody can take it before it is
// reset.

// pendingReset is a warm slot given back, not reset yet: slot i, after a
// memory of n bytes.
type pendingReset struct {
	i int32
	n uint64
}

// resetQueue holds a pool's slots waiting for their reset.
type resetQueue struct {
	mu      sync.Mutex
	pending []pendingReset // room for the pool's batch, made with it
	batch   int            // batchFor the pool's size; 0: no queue
}

// queues reports whether slot i, whose memory had n bytes, waits for its
// reset in the queue rather than being reset now: only where the batch's
// scan applies (the kernel has PAGEMAP_SCAN), and for a memory no larger
// than twice what a reset keeps resident, so that a slot waiting holds at
// most that much more than its reset would have kept (a hello's 192 KiB
// memory, against the 2 MiB moat serve keeps; a Go guest's memory of tens
// of MiB is reset at once).
func (p *Slots) queues(i int32, n uint64) bool {
	return p.queue.batch > 0 && n > 0 && max(n, p.state[i].kept) <= scanKept*p.keep && pageQueryMode() == queryScan
}

// enqueue queues warm slot i, whose memory had n bytes, and resets the
// queue's slots when it has a batch.
func (p *Slots) enqueue(i int32, n uint64) {
	var todo [ResetBatch]pendingReset
	q := &p.queue
	q.mu.Lock()
	q.pending = append(q.pending, pendingReset{i, n})
	k := 0
	if len(q.pending) >= q.batch {
		k = copy(todo[:], q.pending)
		q.pending = q.pending[:0]
	}
	q.mu.Unlock()
	if k > 0 {
		p.resetBatch(todo[:k])
	}
}

// drainQueue resets the slots waiting in the queue, if any, and reports
// whether there were some (a taker that found no free slot).
func (p *Slots) drainQueue() bool {
	var todo [ResetBatch]pendingReset
	q := &p.queue
	q.mu.Lock()
	k := copy(todo[:], q.pending)
	q.pending = q.pending[:0]
	q.mu.Unlock()
	if k == 0 {
		return false
	}
	p.resetBatch(todo[:k])
	return true
}

// resetBatch resets the slots of todo, as reset would each, and makes
// them free (warm).
func (p *Slots) resetBatch(todo []pendingReset) {
	// In the order of their addresses (insertion: a few slots).
	for a := 1; a < len(todo); a++ {
		for b := a; b > 0 && todo[b].i < todo[b-1].i; b-- {
			todo[b], todo[b-1] = todo[b-1], todo[b]
		}
	}
	if !p.scanBatch(todo) {
		// The kernel did not answer as asked: each on its own. Pages a
		// partial pass restored are restored again, to the same bytes.
		for _, t := range todo {
			p.reset(t.i, t.n)
		}
	}
	for _, t := range todo {
		p.warmFree.Put(t.i)
	}
}

// batchRegions is how many runs of pages one scan of a batch returns at
// most: the span of a batch holds the slots in use between its own, each
// with a few runs of pages kept resident (a hello's two to four), and a
// scan that fills its room is one more ioctl.
const batchRegions = 256

// batchScanner is a pageScanner with room for a batch's runs.
type batchScanner struct {
	arg     pmScanArg
	regions [batchRegions]pageRegion
}

var batchScanners FreeList[*batchScanner]

// batchWindow is one slot of a batch: its keeper, and the window of
// addresses its reset looks at.
type batchWindow struct {
	k          keeper
	start, end uint64 // addresses: byte 0 and the end of what its memory may have written
	give       uint64 // from byte 0: the first byte given back (end: none)
	cut        bool   // a page could not be kept: give is set
}

// batchGap is how many slots in use (or free) a batch's scan walks
// through between two of its own before it is split in two scans: the
// walk costs about a nanosecond a page table entry, and a slot that keeps
// pages resident has a page table of 512 entries to walk (some 0.5 µs in
// a profile of moat serve), where another ioctl costs some 2-3 µs on a
// virtual machine; a split where it saves twice that, at least. (A large
// pool whose batch lies far apart costs a scan per slot, as without a
// batch.)
const batchGap = 8

// scanBatch resets the slots of todo (in increasing order), with one scan
// over the span from a slot's byte 0 to the end of the last one's window
// for each group of them that lie within batchGap slots of the next, and
// reports whether it could: false when the kernel's answer is not what
// was asked, then no slot's state has changed (pages restored in place
// aside, which hold what they must).
func (p *Slots) scanBatch(todo []pendingReset) bool {
	s, ok := batchScanners.Take(nil, 0)
	if !ok {
		s = new(batchScanner)
	}
	defer batchScanners.Put(s)
	var windows [ResetBatch]batchWindow
	ws := windows[:len(todo)]
	// The pool's mapping lies outside the Go heap.
	base := uint64(uintptr(unsafe.Pointer(&p.mem[0])))
	for j, t := range todo {
		st := &p.state[t.i]
		end := max(t.n, st.kept)
		start := base + p.byte0(t.i)
		ws[j] = batchWindow{k: keeper{p: p, i: t.i, st: st, n: t.n, budget: p.keep / p.page}, start: start, end: start + end, give: end}
	}
	for first := 0; first < len(ws); {
		last := first + 1
		for last < len(ws) && todo[last].i-todo[last-1].i <= batchGap+1 {
			last++
		}
		if !s.scanWindows(ws[first:last], p.page) {
			return false
		}
		first = last
	}
	for _, w := range ws {
		p.settle(w.k.i, w.give, w.end-w.start)
	}
	return true
}

// scanWindows keeps the pages of the windows ws (in increasing order)
// that one scan of their span finds written, and reports whether the
// kernel answered as asked.
func (s *batchScanner) scanWindows(ws []batchWindow, page uint64) bool {
	from, to := ws[0].start, ws[len(ws)-1].end
	j := 0 // the first window not wholly behind the runs seen
	for from < to {
		// A raw call: the scan never blocks, and the Go scheduler's
		// monitor would otherwise take the P from a call as long as a
		// batch's and hand it to another thread (a wake, a context
		// switch, and the monitor's shortest sleeps from then on).
		runs, next, err := scanPages(&s.arg, s.regions[:], from, to, 0, true)
		runtime.KeepAlive(s)
		if err != nil {
			return false
		}
		for _, r := range runs {
			if r.start < from || r.end > to || r.start >= r.end || r.start%page != 0 || r.end%page != 0 {
				return false
			}
			// A run may cross windows, and the slots between them
			// (whose pages are not this reset's: skipped).
			for a := r.start; a < r.end; {
				for j < len(ws) && a >= ws[j].end {
					j++
				}
				if j == len(ws) {
					break
				}
				w := &ws[j]
				if a < w.start {
					a = min(w.start, r.end)
					continue
				}
				e := min(r.end, w.end)
				if !w.cut {
					off, offEnd := a-w.start, e-w.start
					if got := w.k.run(off, offEnd, true); got < offEnd {
						w.give, w.cut = got, true
					}
				}
				a = e
			}
		}
		if next <= from {
			return false
		}
		from = next
	}
	return true
}
