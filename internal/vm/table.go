package vm

import "github.com/moat-run/moat/internal/wasm"

// MaxTableElems caps any table's size, whatever its type allows, so that a
// hostile table.grow cannot ask the host for terabytes.
const MaxTableElems = 10_000_000

// Table holds references (see the package comment for their encoding).
type Table struct {
	Elems []uint64
	Type  *wasm.TableType
	Limit uint32 // effective maximum in elements
	// Lent: Elems are storage an engine lent for the table's life (the
	// context region of a pool's slot, outside the Go heap), never kept
	// past its instance; a Grow past their capacity moves them to the Go
	// heap.
	Lent bool
	// Module resolves the type indices in Type (its defining module; nil
	// for a host's table, whose type has none).
	Module *wasm.Module
}

// NewTable makes a table of t.Limits.Min elements set to init.
// limitElems caps growth (0 means MaxTableElems).
func NewTable(t *wasm.TableType, init uint64, limitElems uint32) *Table {
	tab := new(Table)
	tab.Init(t, init, limitElems, nil)
	return tab
}

// Init makes tab, a zero Table held in its owner's allocation, what
// NewTable makes; its elements take room's storage when it is large
// enough, room's whole capacity for growing into before they move out.
// room must be all zero (its owner cleared it when its last table was
// done with it): Init writes only a non-null init.
func (tab *Table) Init(t *wasm.TableType, init uint64, limitElems uint32, room []uint64) {
	limit := uint32(MaxTableElems)
	if t.Limits.HasMax && t.Limits.Max < uint64(limit) {
		limit = uint32(t.Limits.Max)
	}
	if limitElems != 0 && limitElems < limit {
		limit = limitElems
	}
	var elems []uint64
	if uint64(len(room)) >= t.Limits.Min {
		elems = room[:t.Limits.Min]
	} else {
		elems = make([]uint64, t.Limits.Min)
	}
	if init != 0 {
		for i := range elems {
			elems[i] = init
		}
	}
	*tab = Table{Elems: elems, Type: t, Limit: limit}
}

// Size is the current number of elements.
func (t *Table) Size() uint32 { return uint32(len(t.Elems)) }

// Grow appends delta elements set to init. It returns the old size, or
// ok=false (table unchanged) when the result would pass the limit.
func (t *Table) Grow(delta uint32, init uint64) (old uint32, ok bool) {
	old = t.Size()
	if uint64(old)+uint64(delta) > uint64(t.Limit) {
		return old, false
	}
	n := len(t.Elems) + int(delta)
	if n > cap(t.Elems) {
		// Geometric growth keeps repeated small grows linear; the copy is
		// chunked (bulk.go) and only yields: a grow cannot stop half way.
		elems := make([]uint64, n, min(max(2*cap(t.Elems), n), int(t.Limit)))
		CopyWords(elems, t.Elems, false, yieldOnly)
		t.Elems, t.Lent = elems, false
	} else {
		t.Elems = t.Elems[:n]
	}
	FillWords(t.Elems[old:], init, yieldOnly)
	return old, true
}
