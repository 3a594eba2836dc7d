package compiler

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend/amd64"
)

// codeTables are a linked module's lookup tables, packed little-endian in
// exactly the form an artifact stores them (the "tables" section), so a
// module loaded from an artifact uses them in place: loading copies and
// converts nothing, however many call sites the module has. The linker
// builds the same bytes, so fresh and loaded modules share one code path.
//
//	header   numFuncs, numSites, numTraps, numFaults, pollStart, pollEnd,
//	         codeSize, numLandings, numHandlers, numClauses (10 × u32)
//	funcs    per defined function: start, end, entry stub (3 × u32)
//	sites    return address offset, wasm position (2 × u32), by offset
//	traps    trap stub resume offset (u32), trap code (u16), flags (u16), by offset
//	faults   fault site offset, wasm position (2 × u32), trap code (u16), 0 (u16), by offset
//	landings try_call return address offset, landing offset, handler,
//	         stack pointer from the frame pointer (3 × u32, i32), by offset
//	handlers parent handler (i32, -1 for none, else below its own
//	         index), first clause, clause count (3 × u32)
//	clauses  catch kind, tag index (2 × u32)
//
// Offsets are from the first byte of the code. Fault sites are the
// instructions that may fault (guard-page mode: loads and stores compiled
// without a bounds check, and the ud2 of each unreachable); code compiled
// with explicit bounds checks has none. Handlers are numbered across the
// module (each function's from its first).
type codeTables struct {
	raw                         []byte // the whole section
	funcs, sites, traps, faults []byte
	landings, handlers          []byte
	clauses                     []byte
	numFuncs                    int
	pollStart, pollEnd          int
	codeSize                    int
}

const (
	tablesHeaderSize  = 10 * 4
	funcEntrySize     = 3 * 4
	siteEntrySize     = 2 * 4
	trapEntrySize     = 4 + 2 + 2
	faultEntrySize    = 4 + 4 + 2 + 2
	landingEntrySize  = 4 * 4
	handlerEntrySize  = 3 * 4
	clauseEntrySize   = 2 * 4
	maxCatchKind      = 3 // wasm.CatchAllRef
	trapFlagShared    = 1 // the stub is shared: the trapping site is its caller
	noParentHandler   = -1
	tablesHeaderWords = tablesHeaderSize / 4
)

var le = binary.LittleEndian

// funcStart, funcEnd and entry are defined function i's code range and
// the offset of its entry stub.
func (t *codeTables) funcStart(i int) int { return int(le.Uint32(t.funcs[i*funcEntrySize:])) }
func (t *codeTables) funcEnd(i int) int   { return int(le.Uint32(t.funcs[i*funcEntrySize+4:])) }
func (t *codeTables) entry(i int) int     { return int(le.Uint32(t.funcs[i*funcEntrySize+8:])) }

// funcAt is the defined function whose code holds offset off, or -1.
func (t *codeTables) funcAt(off int) int {
	i := sort.Search(t.numFuncs, func(i int) bool { return t.funcStart(i) > off }) - 1
	if i >= 0 && off <= t.funcEnd(i) {
		return i
	}
	return -1
}

// posAt is the wasm position recorded for the return address at offset off.
func (t *codeTables) posAt(off int) (uint32, bool) {
	n := len(t.sites) / siteEntrySize
	i := sort.Search(n, func(i int) bool { return int(le.Uint32(t.sites[i*siteEntrySize:])) >= off })
	if i < n && int(le.Uint32(t.sites[i*siteEntrySize:])) == off {
		return le.Uint32(t.sites[i*siteEntrySize+4:]), true
	}
	return 0, false
}

// trapAt is the trap stub whose exit resumes at offset off.
func (t *codeTables) trapAt(off int) (code abi.TrapCode, shared, ok bool) {
	n := len(t.traps) / trapEntrySize
	i := sort.Search(n, func(i int) bool { return int(le.Uint32(t.traps[i*trapEntrySize:])) >= off })
	if i < n && int(le.Uint32(t.traps[i*trapEntrySize:])) == off {
		e := t.traps[i*trapEntrySize:]
		return abi.TrapCode(le.Uint16(e[4:])), le.Uint16(e[6:])&trapFlagShared != 0, true
	}
	return 0, false, false
}

