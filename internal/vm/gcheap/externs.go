package gcheap

// The extern table holds the host values that externrefs name. A GC
// object holds such a value by its index, so no Go pointer enters the
// heap; an entry that nothing reaches at a collection is freed.

type externEntry struct {
	v            any
	used, marked bool
}

// NewExtern enters v in the extern table and returns its reference word.
// The caller must keep the word reachable (root it) until it is stored
// where the collector sees it.
func (h *Heap) NewExtern(v any) (uint64, error) {
	if h.closed {
		return 0, ErrClosed
	}
	var i uint32
	if n := len(h.freeExtIx); n > 0 {
		i = h.freeExtIx[n-1]
		h.freeExtIx = h.freeExtIx[:n-1]
	} else {
		if len(h.externs) >= 1<<30 {
			return 0, ErrOutOfMemory
		}
		i = uint32(len(h.externs))
		h.externs = append(h.externs, externEntry{})
	}
	h.externs[i] = externEntry{v: v, used: true}
	return externWord(i), nil
}

// Extern returns the host value of an extern word, and whether the word
// names a live entry.
func (h *Heap) Extern(w uint64) (any, bool) {
	if !IsExtern(w) || w>>2 >= uint64(len(h.externs)) {
		return nil, false
	}
	e := &h.externs[w>>2]
	return e.v, e.used
}

// NumExterns counts the live entries of the extern table.
func (h *Heap) NumExterns() int { return len(h.externs) - len(h.freeExtIx) }
