package binary

import (
	"github.com/moat-run/moat/internal/wasm"
)

// Section ids of the binary format.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

var sectionNames = [...]string{
	"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "datacount", "tag",
}

// sectionRanks orders the non-custom sections as the binary format
// requires: tag sits between memory and global, data count between element
// and code.
var sectionRanks = [...]int{
	secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5, secTag: 6,
	secGlobal: 7, secExport: 8, secStart: 9, secElement: 10, secDataCount: 11, secCode: 12, secData: 13,
}

func sectionRank(id byte) int { return sectionRanks[id] }

var magic = []byte{0x00, 0x61, 0x73, 0x6d}

// maxLocals caps the locals of one function (parameters excluded). The spec
// only requires the total to fit in u32; engines cap it so a small body
// cannot ask for gigabytes of frame.
const maxLocals = 50000

// decoder holds the state of one Decode call.
type decoder struct {
	off        wasm.Features // features turned off
	m          *wasm.Module
	expr       ExprReader
	nest       []bool          // open blocks while skimming a body: true for an if
	consts     wasm.ConstArena // the module's constant expressions' instructions
	constBuf   []wasm.Instr    // the expression being read (constExpr), reused
	funcDecls  int             // entries in the function section
	sawFuncSec bool
	sawCodeSec bool
	sawDataSec bool
	// usesDataIdx is the offset of the first memory.init or data.drop, or
	// -1: without a data count section they need one (checked at the end).
	usesDataIdx int
	usesDataFn  uint32
	// deferBodies leaves the skim of bodies out (DecodeDeferred);
	// bodiesRead counts the bodies whose locals were read.
	deferBodies bool
	bodiesRead  int
}

// Decode parses a module in the binary format, every feature of
// WebAssembly 3.0 included. b must not be modified while the module is in
// use: data segments, bodies and custom sections alias it. Every error is a
// *wasm.Error of Kind Malformed (or, for a type index too large to be any
// module's, Invalid).
func Decode(b []byte) (*wasm.Module, error) { return DecodeFeatures(b, 0) }

// DecodeFeatures is Decode with the features in off turned off: their
// encodings are malformed, as they were before the feature existed (a
// memory.size with a non-zero memory byte without multi-memory, limits flags
// 4 without memory64, a tag section without exceptions, …). Features the
// validator recognises (extended constant expressions) are left to it.
func DecodeFeatures(b []byte, off wasm.Features) (*wasm.Module, error) {
	d := newDecoder(off)
	if err := d.module(b); err != nil {
		return nil, err
	}
	return d.m, nil
}

func newDecoder(off wasm.Features) *decoder {
	d := &decoder{off: off, m: &wasm.Module{Sections: make([]wasm.SectionInfo, 0, 12)}, usesDataIdx: -1}
	d.expr.off = off
	return d
}

