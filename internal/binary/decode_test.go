package binary

import (
	"bytes"
	_ "embed"
	"errors"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

//go:embed testdata/full.wasm
var fullWasm []byte // testdata/full.wat, built with wat2wasm --debug-names

var header = []byte("\x00asm\x01\x00\x00\x00")

// module assembles a binary from section payloads: each argument is a
// section id followed by its contents.
func module(sections ...[]byte) []byte {
	b := append([]byte(nil), header...)
	for _, s := range sections {
		b = append(b, s[0])
		b = appendU32(b, uint32(len(s)-1))
		b = append(b, s[1:]...)
	}
	return b
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func sec(id byte, parts ...any) []byte {
	b := []byte{id}
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			b = append(b, byte(p))
		case []byte:
			b = append(b, p...)
		case string:
			b = append(b, p...)
		}
	}
	return b
}

func wantMalformed(t *testing.T, b []byte, msg string) *wasm.Error {
	t.Helper()
	m, err := Decode(b)
	if err == nil {
		t.Fatalf("Decode succeeded (%d types), want malformed %q", len(m.Types), msg)
	}
	var we *wasm.Error
	if !errors.As(err, &we) || we.Kind != wasm.Malformed {
		t.Fatalf("got %v, want Malformed", err)
	}
	if !strings.Contains(we.Msg, msg) {
		t.Fatalf("got %q, want it to contain %q", we.Msg, msg)
	}
	return we
}

func TestDecodeFullModule(t *testing.T) {
	m, err := Decode(fullWasm)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Types) != 2 || len(m.Types[0].Func.Params) != 2 || m.Types[0].Func.Results[0] != wasm.F32 {
		t.Errorf("types: %+v", m.Types)
	}
	if len(m.Imports) != 4 || m.NumImportedFuncs != 1 || m.NumImportedTables != 1 ||
		m.NumImportedMemories != 1 || m.NumImportedGlobals != 1 {
		t.Errorf("imports: %+v", m.Imports)
	}
	if im := m.Imports[1]; im.Table.Elem != wasm.FuncRef || im.Table.Limits != (wasm.Limits{Min: 1, Max: 10, HasMax: true}) {
		t.Errorf("table import: %+v", im)
	}
	if im := m.Imports[3]; im.Kind != wasm.ExternGlobal || !im.Global.Mutable || im.Global.Val != wasm.I32 {
		t.Errorf("global import: %+v", im)
	}
	if len(m.Funcs) != 1 || m.Funcs[0] != 0 || len(m.Tables) != 1 || m.Tables[0].Type.Elem != wasm.ExternRef {
		t.Errorf("funcs %v tables %v", m.Funcs, m.Tables)
	}
	if len(m.Globals) != 2 || m.Globals[0].Init.At(0).Op != wasm.OpI64Const ||
		int64(m.Globals[0].Init.At(0).Imm) != -5 || m.Globals[1].Init.At(0).Op != wasm.OpRefFunc {
		t.Errorf("globals: %+v", m.Globals)
	}
	if len(m.Exports) != 2 || m.Exports[1].Name != "g1" || m.Exports[1].Kind != wasm.ExternGlobal {
		t.Errorf("exports: %+v", m.Exports)
	}
	if !m.HasStart || m.Start != 0 {
		t.Errorf("start: %v %d", m.HasStart, m.Start)
	}
	if len(m.Elems) != 4 {
		t.Fatalf("elems: %+v", m.Elems)
	}
	if e := m.Elems[0]; e.Mode != wasm.ElemActive || e.Len() != 2 || e.ItemExprs()[0].At(0).X != 1 || e.Type != wasm.RefType(false, wasm.HeapFunc) {
		t.Errorf("elem 0: %+v", e)
	}
	if m.Elems[1].Mode != wasm.ElemPassive || m.Elems[2].Mode != wasm.ElemDeclarative {
		t.Errorf("elem modes: %v %v", m.Elems[1].Mode, m.Elems[2].Mode)
	}
	if e := m.Elems[3]; e.Table != 1 || e.Type != wasm.ExternRef || e.ItemExprs()[0].At(0).Op != wasm.OpRefNull {
		t.Errorf("elem 3: %+v", e)
	}
	if !m.HasDataCount || m.DataCount != 2 || len(m.Datas) != 2 || string(m.Datas[0].Bytes) != "hello" ||
		m.Datas[1].Mode != wasm.DataPassive {
		t.Errorf("data: %+v", m.Datas)
	}
	if len(m.Code) != 1 || m.Code[0].NumLocals != 3 || len(m.Code[0].Locals) != 2 {
		t.Errorf("code: %+v", m.Code)
	}
	if c := m.Code[0]; c.Body[len(c.Body)-1] != 0x0b || fullWasm[c.Offset] != c.Body[0] {
		t.Errorf("body offset %d", c.Offset)
	}
	if m.Names.Module != "m" || m.FuncName(1) != "f1" || m.Names.Locals[1][2] != "x" {
		t.Errorf("names: %+v", m.Names)
	}
	if len(m.Customs) != 1 || m.Customs[0].Name != "name" {
		t.Errorf("customs: %+v", m.Customs)
	}
	var ids []byte
	for _, s := range m.Sections {
		ids = append(ids, s.ID)
	}
	if string(ids) != "\x01\x02\x03\x04\x06\x07\x08\x09\x0c\x0a\x0b\x00" {
		t.Errorf("section ids % x", ids)
	}
}

