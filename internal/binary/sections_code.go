package binary

import (
	"io"

	"github.com/moat-run/moat/internal/wasm"
)

// The code section: locals, and a skim of every body so that malformed
// instructions are reported by Decode.

func (d *decoder) codeSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.sawCodeSec = true
	if n != d.funcDecls {
		return errAt(r.base, "function and code section have inconsistent lengths (%d functions, %d bodies)", d.funcDecls, n)
	}
	d.m.Code = prealloc[wasm.Code](n)
	for i := range n {
		sizeAt := r.offset()
		size, err := r.u32()
		if err != nil {
			return err
		}
		if uint64(size) > uint64(r.remaining()) {
			return errAt(sizeAt, "%s (body size %d, %d bytes left)", r.eof, size, r.remaining())
		}
		if err := limitFuncBytes.check(sizeAt, 0, int(size)); err != nil {
			err.(*wasm.Error).Func = d.m.NumImportedFuncs + uint32(i)
			return err
		}
		br := r.sub(int(size))
		fn := d.m.NumImportedFuncs + uint32(i)
		d.m.Code = append(d.m.Code, wasm.Code{})
		if err := d.code(&br, &d.m.Code[i], fn); err != nil {
			if we, ok := err.(*wasm.Error); ok {
				we.Func = fn
			}
			return err
		}
		d.bodiesRead = i + 1
	}
	return nil
}

func (d *decoder) code(r *reader, c *wasm.Code, fn uint32) error {
	if err := readLocals(r, c); err != nil {
		return err
	}
	c.Offset = r.offset()
	c.Body = r.buf[r.pos:len(r.buf):len(r.buf)]
	if d.deferBodies {
		return nil
	}
	return d.skim(c.Body, c.Offset, fn)
}

// readLocals reads the local declarations in two passes: the first adds up
// the counts, so nothing is allocated for a body that declares too many.
func readLocals(r *reader, c *wasm.Code) error {
	at := r.offset()
	n, err := r.count()
	if err != nil {
		return err
	}
	scan := *r
	var total uint64
	for i := 0; i < n; i++ {
		cnt, err := scan.u32()
		if err != nil {
			return err
		}
		if _, err := scan.valType(); err != nil {
			return err
		}
		total += uint64(cnt)
		if total > maxLocals {
			return errAt(at, "too many locals (more than %d)", maxLocals)
		}
	}
	c.NumLocals = uint32(total)
	if n > 0 {
		c.Locals = make([]wasm.LocalEntry, n)
	}
	for i := range c.Locals {
		c.Locals[i].Count, _ = r.u32()
		c.Locals[i].Type, _ = r.valType()
	}
	return nil
}

// skim reads a whole body, checking that every instruction is well-formed,
// that block/loop/if/else/end nest, and that the body ends exactly with the
// end that closes the function.
func (d *decoder) skim(body []byte, base int, fn uint32) error {
	e := &d.expr
	e.Reset(body, base)
	nest := d.nest[:0]
	defer func() { d.nest = nest[:0] }()
	var in wasm.Instr
	for {
		if err := e.Next(&in); err != nil {
			if err == io.EOF {
				return errAt(e.Offset(), "unexpected end of section or function (END opcode expected)")
			}
			return err
		}
		switch in.Op {
		case wasm.OpBlock, wasm.OpLoop, wasm.OpTryTable:
			nest = append(nest, false)
		case wasm.OpIf:
			nest = append(nest, true)
		case wasm.OpElse:
			if len(nest) == 0 || !nest[len(nest)-1] {
				return errAt(in.Offset, "END opcode expected (else outside an if)")
			}
			nest[len(nest)-1] = false // a second else is as misplaced as a stray one
		case wasm.OpEnd:
			if len(nest) == 0 {
				if rest := e.r.remaining(); rest != 0 {
					return errAt(e.Offset(), "section size mismatch (%d bytes after the function's final end)", rest)
				}
				return nil
			}
			nest = nest[:len(nest)-1]
		case wasm.OpMemoryInit, wasm.OpDataDrop:
			if d.usesDataIdx < 0 {
				d.usesDataIdx = in.Offset
				d.usesDataFn = fn
			}
		}
	}
}