// faultAt is the fault site at offset off: the trap a fault there means
// and the wasm position of its instruction.
func (t *codeTables) faultAt(off int) (code abi.TrapCode, pos uint32, ok bool) {
	n := len(t.faults) / faultEntrySize
	i := sort.Search(n, func(i int) bool { return int(le.Uint32(t.faults[i*faultEntrySize:])) >= off })
	if i < n && int(le.Uint32(t.faults[i*faultEntrySize:])) == off {
		e := t.faults[i*faultEntrySize:]
		return abi.TrapCode(le.Uint16(e[8:])), le.Uint32(e[4:]), true
	}
	return 0, 0, false
}

// numFaults is the number of fault sites.
func (t *codeTables) numFaults() int { return len(t.faults) / faultEntrySize }

// inPoll reports whether off lies in the shared poll stub.
func (t *codeTables) inPoll(off int) bool { return off >= t.pollStart && off < t.pollEnd }

// tablesBuilder packs the tables while the linker places code, each
// table in its part of the section (reserve), so finish copies nothing.
type tablesBuilder struct {
	raw                         []byte // the section, when reserved
	funcs, sites, traps, faults []byte
	landings, handlers, clauses []byte
	numHandlers                 int
}

// tableCounts are the entries of each table, counted before the code is
// placed.
type tableCounts struct {
	funcs, sites, traps, faults int
	landings, handlers, clauses int
}

// add counts compiled function c's entries.
func (n *tableCounts) add(c compiledFunc) {
	n.funcs++
	n.sites += len(c.Sites)
	n.traps += len(c.TrapSites)
	n.faults += len(c.FaultSites)
	n.landings += len(c.Landings)
	n.handlers += len(c.handlers)
	for _, h := range c.handlers {
		n.clauses += len(h.Clauses)
	}
}

// reserve allocates the section for n entries and makes each table an
// empty slice of its part, capped there: appends fill the part in place
// (an append past it, which a miscount would make, moves the table out
// and finish copies it).
func (b *tablesBuilder) reserve(n tableCounts) {
	sizes := [...]int{n.funcs * funcEntrySize, n.sites * siteEntrySize, n.traps * trapEntrySize, n.faults * faultEntrySize,
		n.landings * landingEntrySize, n.handlers * handlerEntrySize, n.clauses * clauseEntrySize}
	total := tablesHeaderSize
	for _, size := range sizes {
		total += size
	}
	b.raw = make([]byte, total)
	parts := [...]*[]byte{&b.funcs, &b.sites, &b.traps, &b.faults, &b.landings, &b.handlers, &b.clauses}
	off := tablesHeaderSize
	for i, p := range parts {
		*p = b.raw[off : off : off+sizes[i]]
		off += sizes[i]
	}
}

func (b *tablesBuilder) addFunc(start, end int) {
	b.funcs = le.AppendUint32(le.AppendUint32(le.AppendUint32(b.funcs, uint32(start)), uint32(end)), 0)
}

func (b *tablesBuilder) setEntry(i, entry int) {
	le.PutUint32(b.funcs[i*funcEntrySize+8:], uint32(entry))
}

// addSites appends a function's sites; functions are placed in increasing
// order and each function's sites are sorted, so the whole table is.
func (b *tablesBuilder) addSites(base int, sites []amd64.Site) {
	for _, s := range sites {
		b.sites = le.AppendUint32(le.AppendUint32(b.sites, uint32(base+s.Offset)), s.Pos)
	}
}

// addTraps appends a function's trap stubs, sorted by offset.
func (b *tablesBuilder) addTraps(base int, traps []amd64.TrapSite) {
	sorted := sort.SliceIsSorted(traps, func(i, j int) bool { return traps[i].Offset < traps[j].Offset })
	if !sorted {
		traps = append([]amd64.TrapSite(nil), traps...)
		sort.Slice(traps, func(i, j int) bool { return traps[i].Offset < traps[j].Offset })
	}
	for _, ts := range traps {
		var flags uint16
		if ts.Shared {
			flags |= trapFlagShared
		}
		b.traps = le.AppendUint16(le.AppendUint16(le.AppendUint32(b.traps, uint32(base+ts.Offset)), uint16(ts.Code)), flags)
	}
}

// addFaults appends a function's fault sites, which amd64.Compile sorts
// by offset; functions are placed in increasing order, so the whole table
// is sorted.
func (b *tablesBuilder) addFaults(base int, faults []amd64.FaultSite) {
	for _, f := range faults {
		b.faults = le.AppendUint16(le.AppendUint16(le.AppendUint32(le.AppendUint32(b.faults, uint32(base+f.Offset)), f.Pos), uint16(f.Code)), 0)
	}
}