func TestDecodeEmpty(t *testing.T) {
	m, err := Decode(header)
	if err != nil || len(m.Sections) != 0 {
		t.Fatal(m, err)
	}
}

func TestDecodeMalformed(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "unexpected end"},
		{"bad magic", []byte("\x00asn\x01\x00\x00\x00"), "magic header not detected"},
		{"bad version", []byte("\x00asm\x02\x00\x00\x00"), "unknown binary version"},
		{"section id", append(header[:8:8], 14, 0), "malformed section id"},
		{"section too long", append(header[:8:8], 1, 5, 0), "length out of bounds"},
		{"size mismatch", module(sec(1, 0, 0)), "section size mismatch"},
		{"duplicate", module(sec(1, 0), sec(1, 0)), "unexpected content after last section"},
		{"out of order", module(sec(3, 0), sec(1, 0)), "unexpected content after last section"},
		{"datacount after code", module(sec(10, 0), sec(12, 0)), "unexpected content after last section"},
		{"bad utf8", module(sec(0, 2, 0xc3, 0x28)), "malformed UTF-8 encoding"},
		{"custom no name", module(sec(0)), "unexpected end"},
		{"import kind", module(sec(2, 1, 0, 0, 5, 0)), "malformed import kind"},
		{"mutability", module(sec(6, 1, 0x7f, 2, 0x41, 0, 0x0b)), "malformed mutability"},
		{"limits flags", module(sec(5, 1, 2, 0)), "integer too large"},
		{"value type", module(sec(1, 1, 0x60, 1, 0x40, 0)), "malformed value type"},
		{"ref type", module(sec(4, 1, 0x7f, 0, 0)), "malformed reference type"},
		{"func without code", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0)), "function and code section have inconsistent lengths"},
		{"code without func", module(sec(10, 1, 2, 0, 0x0b)), "function and code section have inconsistent lengths"},
		{"data count", module(sec(12, 2), sec(11, 1, 1, 0)), "data count and data section have inconsistent lengths"},
		{"data count no data", module(sec(12, 1)), "data count and data section have inconsistent lengths"},
		{"elem kind", module(sec(9, 1, 8)), "malformed elements segment kind"},
		{"data kind", module(sec(11, 1, 3)), "malformed data segment kind"},
		{"body no end", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 2, 0, 0x01)), "unexpected end of section or function"},
		{"body after end", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 3, 0, 0x0b, 0x01)), "section size mismatch"},
		{"stray else", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 4, 0, 0x05, 0x0b, 0x0b)), "END opcode expected"},
		{"illegal opcode", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 3, 0, 0x06, 0x0b)), "illegal opcode"},
		{"illegal fc", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 4, 0, 0xfc, 0x12, 0x0b)), "illegal opcode"},
		{"ref.null type", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 4, 0, 0xd0, 0x7f, 0x0b)), "malformed heap type"},
		{"rec in rec", module(sec(1, 1, 0x4e, 1, 0x4e, 0)), "malformed definition type"},
		{"tag attribute", module(sec(13, 1, 1, 0)), "malformed tag attribute"},
		{"limits shared", module(sec(5, 1, 3, 1, 1)), "integer too large"},
		{"storage type", module(sec(1, 1, 0x5e, 0x76, 0)), "malformed"},
		{"data count required", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 5, 0, 0xfc, 0x09, 0, 0x0b), sec(11, 1, 1, 0)), "data count section required"},
		{"const expr no end", module(sec(6, 1, 0x7f, 0, 0x41, 0)), "unexpected end of section or function"},
		{"locals overflow", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 13, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7e, 0x0b)), "too many locals"},
		{"locals cap", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 6, 1, 0xd1, 0x86, 0x03, 0x7f, 0x0b)), "too many locals"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantMalformed(t, c.b, c.msg) })
	}
}

