package pool

import (
	"github.com/moat-run/moat/internal/wasm"
)

// Segment is an active data segment whose offset is a constant.
type Segment struct {
	Offset uint64
	Bytes  []byte
}

// Plan is what instantiation writes into one defined memory before anything
// else can observe it: its active data segments, in order. Size is the end
// of the last byte written (0: the memory starts all zeros).
type Plan struct {
	Memory   uint32 // index in the module's memory space
	Segments []Segment
	Size     uint64
}

// PlanImage reports whether the initial contents of defined memory idx of m
// can be built ahead of time and mapped into each instance (Wasmtime's
// memory images), and returns them. It can when instantiation could never
// observe the memory without them: every active data segment of m writes
// to idx at a constant offset inside the memory's minimum size, and no
// step the spec runs before the data segments can trap (every active
// element segment fills a table the module defines, at a constant offset
// within its minimum size, from items that cannot allocate). Otherwise a
// failing instantiation could leave the memory reachable (through a
// function already stored in an imported table) without the segments the
// spec had not yet applied, so the caller applies segments one by one.
func PlanImage(m *wasm.Module, idx uint32) (Plan, bool) {
	p := Plan{Memory: idx}
	if idx < m.NumImportedMemories || idx-m.NumImportedMemories >= uint32(len(m.Memories)) {
		return p, false
	}
	if m.Features&wasm.FeatureGC != 0 {
		return p, false // constant expressions may allocate, and allocation may trap
	}
	for _, seg := range m.Elems {
		if seg.Mode != wasm.ElemActive {
			continue
		}
		if seg.Table < m.NumImportedTables {
			return p, false
		}
		t := m.Tables[seg.Table-m.NumImportedTables].Type
		off, ok := constOffset(seg.Offset, t.Is64)
		if !ok || off > t.Limits.Min || uint64(seg.Len()) > t.Limits.Min-off {
			return p, false
		}
	}
	mt := m.Memories[idx-m.NumImportedMemories]
	minBytes := mt.Limits.Min * wasm.PageSize
	for _, seg := range m.Datas {
		if seg.Mode != wasm.DataActive {
			continue
		}
		if seg.Memory != idx {
			return p, false
		}
		off, ok := constOffset(seg.Offset, mt.Is64)
		if !ok || off > minBytes || uint64(len(seg.Bytes)) > minBytes-off {
			return p, false
		}
		if len(seg.Bytes) == 0 {
			continue
		}
		p.Segments = append(p.Segments, Segment{Offset: off, Bytes: seg.Bytes})
		p.Size = max(p.Size, off+uint64(len(seg.Bytes)))
	}
	return p, true
}

// constOffset is the value of an offset expression that is a single
// constant of the index type.
func constOffset(e wasm.ConstExpr, is64 bool) (uint64, bool) {
	if e.Len() != 1 {
		return 0, false
	}
	in := e.At(0)
	switch {
	case in.Op == wasm.OpI32Const && !is64:
		return uint64(uint32(in.Imm)), true
	case in.Op == wasm.OpI64Const && is64:
		return in.Imm, true
	}
	return 0, false
}
