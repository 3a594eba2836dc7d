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
)

var sectionNames = [...]string{
	"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "datacount",
}

// sectionRank orders the non-custom sections as the binary format requires:
// data count sits between element and code.
func sectionRank(id byte) int {
	switch id {
	case secDataCount:
		return 10
	case secCode:
		return 11
	case secData:
		return 12
	}
	return int(id)
}

var magic = []byte{0x00, 0x61, 0x73, 0x6d}

// maxLocals caps the locals of one function (parameters excluded). The spec
// only requires the total to fit in u32; engines cap it so a small body
// cannot ask for gigabytes of frame.
const maxLocals = 50000

// decoder holds the state of one Decode call.
type decoder struct {
	m          *wasm.Module
	expr       ExprReader
	nest       []bool // open blocks while skimming a body: true for an if
	funcDecls  int    // entries in the function section
	sawFuncSec bool
	sawCodeSec bool
	sawDataSec bool
	// usesDataIdx is the offset of the first memory.init or data.drop, or
	// -1: without a data count section they need one (checked at the end).
	usesDataIdx int
	usesDataFn  uint32
}

// Decode parses a module in the binary format. b must not be modified while
// the module is in use: data segments, bodies and custom sections alias it.
// Every error is a *wasm.Error of Kind Malformed.
func Decode(b []byte) (*wasm.Module, error) {
	d := &decoder{m: &wasm.Module{Sections: make([]wasm.SectionInfo, 0, 12)}, usesDataIdx: -1}
	if err := d.module(b); err != nil {
		return nil, err
	}
	return d.m, nil
}

func (d *decoder) module(b []byte) error {
	r := newReader(b, 0)
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
		if id > secDataCount {
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