// TestDecodeMalformed20 covers encodings that 3.0 gave a meaning: with
// every 3.0 feature off they are malformed, as in 2.0.
func TestDecodeMalformed20(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"tag section", append(header[:8:8], 13, 0), "malformed section id"},
		{"tag import", module(sec(2, 1, 0, 0, 4, 0)), "malformed import kind"},
		{"zero byte", module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 4, 0, 0x3f, 0x01, 0x0b)), "zero byte expected"},
		{"limits 64", module(sec(5, 1, 4, 0)), "integer too large"},
		{"limits u32", module(sec(5, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x10)), "integer too large"},
		{"rec", module(sec(1, 1, 0x4e, 0)), "malformed"},
		{"ref type", module(sec(4, 1, 0x64, 0x70, 0, 0)), "malformed reference type"},
		{"exnref", module(sec(4, 1, 0x69, 0, 0)), "malformed reference type"},
		{"table init", module(sec(4, 1, 0x40, 0, 0x70, 0, 0, 0xd0, 0x70, 0x0b)), "malformed reference type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeFeatures(c.b, wasm.AllFeatures)
			var we *wasm.Error
			if !errors.As(err, &we) || we.Kind != wasm.Malformed || !strings.Contains(we.Msg, c.msg) {
				t.Errorf("got %v, want malformed %q", err, c.msg)
			}
		})
	}
}

func TestDecodeFuncIndexInError(t *testing.T) {
	b := module(sec(1, 1, 0x60, 0, 0), sec(3, 2, 0, 0), sec(10, 2, 2, 0, 0x0b, 3, 0, 0x06, 0x0b))
	we := wantMalformed(t, b, "illegal opcode")
	if we.Func != 1 || we.Offset != len(b)-2 {
		t.Errorf("func %d offset %d, want 1 and %d", we.Func, we.Offset, len(b)-2)
	}
}

// Without any data section a data index is merely unknown: invalid, not
// malformed, as the spec tests (memory_init.wast) expect.
func TestDataDropWithoutDataSection(t *testing.T) {
	b := module(sec(1, 1, 0x60, 0, 0), sec(3, 1, 0), sec(10, 1, 5, 0, 0xfc, 0x09, 0, 0x0b))
	if _, err := Decode(b); err != nil {
		t.Fatal(err)
	}
}

func TestElemEncodings(t *testing.T) {
	// Function indices make a segment of (ref func); expressions one of the
	// type given, funcref for flags 4.
	refFunc := wasm.RefType(false, wasm.HeapFunc)
	end := 0x0b
	i32c := []byte{0x41, 0x05, 0x0b}
	cases := []struct {
		seg   []byte
		mode  wasm.ElemMode
		table uint32
		typ   wasm.ValType
		items int
	}{
		{append(append([]byte{0}, i32c...), 2, 0, 0), wasm.ElemActive, 0, refFunc, 2},
		{[]byte{1, 0, 1, 0}, wasm.ElemPassive, 0, refFunc, 1},
		{append(append([]byte{2, 3}, i32c...), 0, 1, 0), wasm.ElemActive, 3, refFunc, 1},
		{[]byte{3, 0, 0}, wasm.ElemDeclarative, 0, refFunc, 0},
		{append(append([]byte{4}, i32c...), 1, 0xd2, 0, byte(end)), wasm.ElemActive, 0, wasm.FuncRef, 1},
		{[]byte{5, 0x6f, 2, 0xd0, 0x6f, 0x0b, 0xd0, 0x6f, 0x0b}, wasm.ElemPassive, 0, wasm.ExternRef, 2},
		{append(append([]byte{6, 1}, i32c...), 0x70, 1, 0x23, 0, 0x0b), wasm.ElemActive, 1, wasm.FuncRef, 1},
		{[]byte{7, 0x70, 1, 0xd2, 0, 0x0b}, wasm.ElemDeclarative, 0, wasm.FuncRef, 1},
	}
	for i, c := range cases {
		m, err := Decode(module(sec(9, 1, c.seg)))
		if err != nil {
			t.Errorf("flags %d: %v", i, err)
			continue
		}
		e := m.Elems[0]
		if e.Mode != c.mode || e.Table != c.table || e.Type != c.typ || e.Len() != c.items {
			t.Errorf("flags %d: got %+v", i, e)
		}
		if e.Mode == wasm.ElemActive && (e.Offset.Len() != 1 || e.Offset.At(0).Imm != 5) {
			t.Errorf("flags %d: offset %+v", i, e.Offset)
		}
	}
	// Element kind other than 0x00.
	wantMalformed(t, module(sec(9, 1, 1, 1, 0)), "malformed elements segment kind")
}

