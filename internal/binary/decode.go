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
	nest       []bool       // open blocks while skimming a body: true for an if
	consts     []wasm.Instr // constant expressions' instructions (appendConst)
	funcDecls  int          // entries in the function section
	sawFuncSec bool
	sawCodeSec bool
	sawDataSec bool
	// usesDataIdx is the offset of the first memory.init or data.drop, or
	// -1: without a data count section they need one (checked at the end).
	usesDataIdx int
	usesDataFn  uint32
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
	d := &decoder{off: off, m: &wasm.Module{Sections: make([]wasm.SectionInfo, 0, 12)}, usesDataIdx: -1}
	d.expr.off = off
	if err := d.module(b); err != nil {
		return nil, err
	}
	return d.m, nil
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
	// The spec requires a data count section whenever a body names a data
	// segment. Without any data section the index is simply unknown, which
	// the validator reports (the spec tests expect "unknown data segment"
	// as an invalid module there), so only the case with segments is
	// malformed here.
	if !m.HasDataCount && d.usesDataIdx >= 0 && len(m.Datas) > 0 {
		return &wasm.Error{Kind: wasm.Malformed, Offset: d.usesDataIdx, Func: d.usesDataFn, Msg: "data count section required"}
	}
	return nil
}
