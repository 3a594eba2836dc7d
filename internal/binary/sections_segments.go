package binary

import (
	"io"
	"slices"

	"github.com/moat-run/moat/internal/wasm"
)

// Element and data segments and the constant expressions they carry.

// maxConstInstrs bounds the instructions of one constant expression (an
// implementation limit, like maxLocals): extended constant expressions may
// be long, but a hostile megabyte of them must not turn into a hundred
// megabytes of Instr values.
const maxConstInstrs = 10000

// constExpr reads instructions up to the `end` that closes the expression.
// Nested blocks are tracked so that a block inside the expression (invalid,
// but well-formed) does not end it early.
func (d *decoder) constExpr(r *reader) (wasm.ConstExpr, error) {
	at := r.offset()
	e := &d.expr
	e.Reset(r.buf[r.pos:], r.offset())
	depth := 0
	buf := d.constBuf[:0]
	var in wasm.Instr
	for {
		if err := e.Next(&in); err != nil {
			if err == io.EOF {
				return wasm.ConstExpr{}, errAt(e.Offset(), "unexpected end of section or function (constant expression has no end)")
			}
			return wasm.ConstExpr{}, err
		}
		switch in.Op {
		case wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpTryTable:
			depth++
		case wasm.OpEnd:
			if depth == 0 {
				r.pos += e.r.pos
				d.constBuf = buf
				return d.consts.Add(buf, at), nil
			}
			depth--
		}
		if len(buf) >= maxConstInstrs {
			return wasm.ConstExpr{}, errAt(in.Offset, "constant expression too long (more than %d instructions)", maxConstInstrs)
		}
		// Its list immediates alias the reader's buffer until the next
		// instruction: Add copies what it keeps.
		in.Targets = slices.Clone(in.Targets)
		in.Types = slices.Clone(in.Types)
		in.Catches = slices.Clone(in.Catches)
		buf = append(buf, in)
	}
}

// compactItem returns what an element item of a segment of type t holds
// in ElemSegment.Funcs, if it can be held there: a lone ref.func, or a
// lone ref.null func in a segment of funcref.
func compactItem(e wasm.ConstExpr, t wasm.ValType) (uint32, bool) {
	if e.Len() != 1 {
		return 0, false
	}
	switch in := e.At(0); {
	case in.Op == wasm.OpRefFunc:
		return in.X, true
	case in.Op == wasm.OpRefNull && in.Type == wasm.FuncRef && t == wasm.FuncRef:
		return wasm.NullFuncItem, true
	}
	return 0, false
}

func (d *decoder) elementSection(r *reader) error {
	n, err := r.countUpTo(limitElemSegments, 0)
	if err != nil {
		return err
	}
	d.m.Elems = prealloc[wasm.ElemSegment](n)
	for range n {
		d.m.Elems = append(d.m.Elems, wasm.ElemSegment{})
		if err := d.elemSegment(r, &d.m.Elems[len(d.m.Elems)-1]); err != nil {
			return err
		}
	}
	return nil
}