func TestDataEncodings(t *testing.T) {
	m, err := Decode(module(sec(11, 3,
		0, 0x41, 1, 0x0b, 2, "ab",
		1, 1, "c",
		2, 4, 0x41, 2, 0x0b, 0)))
	if err != nil {
		t.Fatal(err)
	}
	d := m.Datas
	if d[0].Mode != wasm.DataActive || string(d[0].Bytes) != "ab" || d[0].Offset.At(0).Imm != 1 ||
		d[1].Mode != wasm.DataPassive || string(d[1].Bytes) != "c" ||
		d[2].Memory != 4 || len(d[2].Bytes) != 0 {
		t.Errorf("%+v", d)
	}
}

func TestBrokenNameSectionIgnored(t *testing.T) {
	// A function-names subsection whose count runs past its end.
	m, err := Decode(module(sec(0, 4, "name", 1, 2, 5, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Names.Funcs != nil || len(m.Customs) != 1 {
		t.Errorf("names %+v", m.Names)
	}
}

// Items are kept as function indices with their offsets when they are
// indices, or expressions that are each one ref.func or ref.null func in a
// segment of funcref; an item of another kind turns the segment's items
// into expressions, in order. Either way encoding gives back the same
// bytes.
func TestElemItemsCompact(t *testing.T) {
	refFunc := wasm.RefType(false, wasm.HeapFunc)
	for _, c := range []struct {
		name    string
		seg     []byte
		funcs   bool
		want    []wasm.Opcode // each item's instruction
		wantX   []uint32
		wantOff []int // each item's offset in the segment bytes
	}{
		{"indices", []byte{1, 0, 3, 1, 0x80, 0x00, 0}, true,
			[]wasm.Opcode{wasm.OpRefFunc, wasm.OpRefFunc, wasm.OpRefFunc}, []uint32{1, 0, 0}, []int{3, 4, 6}},
		{"ref.func expressions", []byte{5, 0x70, 2, 0xd2, 1, 0x0b, 0xd2, 0, 0x0b}, true,
			[]wasm.Opcode{wasm.OpRefFunc, wasm.OpRefFunc}, []uint32{1, 0}, []int{3, 6}},
		{"ref.func and ref.null func", []byte{5, 0x70, 3, 0xd2, 1, 0x0b, 0xd0, 0x70, 0x0b, 0xd2, 0, 0x0b}, true,
			[]wasm.Opcode{wasm.OpRefFunc, wasm.OpRefNull, wasm.OpRefFunc}, []uint32{1, 0, 0}, []int{3, 6, 9}},
		{"mixed expressions", []byte{5, 0x70, 3, 0xd2, 1, 0x0b, 0x23, 0, 0x0b, 0xd2, 0, 0x0b}, false,
			[]wasm.Opcode{wasm.OpRefFunc, wasm.OpGlobalGet, wasm.OpRefFunc}, []uint32{1, 0, 0}, []int{3, 6, 9}},
	} {
		b := module(sec(1, 1, 0x60, 0, 0), sec(3, 2, 0, 0), sec(9, 1, c.seg), sec(10, 2, 2, 0, 0x0b, 2, 0, 0x0b))
		m, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		e := &m.Elems[0]
		if (len(e.Funcs) > 0) != c.funcs || e.Len() != len(c.want) {
			t.Errorf("%s: %d items, %d as indices; want %d, indices %v", c.name, e.Len(), len(e.Funcs), len(c.want), c.funcs)
			continue
		}
		segStart := bytes.Index(b, c.seg)
		for i, it := range e.ItemExprs() {
			if in := it.At(0); in.Op != c.want[i] || (in.Op == wasm.OpRefFunc && in.X != c.wantX[i]) || int(it.Offset) != segStart+c.wantOff[i] {
				t.Errorf("%s: item %d is %s %d at %d, want %s %d at %d", c.name, i, in.Op, in.X, it.Offset, c.want[i], c.wantX[i], segStart+c.wantOff[i])
			}
		}
		if e.Type != wasm.FuncRef && e.Type != refFunc {
			t.Errorf("%s: type %s", c.name, e.Type)
		}
		if got := Encode(m); !bytes.Equal(got, b) && c.name != "indices" { // the padded index is re-encoded short
			t.Errorf("%s: encoding gives % x, want % x", c.name, got, b)
		}
	}
}
