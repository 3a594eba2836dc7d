package amd64

import "github.com/moat-run/moat/internal/ssa"

// Which i32 block parameters sit in their registers zero-extended. A
// 32-bit instruction clears its register's upper half (upperZeroOps), and
// the allocator moves, spills and reloads whole registers, so a parameter
// every incoming edge passes such a value (or such a parameter) holds one
// too: a loop's 32-bit counter or pointer, typically. Then extending it to
// 64 bits for an address is its own register (zextSource, lowerExtend),
// not a copy that stays live beside it.

// zextEdge is an edge's argument arg passed to block parameter param.
type zextEdge struct{ arg, param ssa.Value }

// computeZeroParams fills l.zeroParam: optimistic (every i32 parameter of a
// block entered by explicit edges only is assumed zero-extended), then
// every parameter reached by an argument that is not, directly or through
// parameters, is cleared (a worklist over the edges grouped by argument).
func (l *lowerer) computeZeroParams(f *ssa.Func) {
	n := f.NumValues()
	zp := fillSlice(resize(l.zeroParam, n), false)
	l.zeroParam = zp
	entry := f.Entry()
	incoming := fillSlice(resize(l.zextIncoming, f.NumBlockIDs()), false)
	l.zextIncoming = incoming
	edges := l.zextEdges[:0]
	for _, b := range f.Blocks {
		t := b.Terminator()
		if t == nil {
			continue
		}
		for _, c := range t.Targets {
			incoming[c.Block.ID] = true
			if len(c.Args) != len(c.Block.Params) { // results passed implicitly
				for _, p := range c.Block.Params {
					edges = append(edges, zextEdge{ssa.NoValue, p})
				}
				continue
			}
			for j, p := range c.Block.Params {
				if f.ValueType(p) == ssa.I32 {
					edges = append(edges, zextEdge{c.Args[j], p})
				}
			}
		}
	}
	for _, b := range f.Blocks {
		if b == entry || !incoming[b.ID] {
			continue
		}
		for _, p := range b.Params {
			zp[p] = f.ValueType(p) == ssa.I32
		}
	}
	// Edges from each parameter argument, grouped by argument (a counting
	// sort into zextFrom).
	start := fillSlice(resize(l.zextStart, n+1), int32(0))
	l.zextStart = start
	for _, e := range edges {
		if e.arg != ssa.NoValue {
			start[e.arg+1]++
		}
	}
	for v := 1; v <= n; v++ {
		start[v] += start[v-1]
	}
	from := resize(l.zextFrom, len(edges))
	l.zextFrom = from
	fill := resize(l.zextFill, n)
	l.zextFill = fill
	copy(fill, start[:n])
	for _, e := range edges {
		if e.arg != ssa.NoValue {
			from[fill[e.arg]] = e.param
			fill[e.arg]++
		}
	}
	// Clear what a non-extended argument reaches, then what those reach.
	work := l.zextWork[:0]
	unset := func(p ssa.Value) {
		if zp[p] {
			zp[p] = false
			work = append(work, p)
		}
	}
	for _, e := range edges {
		if e.arg == ssa.NoValue {
			unset(e.param)
			continue
		}
		if b, _ := f.ValueBlockParam(e.arg); b != nil {
			if !zp[e.arg] { // else the worklist sees it, if it is cleared
				unset(e.param)
			}
		} else if !l.upperZeroInst(e.arg) {
			unset(e.param)
		}
	}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		for _, q := range from[start[p]:start[p+1]] {
			unset(q)
		}
	}
	l.zextWork, l.zextEdges = work, edges
}