// finish packs the section: in place when the tables fill their parts
// of the reserved section exactly, else by copying them.
func (b *tablesBuilder) finish(pollStart, pollEnd, codeSize int) *codeTables {
	nf, ns, nt, nx := len(b.funcs)/funcEntrySize, len(b.sites)/siteEntrySize, len(b.traps)/trapEntrySize, len(b.faults)/faultEntrySize
	nl, nh, nc := len(b.landings)/landingEntrySize, len(b.handlers)/handlerEntrySize, len(b.clauses)/clauseEntrySize
	parts := [][]byte{b.funcs, b.sites, b.traps, b.faults, b.landings, b.handlers, b.clauses}
	raw := b.raw
	if !b.inPlace(parts) {
		size := tablesHeaderSize
		for _, part := range parts {
			size += len(part)
		}
		raw = make([]byte, size)
		off := tablesHeaderSize
		for _, part := range parts {
			off += copy(raw[off:], part)
		}
	}
	for i, v := range []int{nf, ns, nt, nx, pollStart, pollEnd, codeSize, nl, nh, nc} {
		le.PutUint32(raw[4*i:], uint32(v))
	}
	t, err := parseTables(raw, nf, codeSize)
	if err != nil {
		panic(err) // the linker's own tables are consistent
	}
	return t
}

// inPlace reports whether parts lie back to back in the reserved section
// after its header, filling it.
func (b *tablesBuilder) inPlace(parts [][]byte) bool {
	off := tablesHeaderSize
	for _, part := range parts {
		if len(part) > 0 && (off+len(part) > len(b.raw) || &part[0] != &b.raw[off]) {
			return false
		}
		off += len(part)
	}
	return b.raw != nil && off == len(b.raw)
}

// parseTables reads a tables section for a module of numFuncs defined
// functions and codeSize bytes of code, checking everything that later
// becomes an address: function ranges and entries inside the code, in
// increasing order. A table that fails is refused, never used.
func parseTables(raw []byte, numFuncs, codeSize int) (*codeTables, error) {
	if len(raw) < tablesHeaderSize {
		return nil, fmt.Errorf("tables section of %d bytes, shorter than its header", len(raw))
	}
	h := func(i int) int { return int(le.Uint32(raw[4*i:])) }
	nf, ns, nt, nx := h(0), h(1), h(2), h(3)
	nl, nh, nc := h(7), h(8), h(9)
	t := &codeTables{raw: raw, numFuncs: nf, pollStart: h(4), pollEnd: h(5), codeSize: h(6)}
	if nf != numFuncs {
		return nil, fmt.Errorf("tables list %d functions, the module defines %d", nf, numFuncs)
	}
	if t.codeSize != codeSize {
		return nil, fmt.Errorf("tables describe %d bytes of code, the code section has %d", t.codeSize, codeSize)
	}
	want := uint64(tablesHeaderSize) + uint64(nf)*funcEntrySize + uint64(ns)*siteEntrySize + uint64(nt)*trapEntrySize +
		uint64(nx)*faultEntrySize + uint64(nl)*landingEntrySize + uint64(nh)*handlerEntrySize + uint64(nc)*clauseEntrySize
	if uint64(len(raw)) != want {
		return nil, fmt.Errorf("tables section of %d bytes, its counts need %d", len(raw), want)
	}
	rest := raw[tablesHeaderSize:]
	take := func(n int) []byte {
		part := rest[:n:n]
		rest = rest[n:]
		return part
	}
	t.funcs, t.sites, t.traps = take(nf*funcEntrySize), take(ns*siteEntrySize), take(nt*trapEntrySize)
	t.faults = take(nx * faultEntrySize)
	t.landings, t.handlers, t.clauses = take(nl*landingEntrySize), take(nh*handlerEntrySize), take(nc*clauseEntrySize)
	if err := t.checkExceptionTables(); err != nil {
		return nil, err
	}
	if t.pollStart > t.pollEnd || t.pollEnd > codeSize {
		return nil, fmt.Errorf("poll stub [%d, %d) outside the code (%d bytes)", t.pollStart, t.pollEnd, codeSize)
	}
	prev := 0
	for i := range nf {
		start, end, entry := t.funcStart(i), t.funcEnd(i), t.entry(i)
		if start < prev || end < start || end > codeSize || entry >= codeSize {
			return nil, fmt.Errorf("function %d: code [%d, %d) entry %d out of order or outside the code (%d bytes)", i, start, end, entry, codeSize)
		}
		prev = end
	}
	return t, nil
}