// elemSegment reads one of the eight encodings. Bit 0 of the flags: passive
// or declarative (bit 1 set) instead of active; bit 1 on an active segment:
// explicit table index; bit 2: items are expressions instead of function
// indices, with a reference type instead of an element kind. Function
// indices make a segment of (ref func); flags 4 make one of funcref.
func (d *decoder) elemSegment(r *reader, seg *wasm.ElemSegment) error {
	at := r.offset()
	flags, err := r.u32()
	if err != nil {
		return err
	}
	if flags > 7 {
		return errAt(at, "malformed elements segment kind %d", flags)
	}
	seg.Type = wasm.RefType(false, wasm.HeapFunc)
	if flags == 4 {
		seg.Type = wasm.FuncRef
	}
	switch {
	case flags&1 == 0:
		seg.Mode = wasm.ElemActive
	case flags&2 == 0:
		seg.Mode = wasm.ElemPassive
	default:
		seg.Mode = wasm.ElemDeclarative
	}
	if seg.Mode == wasm.ElemActive {
		if flags&2 != 0 {
			if seg.Table, err = r.u32(); err != nil {
				return err
			}
		}
		if seg.Offset, err = d.constExpr(r); err != nil {
			return err
		}
	}
	exprs := flags&4 != 0
	// Flags 0 and 4 have neither an element kind nor a type: funcref.
	if flags&3 != 0 {
		if exprs {
			if seg.Type, err = r.refType(); err != nil {
				return err
			}
		} else {
			kat := r.offset()
			kind, err := r.byte()
			if err != nil {
				return err
			}
			if kind != 0 {
				return errAt(kat, "malformed elements segment kind 0x%02x", kind)
			}
		}
	}
	if exprs {
		n, err := r.count()
		if err != nil {
			return err
		}
		// Items that are each one ref.func, in a segment of funcref or
		// (ref func), or ref.null func in one of funcref, are kept as
		// indices as the function-index forms are (wasm.NullFuncItem for
		// null), until an item of another kind turns them into
		// expressions.
		compact := seg.Type == wasm.FuncRef || seg.Type == wasm.RefType(false, wasm.HeapFunc)
		// The lists are made once, for n items: an item takes at least a
		// byte (three as an index: ref.func x end), so the section's
		// bytes bound what a count that lies can ask for.
		room := r.remaining()
		for range n {
			item, err := d.constExpr(r)
			if err != nil {
				return err
			}
			x, ok := compactItem(item, seg.Type)
			if compact && ok {
				if seg.Funcs == nil {
					seg.Funcs, seg.FuncOffsets = make([]uint32, 0, min(n, room/3)), make([]uint32, 0, min(n, room/3))
				}
				seg.Funcs = append(seg.Funcs, x)
				seg.FuncOffsets = append(seg.FuncOffsets, uint32(item.Offset))
				continue
			}
			if seg.Items == nil {
				seg.Items = append(make([]wasm.ConstExpr, 0, min(n, room)), seg.ItemExprs()...)
				seg.Funcs, seg.FuncOffsets, compact = nil, nil, false
			}
			seg.Items = append(seg.Items, item)
		}
		return nil
	}
	n, err := r.count()
	if err != nil {
		return err
	}
	// Read the indices first, so that a count larger than the indices
	// present fails before anything is allocated for them; they are kept
	// as indices with their offsets.
	scan := *r
	for range n {
		if _, err := scan.u32(); err != nil {
			return err
		}
	}
	seg.Funcs = make([]uint32, n)
	seg.FuncOffsets = make([]uint32, n)
	for i := range seg.Funcs {
		seg.FuncOffsets[i] = uint32(r.offset())
		seg.Funcs[i], _ = r.u32()
	}
	return nil
}

func (d *decoder) dataSection(r *reader) error {
	n, err := r.countUpTo(limitDataSegments, 0)
	if err != nil {
		return err
	}
	d.sawDataSec = true
	// A segment takes at least two bytes (a passive one, empty), so the
	// section's size bounds the count as well as it can be trusted.
	d.m.Datas = make([]wasm.DataSegment, 0, min(n, r.remaining()/2))
	for range n {
		d.m.Datas = append(d.m.Datas, wasm.DataSegment{})
		seg := &d.m.Datas[len(d.m.Datas)-1]
		at := r.offset()
		flags, err := r.u32()
		if err != nil {
			return err
		}
		switch flags {
		case 0:
			seg.Mode = wasm.DataActive
		case 1:
			seg.Mode = wasm.DataPassive
		case 2:
			seg.Mode = wasm.DataActive
			if seg.Memory, err = r.u32(); err != nil {
				return err
			}
		default:
			return errAt(at, "malformed data segment kind %d", flags)
		}
		if seg.Mode == wasm.DataActive {
			if seg.Offset, err = d.constExpr(r); err != nil {
				return err
			}
		}
		if seg.Bytes, err = r.bytesVec(); err != nil {
			return err
		}
	}
	return nil
}