// DecodeDeferred is DecodeFeatures without its walk over the function
// bodies' instructions, for an engine that reads every body anyway (the
// compiler, validating and translating it in one walk). Such an engine
// must read each body to its end with an ExprReader with the features in
// off turned off and refuse a body on any reader error, on anything after
// the final end, on a nesting the validator refuses, and on a memory.init
// or data.drop in a module without a data count section
// (validate.FuncValidator checks the last two). After a failure of any
// kind it calls SkimBodies, whose error, when there is one, is the one
// DecodeFeatures would have returned. An error of DecodeDeferred itself is
// DecodeFeatures' (it skims the bodies read before it fails).
func DecodeDeferred(b []byte, off wasm.Features) (*wasm.Module, error) {
	d := newDecoder(off)
	d.deferBodies = true
	if err := d.module(b); err != nil {
		// A body before the fault might be malformed: its error comes first.
		if serr := d.skimBodies(d.bodiesRead); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	return d.m, nil
}

// SkimBodies checks m's bodies, decoded by DecodeDeferred with the features
// in off turned off, as DecodeFeatures does: each instruction well-formed,
// blocks nested, nothing after the final end, a data count section where a
// body names a data segment. Its error is DecodeFeatures' for m's bytes.
func SkimBodies(m *wasm.Module, off wasm.Features) error {
	d := newDecoder(off)
	d.m = m
	if err := d.skimBodies(len(m.Code)); err != nil {
		return err
	}
	return d.dataCountRequired()
}

// skimBodies skims the first n bodies, in order.
func (d *decoder) skimBodies(n int) error {
	for i := range n {
		c := &d.m.Code[i]
		fn := d.m.NumImportedFuncs + uint32(i)
		if err := d.skim(c.Body, c.Offset, fn); err != nil {
			if we, ok := err.(*wasm.Error); ok {
				we.Func = fn
			}
			return err
		}
	}
	return nil
}

func (d *decoder) module(b []byte) error {
	r := newReader(b, 0)
	r.off = d.off
	head, err := r.fixed(4)
	if err != nil {
		return err
	}
	if string(head) != string(magic) {
		return errAt(0, "magic header not detected")
	}
	ver, err := r.fixed(4)
	if err != nil {
		return err
	}
	if ver[0] != 1 || ver[1] != 0 || ver[2] != 0 || ver[3] != 0 {
		return errAt(4, "unknown binary version")
	}
	lastRank := 0
	for !r.atEnd() {
		idAt := r.offset()
		id, _ := r.byte()
		if id > secTag || (id == secTag && d.off&wasm.FeatureExceptions != 0) {
			return errAt(idAt, "malformed section id %d", id)
		}
		sizeAt := r.offset()
		size, err := r.u32()
		if err != nil {
			return err
		}
		if uint64(size) > uint64(r.remaining()) {
			return errAt(sizeAt, "length out of bounds (section size %d, %d bytes left)", size, r.remaining())
		}
		if id != secCustom {
			rank := sectionRank(id)
			if rank <= lastRank {
				return errAt(idAt, "unexpected content after last section (%s section out of order or repeated)", sectionNames[id])
			}
			lastRank = rank
		}
		sr := r.sub(int(size))
		if err := d.section(id, &sr); err != nil {
			return err
		}
		if !sr.atEnd() {
			return errAt(sr.offset(), "section size mismatch (%s section has %d unread bytes)", sectionNames[id], sr.remaining())
		}
	}
	return d.finish(len(b))
}

func (d *decoder) section(id byte, r *reader) error {
	info := wasm.SectionInfo{ID: id, Name: sectionNames[id], Offset: r.base, Size: len(r.buf)}
	var err error
	switch id {
	case secCustom:
		err = d.customSection(r, &info)
	case secType:
		err = d.typeSection(r)
	case secImport:
		err = d.importSection(r)
	case secFunction:
		err = d.functionSection(r)
	case secTable:
		err = d.tableSection(r)
	case secMemory:
		err = d.memorySection(r)
	case secTag:
		err = d.tagSection(r)
	case secGlobal:
		err = d.globalSection(r)
	case secExport:
		err = d.exportSection(r)
	case secStart:
		d.m.Start, err = r.u32()
		d.m.HasStart = err == nil
	case secElement:
		err = d.elementSection(r)
	case secDataCount:
		d.m.DataCount, err = r.u32()
		d.m.HasDataCount = err == nil
	case secCode:
		err = d.codeSection(r)
	case secData:
		err = d.dataSection(r)
	}
	d.m.Sections = append(d.m.Sections, info)
	return err
}

// finish checks the rules that span sections.
func (d *decoder) finish(end int) error {
	m := d.m
	if d.funcDecls != len(m.Code) {
		return errAt(end, "function and code section have inconsistent lengths (%d functions, %d bodies)", d.funcDecls, len(m.Code))
	}
	if m.HasDataCount && int(m.DataCount) != len(m.Datas) {
		return errAt(end, "data count and data section have inconsistent lengths (data count %d, %d segments)", m.DataCount, len(m.Datas))
	}
	return d.dataCountRequired()
}

// dataCountRequired: the spec requires a data count section whenever a
// body names a data segment. Without any data section the index is simply
// unknown, which the validator reports (the spec tests expect "unknown
// data segment" as an invalid module there), so only the case with
// segments is malformed here. It knows the bodies' uses once they are
// skimmed.
func (d *decoder) dataCountRequired() error {
	m := d.m
	if !m.HasDataCount && d.usesDataIdx >= 0 && len(m.Datas) > 0 {
		return &wasm.Error{Kind: wasm.Malformed, Offset: d.usesDataIdx, Func: d.usesDataFn, Msg: "data count section required"}
	}
	return nil
}
