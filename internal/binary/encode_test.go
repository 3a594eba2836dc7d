package binary

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/wasm"
)

// modelString renders m without the things an encoding may legitimately
// change: byte offsets, section records, custom sections other than the
// parsed names, and nil-versus-empty slices.
func modelString(m *wasm.Module) string {
	c := *m
	c.Sections = nil
	c.Customs = nil
	c.Types = make([]wasm.TypeDef, len(m.Types))
	for i, t := range m.Types {
		t.Func = wasm.FuncType{Params: t.Func.Params, Results: t.Func.Results}
		c.Types[i] = t
	}
	zero := func(e wasm.ConstExpr) wasm.ConstExpr {
		instrs := make([]wasm.Instr, e.Len())
		for i := range instrs {
			instrs[i] = e.At(i)
			instrs[i].Offset = 0
		}
		return wasm.NewConstExpr(instrs, 0)
	}
	c.Globals = make([]wasm.Global, len(m.Globals))
	for i, g := range m.Globals {
		c.Globals[i] = wasm.Global{Type: g.Type, Init: zero(g.Init)}
	}
	c.Elems = make([]wasm.ElemSegment, len(m.Elems))
	for i, s := range m.Elems {
		s.Offset = zero(s.Offset)
		items := make([]wasm.ConstExpr, len(s.Items))
		for j, it := range s.Items {
			items[j] = zero(it)
		}
		s.Items = items
		s.FuncOffsets = nil
		c.Elems[i] = s
	}
	c.Datas = make([]wasm.DataSegment, len(m.Datas))
	for i, s := range m.Datas {
		s.Offset = zero(s.Offset)
		c.Datas[i] = s
	}
	c.Code = make([]wasm.Code, len(m.Code))
	for i, code := range m.Code {
		code.Offset = 0
		c.Code[i] = code
	}
	return fmt.Sprintf("%+v", c)
}

// TestEncodeSpecRoundTrip encodes every spec module that decodes. Most must
// come back byte for byte (custom sections aside); the rest are encoded
// non-canonically by wabt or by hand (padded LEB128, explicit table 0,
// empty sections, ...) and must at least decode to the same model.
func TestEncodeSpecRoundTrip(t *testing.T) {
	var identical, sameModel, decoded int
	for _, path := range testsuite.SpecModules(t) {
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(orig)
		if err != nil {
			continue
		}
		decoded++
		enc := Encode(m)
		if bytes.Equal(testsuite.StripCustoms(orig), testsuite.StripCustoms(enc)) {
			identical++
			continue
		}
		m2, err := Decode(enc)
		if err != nil {
			t.Errorf("%s: encoding does not decode: %v", filepath.Base(path), err)
			continue
		}
		if a, b := modelString(m), modelString(m2); a != b {
			t.Errorf("%s: model changed by Encode/Decode:\n  was %s\n  now %s", filepath.Base(path), a, b)
			continue
		}
		sameModel++
		if testing.Verbose() {
			t.Logf("%s: not canonical, same model", filepath.Base(path))
		}
	}
	t.Logf("%d modules decode: %d re-encode to identical bytes, %d (non-canonical originals) to the same model",
		decoded, identical, sameModel)
}

func TestEncodeNames(t *testing.T) {
	m := &wasm.Module{
		Types: wasm.PlainTypes(wasm.FuncType{Params: []wasm.ValType{wasm.I32}}),
		Funcs: []uint32{0},
		Code:  []wasm.Code{{Locals: []wasm.LocalEntry{{Count: 1, Type: wasm.I64}}, NumLocals: 1, Body: []byte{0x0b}}},
		Names: wasm.NameSection{Module: "m", Funcs: map[uint32]string{0: "f"},
			Locals: map[uint32]map[uint32]string{0: {1: "y", 0: "x"}}},
	}
	m2, err := Decode(Encode(m))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := modelString(m2), modelString(m); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// FuzzEncode checks that whatever Decode accepts, Encode writes a module
// that decodes again to the same model.
func FuzzEncode(f *testing.F) {
	f.Add(fullWasm)
	f.Add(header)
	f.Add(module(sec(9, 1, 5, 0x6f, 1, 0xd0, 0x6f, 0x0b), sec(11, 1, 1, 2, "hi")))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		enc := Encode(m)
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("Encode(Decode(x)) does not decode: %v", err)
		}
		if a, b := modelString(m), modelString(m2); a != b {
			t.Fatalf("model changed:\n  was %s\n  now %s", a, b)
		}
	})
}
