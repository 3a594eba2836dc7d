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
// parameters, is cleared.
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
	// Clear what a non-extended argument reaches, pass after pass until
	// nothing changes; a chain that still changes after maxZextPasses
	// (parameters passed on from block to block against the order of the
	// edges) gives up: no parameter is taken as extended.
	for pass := 0; ; pass++ {
		changed := false
		for _, e := range edges {
			if !zp[e.param] {
				continue
			}
			if e.arg == ssa.NoValue || !zp[e.arg] && !l.upperZeroInst(e.arg) {
				zp[e.param] = false
				changed = true
			}
		}
		if !changed {
			break
		}
		if pass == maxZextPasses {
			clear(zp)
			break
		}
	}
	l.zextEdges = edges
}

// maxZextPasses bounds computeZeroParams' passes over the edges.
const maxZextPasses = 8
